package mcl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import mcl.checkpoints.CheckpointReader;
import mcl.data.scenes.FashionMnist;
import mcl.data.scenes.Garments;
import mcl.data.scenes.LabelledScenes;
import mcl.data.scenes.Split;
import mcl.graphs.Preset;
import mcl.runtime.probe.Probes;
import mcl.runtime.probe.SegProbe;
import mcl.runtime.transfer.FineTune;
import mcl.runtime.transfer.TransferConfig;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * `mcl probe`: how good are the frozen features? k-NN (k = 20, cosine, T = 0.07) or a linear
 * classifier on average-pooled C5 features of single Fashion-MNIST garments, train -> test, top-1;
 * or the dense probe, a linear per-pixel classifier on the FPN levels of Fashion-MNIST scenes,
 * scored by mIoU and pixel accuracy on held-out scenes (the fine-tuning benchmark's scenes).
 */
final class ProbeCommand implements Command {
    private final PrintStream out;

    ProbeCommand(PrintStream out) { this.out = out; }

    public String name() { return "probe"; }

    public String summary() { return "score frozen features: k-NN or linear top-1 on garments, or per-pixel mIoU on scenes (from a run, checkpoint or random init)"; }

    public Options options() {
        return new Options()
                .addOption(Main.flag("init", "RUN|CKPT|random", "the backbone: a pre-training run or checkpoint folder (online encoder), or random (default)"))
                .addOption(Main.flag("task", "knn|linear|seg", "knn: weighted k-NN, k = 20, cosine, T = 0.07 (default); linear: logistic regression; "
                        + "seg: a linear per-pixel classifier on P2-P5 (each upsampled to 1/4, concatenated), mIoU on held-out scenes"))
                .addOption(Main.flag("preset", "NAME", "the network, for --init random (a checkpoint names its own; default tiny)"))
                .addOption(Main.flag("train", "N", "training garments, the first N of the training split (default 10000); seg: training scenes (default 500)"))
                .addOption(Main.flag("test", "N", "test garments, the first N of the test split (default 2000); seg: held-out scenes (default 500)"))
                .addOption(Main.flag("size", "PX", "seg: scene side, a multiple of 32 (default: the preset's input size, as the fine-tuning benchmark)"))
                .addOption(Main.flag("seed", "S", "seed of the random initialisation (default 0)"))
                .addOption(Main.flag("threads", "N", "ONNX Runtime threads (default: all cores)"))
                .addOption(Main.flag("fashion-mnist", "DIR", "the Fashion-MNIST files (default " + FashionMnist.DEBIAN_DIR + ", Debian dataset-fashion-mnist)"))
                .addOption(Main.flag("validation", null, "score on validation garments (the last --test of the training split) or, for seg, "
                        + "validation scenes (training garments, another seed) instead of the test split: compare settings on these, never on the test split"))
                .addOption(Main.flag("json", null, "print one JSON object"));
    }

    public int run(CommandLine cl) throws Exception {
        String task = cl.getOptionValue("task", "knn");
        if (!task.equals("knn") && !task.equals("linear") && !task.equals("seg")) {
            throw new UsageException("--task " + task + ": valid tasks are knn, linear and seg");
        }
        String init = cl.getOptionValue("init", "random");
        if (!init.equals("random") && !Files.isDirectory(Path.of(init))) {
            throw new UsageException("--init " + init + ": no such run or checkpoint folder; give one, or random");
        }
        Preset preset = Preset.named(init.equals("random") ? cl.getOptionValue("preset", "tiny") : CheckpointReader.open(Path.of(init)).preset());
        if (task.equals("seg")) return seg(cl, init, preset);
        int nTrain = Main.intFlag(cl, "train", 10_000);
        int nTest = Main.intFlag(cl, "test", 2_000);
        int threads = Main.intFlag(cl, "threads", 0);
        if (nTrain < 20 || nTest < 1) throw new UsageException("--train must be at least 20 (k = 20) and --test at least 1");
        Path dir = Path.of(cl.getOptionValue("fashion-mnist", FashionMnist.DEBIAN_DIR.toString()));
        if (!FashionMnist.available(dir, Split.TRAIN) || !FashionMnist.available(dir, Split.TEST)) {
            throw new UsageException("Fashion-MNIST not found in " + dir + "; install Debian's dataset-fashion-mnist or pass --fashion-mnist DIR");
        }
        Garments train = new Garments(FashionMnist.load(dir, Split.TRAIN), preset.imageSize());
        boolean validation = cl.hasOption("validation");
        nTrain = Math.min(nTrain, train.size());
        if (validation && nTrain + nTest > train.size()) {
            throw new UsageException("--validation takes the last --test garments of the training split: --train " + nTrain + " + --test " + nTest
                    + " exceeds its " + train.size());
        }
        Garments test = validation ? train.last(nTest) : new Garments(FashionMnist.load(dir, Split.TEST), preset.imageSize());
        nTest = Math.min(nTest, test.size());
        long t0 = System.nanoTime();
        double top1 = Probes.garments(task, init, preset, Main.intFlag(cl, "seed", 0), threads, train, nTrain, test, nTest);
        double secs = (System.nanoTime() - t0) / 1e9;
        if (cl.hasOption("json")) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("task", task).put("top1", top1).put("init", init).put("preset", preset.name()).put("features", "C5 average-pooled, eval-mode BN")
                    .put("train", nTrain).put("test", nTest)
                    .put("scored_on", validation ? "validation" : "test").put("seconds", secs);
            out.println(o);
        } else {
            out.printf("%s top-1 %.2f%% (%s, %s preset, C5 average-pooled features; %d training and %d %s garments; %.0f s)%n",
                    task, 100 * top1, init, preset.name(), nTrain, nTest, validation ? "validation" : "test", secs);
        }
        return 0;
    }

    /** The dense probe on the segmentation benchmark's scenes (training pool, and test or validation scenes). */
    private int seg(CommandLine cl, String init, Preset preset) throws Exception {
        int nTrain = Main.intFlag(cl, "train", 500);
        int nTest = Main.intFlag(cl, "test", 500);
        if (nTrain < 1 || nTest < 1) throw new UsageException("--train and --test must be at least 1 scene");
        boolean validation = cl.hasOption("validation");
        TransferConfig tc = TransferConfig.defaults(preset.name()).withValidation(validation);
        String scenes = cl.hasOption("fashion-mnist") ? "fashion-scenes:" + cl.getOptionValue("fashion-mnist") : tc.scenes();
        int size = Main.intFlag(cl, "size", tc.size());
        try {
            Preset.checkImageSize(size);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--size " + size + ": " + e.getMessage());
        }
        tc = tc.withScenes(scenes, size, Math.max(tc.pool(), nTrain), nTest);
        long t0 = System.nanoTime();
        SegProbe.Result r = Probes.scenes(init, preset, Main.intFlag(cl, "seed", 0), Main.intFlag(cl, "threads", 0), tc, nTrain, nTest);
        LabelledScenes train = FineTune.trainScenes(tc);
        double secs = (System.nanoTime() - t0) / 1e9;
        String features = Probes.DENSE_FEATURES;
        if (cl.hasOption("json")) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("task", "seg").put("miou", r.miou()).put("pixel_acc", r.pixelAcc()).put("init", init).put("preset", preset.name())
                    .put("features", features).put("scenes", train.describe()).put("size", train.side()).put("train", nTrain).put("test", nTest)
                    .put("train_pixels", r.trainPixels()).put("classifier_loss", r.finalLoss())
                    .put("scored_on", validation ? "validation" : "test").put("seconds", secs);
            var iou = o.putArray("iou");
            for (double v : r.iou()) {
                if (Double.isNaN(v)) iou.addNull();
                else iou.add(v);
            }
            out.println(o);
        } else {
            out.printf("seg mIoU %.4f, pixel accuracy %.2f%% (%s, %s preset, %s; %d training and %d %s scenes of %d px; %.0f s)%n",
                    r.miou(), 100 * r.pixelAcc(), init, preset.name(), features, nTrain, nTest, validation ? "validation" : "test", train.side(), secs);
        }
        return 0;
    }
}
