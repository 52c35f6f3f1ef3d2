package mcl.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import mcl.runtime.transfer.FineTune;
import mcl.runtime.transfer.TransferConfig;
import mcl.runtime.transfer.det.CocoJson;
import mcl.runtime.transfer.det.DetFineTune;
import mcl.runtime.transfer.det.DetResult;
import mcl.runtime.transfer.TransferResult;
import mcl.runtime.transfer.TransferSuite;
import mcl.graphs.Preset;
import mcl.runtime.progress.Progress;
import mcl.runtime.train.GraphBundle;
import mcl.runtime.train.TrainConfig;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * `mcl transfer`: does pre-training make a better dense predictor? Fine-tunes a Semantic-FPN
 * segmentation network on Fashion-MNIST scenes from a checkpoint or from random weights and
 * scores mIoU on held-out scenes; {@code --suite} runs the whole comparison (random, image-level
 * and MCL pre-training; several label fractions and seeds) and writes the table and bar chart.
 */
final class TransferCommand implements Command {
    private final PrintStream out;
    private final mcl.runtime.train.GraphSource graphs;

    TransferCommand(PrintStream out) {
        this(out, TrainingGraphs::forConfig);
    }

    TransferCommand(PrintStream out, mcl.runtime.train.GraphSource graphs) {
        this.out = out;
        this.graphs = graphs;
    }

    public String name() { return "transfer"; }

    public String summary() { return "fine-tune for segmentation from a checkpoint or random init and score mIoU (--suite: the whole comparison)"; }

    public Options options() {
        TransferConfig d = TransferConfig.defaults("tiny");
        return new Options()
                .addOption(Main.flag("init", "CKPT|random", "pre-training run or checkpoint folder, or random (default)"))
                .addOption(Main.flag("which", "ENC", "encoder of the checkpoint: online (default) or target"))
                .addOption(Main.flag("task", "TASK", "seg (semantic segmentation, default) or det (FCOS detection, COCO box AP)"))
                .addOption(Main.flag("labels", "P", "labelled fraction of the " + d.pool() + "-scene pool: 1%, 10% (default) or 100%"))
                .addOption(Main.flag("steps", "N", "fine-tuning steps (default " + d.steps() + ")"))
                .addOption(Main.flag("seed", "S", "fine-tuning seed: head init, batch order, flips (default " + d.seed() + ")"))
                .addOption(Main.flag("preset", "P", "network preset, as the checkpoint's (default tiny)"))
                .addOption(Main.flag("batch", "B", "images per step (default " + d.batch() + ")"))
                .addOption(Main.flag("size", "PX", "scene side, a multiple of 32 (default " + d.size() + ")"))
                .addOption(Main.flag("lr", "LR", "SGD learning rate (default " + d.lr() + "; det: " + TransferConfig.DET_LR + ")"))
                .addOption(Main.flag("weight-decay", "WD", "SGD weight decay (default " + d.weightDecay() + ")"))
                .addOption(Main.flag("warmup-steps", "N", "linear warm-up steps (default " + d.warmupSteps() + ")"))
                .addOption(Main.flag("pool", "N", "labelled training scenes the fraction is taken of (default " + d.pool() + ")"))
                .addOption(Main.flag("test-scenes", "N", "held-out test scenes scored (default " + d.testScenes() + ")"))
                .addOption(Main.flag("scenes", "SPEC", "fashion-scenes[:DIR] (default; synthetic scenes if absent) or synthetic"))
                .addOption(Main.flag("no-rescale", null, "load pre-trained conv weights as they are (default: rescaled to their initial norm)"))
                .addOption(Main.flag("validation", null, "score on validation scenes (training garments, other scenes) instead of the test scenes"))
                .addOption(Main.flag("threads", "N", "ONNX Runtime threads (default: all cores)"))
                .addOption(Main.flag("out", "PATH", "result JSON (default runs/transfer-<time>.json); with --task det a folder for result.json, "
                        + "detections.json, ground_truth.json (COCO formats) and scores.json; with --suite a folder (default runs/transfer-suite)"))
                .addOption(Main.flag("suite", null, "run the whole comparison: pre-train image-level and MCL, fine-tune all three inits"))
                .addOption(Main.flag("pretrain-steps", "N", "--suite: steps of each pre-training (default 600)"))
                .addOption(Main.flag("pretrain-size", "PX", "--suite: pre-training input side (default: the preset's)"))
                .addOption(Main.flag("levels", "L", "--suite: levels of the MCL pre-training (default: the preset's)"))
                .addOption(Main.flag("seeds", "N", "--suite: fine-tuning seeds per cell (default 3)"))
                .addOption(Main.flag("pretrain-seeds", "N", "--suite: pre-training seeds, each an image-level and an MCL arm (default 2)"))
                .addOption(Main.flag("no-probes", null, "--suite: skip the frozen probes (dense probe, k-NN) of every init"))
                .addOption(Main.flag("suite-labels", "LIST", "--suite: label fractions (default 1%,10%)"))
                .addOption(Main.flag("pretrain-scenes", "N", "--suite: pre-train on N unlabelled training scenes (default: the preset's data; tiny: single garments)"))
                .addOption(Main.flag("pretrain-config", "FILE", "--suite: JSON object of pre-training settings over the preset's, "
                        + "for both arms (e.g. {\"temperature\": 0.2, \"base_lr\": 4})"))
                .addOption(Main.flag("suite-tasks", "LIST", "--suite: fine-tuning tasks compared, seg and/or det (default seg,det; det at lr "
                        + TransferConfig.DET_LR + ")"));
    }

    public int run(CommandLine cl) throws Exception {
        String task = cl.getOptionValue("task", "seg");
        if (!task.equals("seg") && !task.equals("det")) throw new UsageException("unknown --task '" + task + "'; valid tasks: seg, det");
        TransferConfig c = config(cl, task);
        Progress progress = Progress.forStream(out, System.console() != null, 50);
        if (cl.hasOption("suite")) {
            for (String f : List.of("init", "labels", "seed")) {
                if (cl.hasOption(f)) throw new UsageException("--" + f + " is chosen by --suite (it runs every init, label fraction and seed)");
            }
            Preset p = Preset.named(c.preset());
            List<Double> labels = new ArrayList<>();
            for (String s : cl.getOptionValue("suite-labels", "1%,10%").split(",")) labels.add(parse(() -> TransferConfig.parseLabels(s)));
            TransferSuite suite = parse(() -> new TransferSuite(c, Main.intFlag(cl, "pretrain-steps", 600), Main.intFlag(cl, "pretrain-size", p.imageSize()),
                    Main.intFlag(cl, "levels", p.levels()), Main.intFlag(cl, "pretrain-seeds", 2), Main.intFlag(cl, "seeds", 3), labels,
                    Main.intFlag(cl, "pretrain-scenes", 0), List.of(cl.getOptionValue("suite-tasks", "seg,det").split(",")), TransferConfig.DET_LR,
                    pretrainSettings(cl), !cl.hasOption("no-probes")));
            Path dir = Path.of(cl.getOptionValue("out", "runs/transfer-suite"));
            out.println("transfer suite in " + dir.toAbsolutePath() + " (finished pieces in it are reused)");
            String table;
            try (StopOnSignal stop = new StopOnSignal()) {
                table = suite.run(dir, graphs, progress, stop::stopped);
            }
            out.println(table);
            for (String t : suite.tasks()) {
                String stem = t.equals("det") ? "det-suite" : "suite";
                out.println(t + ": table " + dir.resolve(stem + ".md") + ", chart " + dir.resolve(stem + ".png") + ", runs " + dir.resolve(stem + ".json"));
            }
            if (suite.probes()) out.println("probes: " + dir.resolve("probes.md") + (suite.tasks().contains("seg") ? ", goal: " + dir.resolve("goal.md") : ""));
            return 0;
        }
        if (task.equals("det")) return detect(cl, c, progress);
        Path file = Path.of(cl.getOptionValue("out",
                Path.of("runs", "transfer-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json").toString()));
        out.println("fine-tuning " + c.preset() + " from " + c.init() + " on " + TransferConfig.labelsName(c.labels()) + " of the labels ("
                + c.labelledScenes() + " scenes), " + c.steps() + " steps, seed " + c.seed());
        TransferResult r;
        try (StopOnSignal stop = new StopOnSignal()) {
            r = FineTune.run(c, progress, true, stop::stopped);
        }
        r.write(file);
        out.println(r.summary());
        out.println("scores: " + file);
        return 0;
    }

    /** `--task det`: one FCOS fine-tune, AP printed, the COCO files and scores in the --out folder. */
    private int detect(CommandLine cl, TransferConfig c, Progress progress) throws Exception {
        if (cl.hasOption("suite")) throw new UsageException("--suite runs the segmentation comparison; leave out --task det");
        Path dir = Path.of(cl.getOptionValue("out",
                Path.of("runs", "det-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))).toString()));
        out.println("detection fine-tuning (FCOS) of " + c.preset() + " from " + c.init() + " on " + TransferConfig.labelsName(c.labels())
                + " of the labels (" + c.labelledScenes() + " scenes), " + c.steps() + " steps, seed " + c.seed());
        DetResult r;
        try (StopOnSignal stop = new StopOnSignal()) {
            r = DetFineTune.run(c, progress, true, stop::stopped, dir);
        }
        r.write(dir.resolve("result.json"));
        out.println(r.summary());
        out.println("COCO files: " + dir.resolve(CocoJson.DETECTIONS) + ", " + dir.resolve(CocoJson.GROUND_TRUTH) + "\nscores: " + dir.resolve(CocoJson.SCORES));
        return 0;
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode pretrainSettings(CommandLine cl) {
        if (!cl.hasOption("pretrain-config")) return TrainConfig.JSON.createObjectNode();
        Path f = Path.of(cl.getOptionValue("pretrain-config"));
        try {
            var n = TrainConfig.JSON.readTree(f.toFile());
            if (!(n instanceof com.fasterxml.jackson.databind.node.ObjectNode o)) throw new UsageException("--pretrain-config " + f + ": not a JSON object");
            TrainConfig.merge(TrainConfig.preset("tiny"), o, "--pretrain-config " + f); // names a wrong setting now, not after the first arm
            return o;
        } catch (java.io.IOException e) {
            throw new UsageException("--pretrain-config " + f + ": cannot read (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private TransferConfig config(CommandLine cl, String task) {
        String preset = cl.getOptionValue("preset", "tiny");
        Preset.named(preset); // names the valid presets
        TransferConfig d = task.equals("det") ? TransferConfig.detDefaults(preset) : TransferConfig.defaults(preset);
        String init = cl.getOptionValue("init", d.init());
        if (!init.equals(TransferConfig.RANDOM) && !Files.isDirectory(Path.of(init))) {
            throw new UsageException("--init " + init + ": no such run or checkpoint folder; give a pre-training run folder, a checkpoint folder, or random");
        }
        int size = Main.intFlag(cl, "size", d.size());
        parse(() -> {
            Preset.checkImageSize(size);
            return 0;
        });
        return parse(() -> new TransferConfig(preset, init, cl.getOptionValue("which", d.which()),
                cl.hasOption("labels") ? TransferConfig.parseLabels(cl.getOptionValue("labels")) : d.labels(),
                Main.intFlag(cl, "steps", (int) d.steps()), Main.intFlag(cl, "seed", (int) d.seed()), Main.intFlag(cl, "batch", d.batch()), size,
                Main.doubleFlag(cl, "lr", d.lr()), d.momentum(), Main.doubleFlag(cl, "weight-decay", d.weightDecay()),
                warmup(cl, d),
                Main.intFlag(cl, "pool", d.pool()), Main.intFlag(cl, "test-scenes", d.testScenes()), cl.getOptionValue("scenes", d.scenes()),
                d.sceneSeed(), Main.intFlag(cl, "threads", d.threads()), d.headChannels(), !cl.hasOption("no-rescale"), cl.hasOption("validation")));
    }

    /**
     * The warm-up: the default (30 steps) is shortened to a tenth of a shorter run with a note, as
     * `mcl pretrain` does; an explicit --warmup-steps longer than the run is an error.
     */
    private long warmup(CommandLine cl, TransferConfig d) {
        long steps = Main.intFlag(cl, "steps", (int) d.steps());
        if (cl.hasOption("warmup-steps")) {
            long w = Main.intFlag(cl, "warmup-steps", 0);
            if (w < 0 || w > Math.max(steps, 0)) {
                throw new UsageException("--warmup-steps " + w + ": must be in 0.." + steps + " (the run's --steps); leave it out to use a tenth of the run");
            }
            return w;
        }
        if (d.warmupSteps() <= steps || steps <= 0) return d.warmupSteps() <= steps ? d.warmupSteps() : 0;
        out.println("note: the default warm-up of " + d.warmupSteps() + " steps is longer than the run; using " + steps / 10
                + " (a tenth of " + steps + " steps)");
        return steps / 10;
    }

    /** Turns a bad value's IllegalArgumentException into a usage error (exit 2, one line). */
    private static <T> T parse(java.util.function.Supplier<T> f) {
        try {
            return f.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
