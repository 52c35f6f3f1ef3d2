package mcl.runtime.transfer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import mcl.checkpoints.CheckpointReader;
import mcl.data.scenes.FashionMnist;
import mcl.data.scenes.Garments;
import mcl.data.scenes.Split;
import mcl.graphs.Preset;
import mcl.runtime.probe.Probes;
import mcl.runtime.probe.SegProbe;
import mcl.runtime.progress.Progress;

/**
 * The frozen probes of every init in the transfer suite: the dense probe (mIoU on the suite's
 * scenes, `mcl probe --task seg`) and k-NN top-1 on single garments (`mcl probe`). Random init is
 * probed once per pre-training seed (its init seed), so its spread sits beside the arms'. Each
 * result is kept as probes/NAME.json and reused.
 */
final class SuiteProbes {
    /** Dense probe training and held-out scenes; k-NN training and held-out garments (the probes' defaults). */
    static final int SCENES = 500;
    static final int KNN_TRAIN = 10_000;
    static final int KNN_TEST = 2_000;

    /** One init's probes; {@code knnTop1} is NaN where Fashion-MNIST is missing. */
    record Row(String series, int pretrainSeed, double miou, double pixelAcc, double knnTop1, double seconds) {
        ObjectNode toJson() {
            ObjectNode o = TransferResult.JSON.createObjectNode();
            o.put("series", series).put("pretrain_seed", pretrainSeed).put("dense_miou", miou).put("dense_pixel_acc", pixelAcc)
                    .put("knn_top1", Double.isNaN(knnTop1) ? null : knnTop1).put("seconds", seconds);
            return o;
        }

        static Row of(ObjectNode o) {
            return new Row(o.get("series").asText(), o.get("pretrain_seed").asInt(), o.get("dense_miou").asDouble(), o.get("dense_pixel_acc").asDouble(),
                    o.get("knn_top1").isNull() ? Double.NaN : o.get("knn_top1").asDouble(), o.get("seconds").asDouble());
        }
    }

    private SuiteProbes() { }

    static List<Row> run(Path dir, TransferConfig c, List<TransferSuite.Arm> arms, int pretrainSeeds, Progress progress, BooleanSupplier stop)
            throws IOException {
        List<Row> rows = new ArrayList<>();
        for (TransferSuite.Arm a : arms) {
            for (int k = 1; k <= (a.random() ? pretrainSeeds : 1); k++) {
                int seed = a.random() ? k : a.pretrainSeed();
                Path file = dir.resolve("probes").resolve(TransferSuite.slug(a.series()) + "-seed" + seed + ".json");
                if (!Files.isRegularFile(file)) {
                    if (stop.getAsBoolean()) throw new IllegalStateException("stopped before the probes of " + a.series());
                    progress.message(String.format(Locale.ROOT, "probes: %s, seed %d", a.series(), seed));
                    Row r = probe(c, a, seed, progress);
                    Files.createDirectories(file.getParent());
                    TransferResult.JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), r.toJson());
                    progress.message(String.format(Locale.ROOT, "  dense mIoU %.4f, k-NN %.2f%% (%.0f s)", r.miou(), 100 * r.knnTop1(), r.seconds()));
                }
                rows.add(Row.of((ObjectNode) TransferResult.JSON.readTree(file.toFile())));
            }
        }
        return rows;
    }

    private static Row probe(TransferConfig c, TransferSuite.Arm a, int seed, Progress progress) {
        long t0 = System.nanoTime();
        Preset preset = Preset.named(a.random() ? c.preset() : CheckpointReader.open(Path.of(a.init())).preset());
        SegProbe.Result dense = Probes.scenes(a.init(), preset, seed, c.threads(), c, SCENES, SCENES);
        double knn = Double.NaN;
        if (FashionMnist.available(FashionMnist.DEBIAN_DIR, Split.TRAIN) && FashionMnist.available(FashionMnist.DEBIAN_DIR, Split.TEST)) {
            Garments train = new Garments(FashionMnist.load(FashionMnist.DEBIAN_DIR, Split.TRAIN), preset.imageSize());
            Garments test = c.validation() ? train.last(KNN_TEST) : new Garments(FashionMnist.load(FashionMnist.DEBIAN_DIR, Split.TEST), preset.imageSize());
            knn = Probes.garments("knn", a.init(), preset, seed, c.threads(), train, KNN_TRAIN, test, KNN_TEST);
        } else {
            progress.message("warning: Fashion-MNIST is missing (" + FashionMnist.DEBIAN_DIR + "): the k-NN probe is skipped");
        }
        return new Row(a.series(), seed, dense.miou(), dense.pixelAcc(), knn, (System.nanoTime() - t0) / 1e9);
    }

    /** probes.md: one row per init and seed, then the mean per init; returns the markdown. */
    static String write(Path dir, List<Row> rows, String note) throws IOException {
        StringBuilder md = new StringBuilder("| init | seed | dense probe mIoU | dense pixel acc. | k-NN top-1 | probe s |\n|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.4f | %.4f | %s | %.0f |%n", r.series(), r.pretrainSeed(), r.miou(), r.pixelAcc(),
                    Double.isNaN(r.knnTop1()) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * r.knnTop1()), r.seconds()));
        }
        md.append("\nFrozen backbone + FPN in eval mode. Dense probe: a linear per-pixel classifier on ").append(Probes.DENSE_FEATURES)
                .append(", ").append(SCENES).append(" training scenes, ").append(SCENES).append(" held-out scenes. k-NN: k = ").append(Probes.K)
                .append(", cosine, T = ").append(Probes.KNN_TEMPERATURE).append(", C5 average-pooled, ").append(KNN_TRAIN).append(" training and ")
                .append(KNN_TEST).append(" held-out garments. Random init: seed = the pre-training seed it stands beside. ").append(note).append("\n");
        Files.writeString(dir.resolve("probes.md"), md.toString());
        return md.toString();
    }
}
