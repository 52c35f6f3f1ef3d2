package mcl.runtime.transfer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import mcl.checkpoints.CheckpointReader;
import mcl.runtime.train.PretrainRun;
import mcl.runtime.progress.Progress;
import mcl.runtime.train.GraphBundle;
import mcl.runtime.train.TrainConfig;
import mcl.runtime.train.TrainLoop;

/**
 * The whole transfer comparison in one folder: two pre-trainings on the same unlabelled training
 * scenes with the same budget (steps x batch) -- image-level (1 level, no montage) and MCL
 * (several levels) -- then fine-tuning from random, image-level and MCL weights for every label
 * fraction and seed, and the report. Every finished piece is kept (a pre-training run folder, one
 * JSON per fine-tune), so a stopped suite continues where it stopped.
 *
 * @param pretrainSteps steps of each pre-training (batch and lr from the preset)
 * @param pretrainSize  pre-training input side (the scenes are rendered at the fine-tuning size and cropped)
 * @param mclLevels     levels of the MCL pre-training
 */
public record TransferSuite(TransferConfig fineTune, long pretrainSteps, int pretrainSize, int mclLevels, int seeds,
                            List<Double> labelFractions, int pretrainScenes) {
    public static final String IMAGE_LEVEL = "image-level (L=1)";
    public static final String RANDOM = "random init";

    public String mclSeries() { return "MCL (L=" + mclLevels + ")"; }

    /** Runs (or continues) the suite in {@code dir}; returns the markdown table. */
    public String run(Path dir, mcl.runtime.train.GraphSource graphs, Progress progress, BooleanSupplier stop) throws IOException {
        Files.createDirectories(dir);
        Path imageRun = dir.resolve("pretrain-image-level");
        Path mclRun = dir.resolve("pretrain-mcl");
        double imageSecs = pretrain(imageRun, 1, graphs, progress, stop);
        double mclSecs = pretrain(mclRun, mclLevels, graphs, progress, stop);

        List<SuiteReport.Entry> entries = new ArrayList<>();
        List<String> series = List.of(RANDOM, IMAGE_LEVEL, mclSeries());
        for (double labels : labelFractions) {
            for (String s : series) {
                String init = s.equals(RANDOM) ? TransferConfig.RANDOM : (s.equals(IMAGE_LEVEL) ? imageRun : mclRun).toString();
                for (int seed = 1; seed <= seeds; seed++) {
                    Path file = dir.resolve("finetune").resolve(slug(s) + "-" + TransferConfig.labelsName(labels).replace("%", "pct") + "-seed" + seed + ".json");
                    TransferResult r;
                    if (Files.isRegularFile(file)) {
                        r = TransferResult.read(file);
                    } else {
                        progress.message(String.format(Locale.ROOT, "fine-tune: %s, %s labels, seed %d", s, TransferConfig.labelsName(labels), seed));
                        r = FineTune.run(fineTune.withInit(init).withLabels(labels).withSeed(seed), progress, false, stop);
                        r.write(file);
                        progress.message("  " + r.summary());
                    }
                    entries.add(new SuiteReport.Entry(s, r));
                }
            }
        }
        TransferConfig c = fineTune;
        List<String> notes = List.of(String.format(Locale.ROOT,
                "Pre-training: preset %s, %d steps at batch %d, %d px, on %d unlabelled training scenes; wall time image-level %.0f s, MCL %.0f s. "
                        + "Fine-tuning: Semantic-FPN, %d steps, batch %d, %d px, SGD lr %.3g momentum %.2f wd %.0e, %d test scenes (test garments only), seeds 1..%d.",
                c.preset(), pretrainSteps, TrainConfig.preset(c.preset()).batch(), pretrainSize, pretrainScenes, imageSecs, mclSecs,
                c.steps(), c.batch(), c.size(), c.lr(), c.momentum(), c.weightDecay(), c.testScenes(), seeds));
        return SuiteReport.write(dir, "Transfer: Semantic-FPN on Fashion-MNIST scenes (" + c.preset() + ", " + c.steps() + " fine-tuning steps)",
                series, entries, notes);
    }

    /** The pre-training config of one arm: the preset with the scenes as data and the suite's budget. */
    TrainConfig pretrainConfig(int levels) {
        TrainConfig base = TrainConfig.preset(fineTune.preset());
        ObjectNode o = TrainConfig.JSON.createObjectNode();
        o.put("data", "fashion-scenes:" + pretrainScenes + ":" + fineTune.sceneSeed() + ":" + fineTune.size());
        o.put("levels", levels);
        o.put("steps", pretrainSteps);
        o.put("warmup_steps", Math.max(1, pretrainSteps / 10));
        o.put("size", pretrainSize);
        o.put("checkpoint_every", pretrainSteps);
        o.put("keep_checkpoints", 1);
        if (fineTune.threads() > 0) o.put("threads", fineTune.threads());
        return TrainConfig.merge(base, o, "transfer suite");
    }

    private double pretrain(Path run, int levels, mcl.runtime.train.GraphSource graphs, Progress progress, BooleanSupplier stop)
            throws IOException {
        Path secsFile = run.resolve("wall_seconds.txt");
        if (Files.isRegularFile(secsFile)) {
            CheckpointReader.open(run); // a finished arm must still have its checkpoint
            return Double.parseDouble(Files.readString(secsFile).trim());
        }
        long t0 = System.nanoTime();
        PretrainRun r = new PretrainRun(run, graphs, progress, (f, s) -> { });
        progress.message("pre-training " + (levels == 1 ? IMAGE_LEVEL : mclSeries()) + " into " + run);
        TrainLoop.Result res = Files.isRegularFile(run.resolve(PretrainRun.CONFIG)) ? r.resume(stop) : r.start(pretrainConfig(levels), stop);
        if (res.outcome() != TrainLoop.Outcome.COMPLETED) throw new IllegalStateException("pre-training in " + run + " did not complete: " + res.message());
        double secs = (System.nanoTime() - t0) / 1e9;
        Files.writeString(secsFile, String.format(Locale.ROOT, "%.1f%n", secs));
        return secs;
    }

    private static String slug(String series) {
        return series.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }
}
