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
import mcl.runtime.transfer.det.DetFineTune;
import mcl.runtime.transfer.det.DetResult;
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
 * @param tasks         the fine-tuning tasks compared: "seg" (Semantic-FPN, mIoU; suite.md/png/json), "det" (FCOS, box AP;
 *                      det-suite.md/png/json)
 * @param detLr         the detection fine-tune's SGD lr (the other settings are the segmentation fine-tune's)
 * @param pretrainSettings pre-training settings over the preset's (e.g. temperature, base_lr), the same for both arms; empty for none
 */
public record TransferSuite(TransferConfig fineTune, long pretrainSteps, int pretrainSize, int mclLevels, int seeds,
                            List<Double> labelFractions, int pretrainScenes, List<String> tasks, double detLr, ObjectNode pretrainSettings) {
    public TransferSuite {
        for (String t : tasks) if (!t.equals("seg") && !t.equals("det")) throw new IllegalArgumentException("suite tasks are seg and det, got '" + t + "'");
    }

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

        TransferConfig c = fineTune;
        String pretrainNote = String.format(Locale.ROOT,
                "Pre-training: preset %s%s, %d steps at batch %d, %d px, on %d unlabelled training scenes; wall time image-level %.0f s, MCL %.0f s.",
                c.preset(), pretrainSettings.isEmpty() ? "" : " with " + pretrainSettings, pretrainSteps, TrainConfig.preset(c.preset()).batch(),
                pretrainSize, pretrainScenes, imageSecs, mclSecs);
        StringBuilder md = new StringBuilder();
        for (String task : tasks) {
            boolean det = task.equals("det");
            TransferConfig t = det ? c.withLr(detLr) : c;
            List<SuiteReport.Entry> entries = fineTunes(dir, task, t, imageRun, mclRun, progress, stop);
            String note = pretrainNote + String.format(Locale.ROOT, " Fine-tuning: %s, %d steps, batch %d, %d px, SGD lr %.3g momentum %.2f wd %.0e, "
                    + "%d test scenes (test garments only), seeds 1..%d.", det ? "FCOS (box AP, COCO definition)" : "Semantic-FPN",
                    t.steps(), t.batch(), t.size(), t.lr(), t.momentum(), t.weightDecay(), t.testScenes(), seeds);
            String title = (det ? "Transfer: FCOS detection" : "Transfer: Semantic-FPN") + " on Fashion-MNIST scenes (" + c.preset() + ", "
                    + t.steps() + " fine-tuning steps)";
            if (md.length() > 0) md.append("\n");
            md.append(SuiteReport.write(dir, det ? SuiteReport.Scores.DET : SuiteReport.Scores.SEG, title, List.of(RANDOM, IMAGE_LEVEL, mclSeries()),
                    entries, List.of(note)));
        }
        return md.toString();
    }

    /** Every fine-tune of one task (init x label fraction x seed), each kept as a JSON file and reused when present. */
    private List<SuiteReport.Entry> fineTunes(Path dir, String task, TransferConfig t, Path imageRun, Path mclRun, Progress progress,
                                              BooleanSupplier stop) throws IOException {
        boolean det = task.equals("det");
        List<SuiteReport.Entry> entries = new ArrayList<>();
        for (double labels : labelFractions) {
            for (String s : List.of(RANDOM, IMAGE_LEVEL, mclSeries())) {
                String init = s.equals(RANDOM) ? TransferConfig.RANDOM : (s.equals(IMAGE_LEVEL) ? imageRun : mclRun).toString();
                for (int seed = 1; seed <= seeds; seed++) {
                    String name = slug(s) + "-" + TransferConfig.labelsName(labels).replace("%", "pct") + "-seed" + seed;
                    Path file = dir.resolve(det ? "finetune-det" : "finetune").resolve(name + ".json");
                    TransferConfig one = t.withInit(init).withLabels(labels).withSeed(seed);
                    if (!Files.isRegularFile(file)) {
                        progress.message(String.format(Locale.ROOT, "fine-tune (%s): %s, %s labels, seed %d", task, s, TransferConfig.labelsName(labels), seed));
                        if (det) {
                            DetResult r = DetFineTune.run(one, progress, false, stop, dir.resolve("finetune-det").resolve(name));
                            r.write(file);
                            progress.message("  " + r.summary());
                        } else {
                            TransferResult r = FineTune.run(one, progress, false, stop);
                            r.write(file);
                            progress.message("  " + r.summary());
                        }
                    }
                    if (det) {
                        DetResult r = DetResult.read(file);
                        entries.add(new SuiteReport.Entry(s, r.labels(), r.scores().ap(), r.scores().ap50(), r.seconds(), r.toJson()));
                    } else {
                        entries.add(SuiteReport.Entry.of(s, TransferResult.read(file)));
                    }
                }
            }
        }
        return entries;
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
        TrainConfig suite = TrainConfig.merge(base, o, "transfer suite");
        return pretrainSettings.isEmpty() ? suite : TrainConfig.merge(suite, pretrainSettings, "--pretrain-config");
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
