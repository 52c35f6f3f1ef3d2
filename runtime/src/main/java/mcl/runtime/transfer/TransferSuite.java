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
 * The whole transfer comparison in one folder: for every pre-training seed, two pre-trainings on
 * the same unlabelled data with the same budget (steps x batch) -- image-level (1 level, no
 * montage) and MCL (several levels) -- then the frozen probes of every init (dense probe on the
 * scenes, k-NN on garments; random init once per pre-training seed), fine-tuning from random,
 * image-level and MCL weights for every label fraction and fine-tuning seed, and the report.
 * Every finished piece is kept (a pre-training run folder, one JSON per probe and per fine-tune),
 * so a stopped suite continues where it stopped.
 *
 * @param pretrainSteps steps of each pre-training (batch and lr from the preset)
 * @param pretrainSize  pre-training input side
 * @param mclLevels     levels of the MCL pre-training
 * @param pretrainSeeds pre-training seeds (network init and data order), 1..N: each gives one image-level and one MCL arm
 * @param seeds         fine-tuning seeds per cell, 1..N
 * @param pretrainScenes pre-train on this many unlabelled training scenes; 0 for the preset's data (tiny: single garments, what
 *                      its recipe was tuned on)
 * @param tasks         the fine-tuning tasks compared: "seg" (Semantic-FPN, mIoU; suite.md/png/json), "det" (FCOS, box AP;
 *                      det-suite.md/png/json)
 * @param detLr         the detection fine-tune's SGD lr (the other settings are the segmentation fine-tune's)
 * @param pretrainSettings pre-training settings over the preset's (e.g. temperature, base_lr), the same for both arms; empty for none
 * @param probes        run the frozen probes of every init (probes.md) besides the fine-tunes
 */
public record TransferSuite(TransferConfig fineTune, long pretrainSteps, int pretrainSize, int mclLevels, int pretrainSeeds, int seeds,
                            List<Double> labelFractions, int pretrainScenes, List<String> tasks, double detLr, ObjectNode pretrainSettings,
                            boolean probes) {
    public TransferSuite {
        for (String t : tasks) if (!t.equals("seg") && !t.equals("det")) throw new IllegalArgumentException("suite tasks are seg and det, got '" + t + "'");
        if (pretrainSeeds < 1 || seeds < 1) throw new IllegalArgumentException("--pretrain-seeds and --seeds must be at least 1");
    }

    public static final String IMAGE_LEVEL = "image-level (L=1)";
    public static final String RANDOM = "random init";

    public String mclSeries() { return "MCL (L=" + mclLevels + ")"; }

    /** One pre-trained (or random) starting point: its series in the tables, its init for `mcl transfer`/`mcl probe`, its seed. */
    record Arm(String series, String init, int pretrainSeed) {
        boolean random() { return init.equals(TransferConfig.RANDOM); }
    }

    /** The two pre-trained arms of every pre-training seed, image-level first. */
    List<Arm> pretrainedArms(Path dir) {
        List<Arm> arms = new ArrayList<>();
        for (int k = 1; k <= pretrainSeeds; k++) {
            String suffix = pretrainSeeds == 1 ? "" : ", pre-training seed " + k;
            arms.add(new Arm(IMAGE_LEVEL + suffix, dir.resolve("pretrain-image-level-seed" + k).toString(), k));
            arms.add(new Arm(mclSeries() + suffix, dir.resolve("pretrain-mcl-seed" + k).toString(), k));
        }
        return arms;
    }

    /** Runs (or continues) the suite in {@code dir}; returns the markdown tables. */
    public String run(Path dir, mcl.runtime.train.GraphSource graphs, Progress progress, BooleanSupplier stop) throws IOException {
        Files.createDirectories(dir);
        List<Arm> pretrained = pretrainedArms(dir);
        StringBuilder wall = new StringBuilder();
        for (Arm a : pretrained) {
            double secs = pretrain(Path.of(a.init()), a.series().startsWith(IMAGE_LEVEL) ? 1 : mclLevels, a.pretrainSeed(), graphs, progress, stop);
            wall.append(String.format(Locale.ROOT, "%s%s %.0f s", wall.length() == 0 ? "" : ", ", a.series(), secs));
        }
        Arm random = new Arm(RANDOM, TransferConfig.RANDOM, 0);
        List<Arm> all = new ArrayList<>(List.of(random));
        all.addAll(pretrained);
        List<String> seriesOrder = all.stream().map(Arm::series).toList();

        TransferConfig c = fineTune;
        String pretrainNote = String.format(Locale.ROOT,
                "Pre-training: preset %s%s, %d steps at batch %d, %d px, on %s, seeds 1..%d; wall time %s.",
                c.preset(), pretrainSettings.isEmpty() ? "" : " with " + pretrainSettings, pretrainSteps, pretrainConfig(1, 1).batch(),
                pretrainSize, pretrainConfig(1, 1).data(), pretrainSeeds, wall);
        StringBuilder md = new StringBuilder();
        List<SuiteProbes.Row> probeRows = probes ? SuiteProbes.run(dir, c, all, pretrainSeeds, progress, stop) : List.of();
        if (probes) md.append(SuiteProbes.write(dir, probeRows, pretrainNote)).append("\n");
        for (String task : tasks) {
            boolean det = task.equals("det");
            TransferConfig t = det ? c.withLr(detLr) : c;
            List<SuiteReport.Entry> entries = fineTunes(dir, task, t, all, progress, stop);
            String note = pretrainNote + String.format(Locale.ROOT, " Fine-tuning: %s, %d steps, batch %d, %d px, SGD lr %.3g momentum %.2f wd %.0e, "
                    + "%d held-out %s scenes, seeds 1..%d.", det ? "FCOS (box AP, COCO definition)" : "Semantic-FPN",
                    t.steps(), t.batch(), t.size(), t.lr(), t.momentum(), t.weightDecay(), t.testScenes(),
                    t.validation() ? "validation" : "test (test garments only)", seeds);
            String title = (det ? "Transfer: FCOS detection" : "Transfer: Semantic-FPN") + " on Fashion-MNIST scenes (" + c.preset() + ", "
                    + t.steps() + " fine-tuning steps)";
            if (md.length() > 0) md.append("\n");
            md.append(SuiteReport.write(dir, det ? SuiteReport.Scores.DET : SuiteReport.Scores.SEG, title, seriesOrder, entries, List.of(note)));
            if (!det && probes) md.append("\n").append(SuiteGoal.write(dir, probeRows, entries, pretrained, labelFractions));
        }
        return md.toString();
    }

    /** Every fine-tune of one task (init x label fraction x seed), each kept as a JSON file and reused when present. */
    private List<SuiteReport.Entry> fineTunes(Path dir, String task, TransferConfig t, List<Arm> arms, Progress progress,
                                              BooleanSupplier stop) throws IOException {
        boolean det = task.equals("det");
        List<SuiteReport.Entry> entries = new ArrayList<>();
        for (double labels : labelFractions) {
            for (Arm a : arms) {
                for (int seed = 1; seed <= seeds; seed++) {
                    String name = slug(a.series()) + "-" + TransferConfig.labelsName(labels).replace("%", "pct") + "-seed" + seed;
                    Path file = dir.resolve(det ? "finetune-det" : "finetune").resolve(name + ".json");
                    TransferConfig one = t.withInit(a.init()).withLabels(labels).withSeed(seed);
                    String s = a.series();
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

    /** The pre-training config of one arm: the preset (or the suite's scenes) as data, the suite's budget, the seed. */
    TrainConfig pretrainConfig(int levels, int seed) {
        TrainConfig base = TrainConfig.preset(fineTune.preset());
        ObjectNode o = TrainConfig.JSON.createObjectNode();
        if (pretrainScenes > 0) o.put("data", "fashion-scenes:" + pretrainScenes + ":" + fineTune.sceneSeed() + ":" + fineTune.size());
        o.put("levels", levels);
        o.put("seed", seed);
        o.put("steps", pretrainSteps);
        o.put("warmup_steps", Math.max(1, pretrainSteps / 10));
        o.put("size", pretrainSize);
        o.put("checkpoint_every", pretrainSteps);
        o.put("keep_checkpoints", 1);
        if (fineTune.threads() > 0) o.put("threads", fineTune.threads());
        TrainConfig suite = TrainConfig.merge(base, o, "transfer suite");
        return pretrainSettings.isEmpty() ? suite : TrainConfig.merge(suite, pretrainSettings, "--pretrain-config");
    }

    private double pretrain(Path run, int levels, int seed, mcl.runtime.train.GraphSource graphs, Progress progress, BooleanSupplier stop)
            throws IOException {
        Path secsFile = run.resolve("wall_seconds.txt");
        if (Files.isRegularFile(secsFile)) {
            CheckpointReader.open(run); // a finished arm must still have its checkpoint
            return Double.parseDouble(Files.readString(secsFile).trim());
        }
        long t0 = System.nanoTime();
        PretrainRun r = new PretrainRun(run, graphs, progress, (f, s) -> { });
        progress.message("pre-training " + (levels == 1 ? IMAGE_LEVEL : mclSeries()) + ", seed " + seed + ", into " + run);
        TrainLoop.Result res = Files.isRegularFile(run.resolve(PretrainRun.CONFIG)) ? r.resume(stop) : r.start(pretrainConfig(levels, seed), stop);
        if (res.outcome() != TrainLoop.Outcome.COMPLETED) throw new IllegalStateException("pre-training in " + run + " did not complete: " + res.message());
        double secs = (System.nanoTime() - t0) / 1e9;
        Files.writeString(secsFile, String.format(Locale.ROOT, "%.1f%n", secs));
        return secs;
    }

    static String slug(String series) {
        return series.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }
}
