package mcl.runtime.probe;

import java.util.Map;
import mcl.data.scenes.Garments;
import mcl.data.scenes.LabelledScenes;
import mcl.graphs.Preset;
import mcl.graphs.probe.DenseFeatureGraph;
import mcl.runtime.transfer.FineTune;
import mcl.runtime.transfer.TransferConfig;

/**
 * The frozen-feature probes end to end, from an init ("random", a run or a checkpoint) to a score:
 * what `mcl probe` prints and what the transfer suite tabulates.
 */
public final class Probes {
    /** Neighbours of the k-NN probe and its temperature: the common protocol (k = 20, cosine, T = 0.07). */
    public static final int K = 20;
    public static final double KNN_TEMPERATURE = 0.07;
    /** Full-batch iterations of the linear probe's classifier. */
    public static final int LINEAR_ITERATIONS = 300;

    private Probes() { }

    /**
     * Top-1 of the k-NN ("knn") or linear ("linear") probe on average-pooled C5 features: the first
     * {@code nTrain} garments of {@code train} against the first {@code nTest} of {@code test}.
     */
    public static double garments(String task, String init, Preset preset, long seed, int threads, Garments train, int nTrain, Garments test, int nTest) {
        if (!task.equals("knn") && !task.equals("linear")) throw new IllegalArgumentException("garment probes are knn and linear, got '" + task + "'");
        Map<String, float[]> w = FrozenFeatures.weights(init, preset, preset.imageSize(), seed);
        float[][] ftr = FrozenFeatures.extract(preset, w, preset.imageSize(), threads, nTrain, train::write);
        float[][] fte = FrozenFeatures.extract(preset, w, preset.imageSize(), threads, nTest, test::write);
        int[] ytr = labels(train, nTrain);
        int[] yte = labels(test, nTest);
        return task.equals("knn") ? KnnProbe.accuracy(ftr, ytr, fte, yte, 10, K, KNN_TEMPERATURE) : LinearProbe.accuracy(ftr, ytr, fte, yte, 10, LINEAR_ITERATIONS);
    }

    /**
     * The dense probe on the fine-tuning benchmark's scenes of {@code scenes} (its pool's first
     * {@code nTrain} scenes; its test or validation scenes, first {@code nTest}).
     */
    public static SegProbe.Result scenes(String init, Preset preset, long seed, int threads, TransferConfig scenes, int nTrain, int nTest) {
        TransferConfig tc = scenes.withScenes(scenes.scenes(), scenes.size(), Math.max(scenes.pool(), nTrain), nTest);
        LabelledScenes train = FineTune.trainScenes(tc);
        LabelledScenes test = FineTune.heldOutScenes(tc);
        Map<String, float[]> w = FrozenFeatures.weights(init, preset, DenseFeatureGraph.build(preset, 1, preset.imageSize()), seed);
        return SegProbe.run(SegProbe.frozen(preset, w, threads), train, nTrain, test, nTest, SegProbe.MAX_PIXELS, SegProbe.ITERATIONS);
    }

    /** A one-line description of the dense probe's features. */
    public static final String DENSE_FEATURES = "P2-P5 bilinear to 1/4 and concatenated, eval-mode BN";

    private static int[] labels(Garments g, int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = g.label(i);
        return y;
    }
}
