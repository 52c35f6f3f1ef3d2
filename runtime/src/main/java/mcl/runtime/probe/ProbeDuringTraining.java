package mcl.runtime.probe;

import java.util.HashMap;
import java.util.Map;
import mcl.data.scenes.FashionMnist;
import mcl.data.scenes.Garments;
import mcl.data.scenes.Split;
import mcl.graphs.Preset;
import mcl.tensors.HostTensor;

/**
 * The cheap probe run during pre-training (`eval_every`): weighted k-NN top-1 of the online
 * backbone's frozen C5 features on a fixed labelled set (the first 5,000 training Fashion-MNIST
 * garments, scored on the 2,000 validation garments: the last of the training split, held out of
 * the `fashion-mnist` pre-training source, so recipes are tuned on this curve without touching the
 * test split), a few seconds on the tiny preset, so a user sees whether the representation
 * improves without a fine-tuning run. 2,000 scored garments keep one reading's standard error near
 * 0.9 points (500 gave 1.9, as large as the rise of a 300-step run).
 */
public final class ProbeDuringTraining {
    static final int TRAIN = 5_000;
    static final int TEST = 2_000;

    private final Preset preset;
    private final int threads;
    private final Garments train;
    private final Garments test;
    private final int[] trainLabels;
    private final int[] testLabels;

    private ProbeDuringTraining(Preset preset, int threads, Garments train, Garments test) {
        this.preset = preset;
        this.threads = threads;
        this.train = train;
        this.test = test;
        this.trainLabels = labels(train, Math.min(TRAIN, train.size()));
        this.testLabels = labels(test, Math.min(TEST, test.size()));
    }

    /** The probe, or null when Fashion-MNIST is not installed (then pre-training runs without it). */
    public static ProbeDuringTraining openOrNull(Preset preset, int threads) {
        if (!FashionMnist.available(FashionMnist.DEBIAN_DIR, Split.TRAIN)) return null;
        Garments train = new Garments(FashionMnist.load(FashionMnist.DEBIAN_DIR, Split.TRAIN), preset.imageSize());
        return new ProbeDuringTraining(preset, threads, train, train.last(TEST));
    }

    /**
     * k-NN top-1 of the given online weights (canonical names; the backbone body is read), or NaN
     * when they are not the preset's backbone (a test's fixture network).
     */
    public double knnTop1(Map<String, HostTensor> online) {
        int size = preset.imageSize();
        Map<String, float[]> w = new HashMap<>();
        for (mcl.graph.Param p : mcl.graphs.probe.FeatureGraph.build(preset, 1, size).params()) {
            HostTensor t = online.get(p.name());
            if (t == null || t.numel() != p.numel()) return Double.NaN;
            w.put(p.name(), t.floats());
        }
        float[][] ftr = FrozenFeatures.extract(preset, w, size, threads, trainLabels.length, train::write);
        float[][] fte = FrozenFeatures.extract(preset, w, size, threads, testLabels.length, test::write);
        return KnnProbe.accuracy(ftr, trainLabels, fte, testLabels, 10, 20, 0.07);
    }

    private static int[] labels(Garments g, int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = g.label(i);
        return y;
    }
}
