package mcl.runtime.transfer;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import mcl.checkpoints.Checkpoint;
import mcl.checkpoints.CheckpointReader;
import mcl.checkpoints.Which;
import mcl.data.scenes.LabelledScenes;
import mcl.data.scenes.SegBatch;
import mcl.data.scenes.SegBatches;
import mcl.data.scenes.Split;
import mcl.graph.OnnxExport;
import mcl.graphs.Preset;
import mcl.graphs.seg.SegConfig;
import mcl.graphs.seg.SegGraphs;
import mcl.runtime.optim.Lars;
import mcl.runtime.optim.Schedule;
import mcl.runtime.ort.SessionConfig;
import mcl.runtime.progress.Progress;
import mcl.runtime.transfer.SegMetrics;
import mcl.tensors.HostTensor;

/**
 * One fine-tuning run of the transfer benchmark: builds the Semantic-FPN graphs, starts from random
 * weights or loads a pre-trained backbone + FPN, fine-tunes on the labelled fraction of the
 * training scenes (SGD with momentum, linear warm-up then cosine), and scores mIoU and pixel
 * accuracy on the held-out test scenes (test garments only).
 */
public final class FineTune {
    /** What a pre-trained checkpoint contributes: the backbone body and the FPN (the head is new). */
    static boolean transferred(String name) { return name.startsWith("backbone.body.") || name.startsWith("backbone.fpn."); }

    private FineTune() { }

    /**
     * @param evalAtStart also score the network before the first step (the starting point a short
     *                    fine-tune is compared with)
     */
    public static TransferResult run(TransferConfig c, Progress progress, boolean evalAtStart, BooleanSupplier stop) {
        long t0 = System.nanoTime();
        Preset preset = Preset.named(c.preset());
        LabelledScenes train = trainScenes(c);
        LabelledScenes test = heldOutScenes(c);
        int k = train.numClasses();
        SegConfig sc = c.headChannels() > 0 ? new SegConfig(preset, k, c.batch(), c.size(), c.headChannels())
                : SegConfig.of(preset, k, c.batch(), c.size());
        SegGraphs.Built built = SegGraphs.build(sc);
        FineTuneGraphs graphs = FineTuneGraphs.of(OnnxExport.toModel(built.train()).toByteArray(),
                OnnxExport.toModel(built.eval()).toByteArray(), built.manifest());
        int[] subset = SegBatches.labelledSubset(c.pool(), c.labels(), c.sceneSeed());
        try (FineTuneTrainer trainer = start(c, graphs, Set.of(SegGraphs.LABELS), progress)) {
            SegBatch batch = new SegBatch(c.batch(), c.size());
            double startMiou = evalAtStart ? evaluate(trainer, test, batch).meanIou() : Double.NaN;
            double[] losses = train(c, trainer, train, subset, batch, progress, stop, b -> {
                ((FloatBuffer) trainer.input(SegGraphs.IMAGES)).put(0, b.images());
                ((LongBuffer) trainer.input(SegGraphs.LABELS)).put(0, b.labels());
            });
            SegMetrics m = evaluate(trainer, test, batch);
            // The same score on (up to 200 of) the labelled training scenes: tells over- from under-fitting.
            SegMetrics fit = evaluate(trainer, train, Arrays.copyOf(subset, Math.min(subset.length, 200)), batch);
            int tenth = Math.max(1, losses.length / 10);
            return new TransferResult(c.init(), c.labels(), subset.length, c.seed(), c.steps(), m.meanIou(), m.pixelAccuracy(),
                    train.classNames(), m.iou(), mean(losses, 0, tenth), mean(losses, losses.length - tenth, losses.length), startMiou, fit.meanIou(),
                    (System.nanoTime() - t0) / 1e9, (c.validation() ? "validation: " : "test: ") + test.describe());
        }
    }

    /** The pool of labelled training scenes the label fraction is taken of. */
    public static LabelledScenes trainScenes(TransferConfig c) {
        return LabelledScenes.open(c.scenes(), Split.TRAIN, c.pool(), c.size(), c.sceneSeed());
    }

    /** The scenes scored: test scenes (test garments only), or with --validation new scenes of training garments. */
    public static LabelledScenes heldOutScenes(TransferConfig c) {
        return c.validation()
                ? LabelledScenes.open(c.scenes(), Split.TRAIN, c.testScenes(), c.size(), c.validationSeed())
                : LabelledScenes.open(c.scenes(), Split.TEST, c.testScenes(), c.size(), c.sceneSeed());
    }

    /**
     * The SGD loop of every fine-tune: per step a batch of the labelled subset (flipped at random),
     * {@code feed} copies it (and whatever the task derives from it) into the trainer's inputs,
     * lr warm-up then cosine to a tenth. Returns the loss of every step.
     */
    public static double[] train(TransferConfig c, FineTuneTrainer trainer, LabelledScenes scenes, int[] subset, SegBatch batch, Progress progress,
                                 BooleanSupplier stop, java.util.function.Consumer<SegBatch> feed) {
        Schedule lr = Schedule.warmupCosine(c.lr(), 0, c.warmupSteps(), 0.1, c.steps());
        double[] losses = new double[(int) c.steps()];
        progress.start(0, c.steps());
        long start = System.nanoTime();
        for (long step = 0; step < c.steps(); step++) {
            if (stop.getAsBoolean()) throw new IllegalStateException("stopped at step " + step + " of " + c.steps());
            int[] pick = SegBatches.stepIndices(subset, c.batch(), c.seed(), step);
            SegBatches.fillTrain(scenes, pick, c.seed(), step, batch);
            feed.accept(batch);
            double loss = trainer.step(lr.at(step));
            if (Double.isNaN(loss)) throw new IllegalStateException("fine-tuning diverged at step " + step + " (loss or gradient not finite); lower --lr");
            losses[(int) step] = loss;
            double secs = (System.nanoTime() - start) / 1e9;
            progress.update(step + 1, step * c.batch() / subset.length, loss, (step + 1) * c.batch() / secs, secs / (step + 1) * (c.steps() - step - 1));
        }
        progress.finish();
        return losses;
    }

    /**
     * The trainer of a fine-tune: fresh weights from the run's seed, then the backbone + FPN of
     * {@code c.init()} loaded over them (conv weights rescaled to their fresh norms when
     * {@code c.rescale()}), unless the init is random.
     */
    public static FineTuneTrainer start(TransferConfig c, FineTuneGraphs graphs, Set<String> int64Inputs, Progress progress) {
        FineTuneTrainer trainer = new FineTuneTrainer(graphs, new Lars.Settings(c.momentum(), 0, c.weightDecay()),
                SessionConfig.cpu(c.threads()), int64Inputs);
        try {
            trainer.initialise(c.seed());
            if (!c.init().equals(TransferConfig.RANDOM)) {
                Checkpoint ck = CheckpointReader.open(Path.of(c.init()));
                if (!ck.preset().equals(c.preset())) {
                    throw new IllegalArgumentException(c.init() + " is a " + ck.preset() + " checkpoint; this fine-tune builds the " + c.preset()
                            + " network (pass --preset " + ck.preset() + ")");
                }
                Map<String, HostTensor> w = ck.weights(Which.parse(c.which()));
                Map<String, Double> initNorms = c.rescale() ? convNorms(trainer) : Map.of();
                int n = trainer.load(w, FineTune::transferred, ck.dir() + "/" + Which.parse(c.which()).fileName);
                initNorms.forEach((name, norm) -> scaleTo(trainer.weights().get(name), norm));
                progress.message("loaded " + n + " backbone + FPN tensors from " + ck.dir() + " (" + c.which() + " encoder, step " + ck.step() + ")"
                        + (c.rescale() ? "; " + initNorms.size() + " conv weights rescaled to their initial norm" : ""));
            }
            return trainer;
        } catch (RuntimeException e) {
            trainer.close();
            throw e;
        }
    }

    /**
     * The norms of the freshly initialised conv weights that a checkpoint replaces. Every conv of
     * the backbone and FPN feeds a BN, so a conv weight's scale does not change what the network
     * computes in training, only how far an SGD step moves it (the effective step shrinks with the
     * square of the norm). LARS pre-training at a large lr grows these norms 3-16x (measured on the
     * tiny preset); fine-tuning them as they are barely moves the backbone. Rescaling each to its
     * initial norm is the paper's "Div" trick done per layer, and changes no train-mode output.
     */
    private static Map<String, Double> convNorms(FineTuneTrainer trainer) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        trainer.weights().all().forEach((name, b) -> {
            if (transferred(name) && name.endsWith(".weight") && trainer.shape(name).length == 4) out.put(name, norm(b));
        });
        return out;
    }

    private static double norm(FloatBuffer b) {
        double s = 0;
        for (int i = 0, n = b.capacity(); i < n; i++) s += (double) b.get(i) * b.get(i);
        return Math.sqrt(s);
    }

    private static void scaleTo(FloatBuffer b, double target) {
        double now = norm(b);
        if (now == 0) return;
        float k = (float) (target / now);
        for (int i = 0, n = b.capacity(); i < n; i++) b.put(i, b.get(i) * k);
    }

    /** Scores every test scene once (the last batch is padded; padding is not scored). */
    static SegMetrics evaluate(FineTuneTrainer trainer, LabelledScenes test, SegBatch batch) {
        int[] all = new int[test.size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return evaluate(trainer, test, all, batch);
    }

    /** Scores the scenes {@code indices} of {@code scenes}. */
    static SegMetrics evaluate(FineTuneTrainer trainer, LabelledScenes scenes, int[] indices, SegBatch batch) {
        SegMetrics m = new SegMetrics(scenes.numClasses());
        int b = batch.capacity();
        for (int first = 0; first < indices.length; first += b) {
            int[] idx = Arrays.copyOfRange(indices, first, Math.min(indices.length, first + b));
            SegBatches.fillEval(scenes, idx, batch);
            trainer.predict(batch.images());
            FloatBuffer logits = trainer.evalOutput(SegGraphs.LOGITS);
            m.addLogits(logits, batch.labels(), batch.count(), batch.side(), batch.side());
        }
        return m;
    }

    public static double mean(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += v[i];
        return s / (to - from);
    }
}
