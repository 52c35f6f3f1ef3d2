package mcl.runtime.probe;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import mcl.data.RgbImage;
import mcl.data.scenes.LabelledScenes;
import mcl.data.scenes.Scene;
import mcl.data.scenes.SegBatches;
import mcl.graph.nn.Nn;
import mcl.graphs.Preset;
import mcl.graphs.probe.DenseFeatureGraph;
import mcl.runtime.transfer.SegMetrics;

/**
 * The dense probe: a linear per-pixel classifier ({@link SoftmaxRegression}) on frozen per-pixel
 * features, trained on labelled scenes and scored (mIoU, pixel accuracy) on held-out ones.
 *
 * <p>Training pixels are the feature map's pixels, each labelled with the most frequent class of
 * the input block it covers (ties to the lower class), at most {@code maxPixels} of them (the
 * feature grid of every scene is subsampled with one stride when there would be more). Scoring is
 * at full resolution, as segmentation is scored: the classifier's logits at feature resolution
 * are upsampled bilinearly (align_corners=False) to the scene's side, arg-max per pixel.
 */
public final class SegProbe {
    /** Per-pixel features of scenes 0..count-1, [dim, side/stride, side/stride] each. */
    public interface Extractor {
        int dim();

        /** The feature map's stride: side / feature side. */
        int stride();

        void extract(LabelledScenes scenes, int count, FrozenFeatures.Sink sink);
    }

    /**
     * @param miou        mean IoU over the classes present in labels or predictions (SegMetrics)
     * @param pixelAcc    correct pixels / all pixels
     * @param iou         per class IoU (NaN where a class is absent from both)
     * @param trainPixels feature pixels the classifier was fitted on
     * @param finalLoss   the classifier's training cross-entropy at its last iteration
     */
    public record Result(double miou, double pixelAcc, double[] iou, int trainPixels, double finalLoss) { }

    /** Iterations of full-batch gradient descent: the training loss changes by < 1e-3 over the last 50 on the probes measured. */
    public static final int ITERATIONS = 300;

    /** Training pixels at most: 500 scenes of the tiny preset (64 px, 16 x 16 features each) fit whole. */
    public static final int MAX_PIXELS = 131_072;

    private SegProbe() { }

    /** The frozen network's FPN hypercolumns ({@link DenseFeatureGraph}) of the scenes' images, in ONNX Runtime. */
    public static Extractor frozen(Preset preset, Map<String, float[]> weights, int threads) {
        return new Extractor() {
            public int dim() { return DenseFeatureGraph.channels(preset); }

            public int stride() { return DenseFeatureGraph.STRIDE; }

            public void extract(LabelledScenes scenes, int count, FrozenFeatures.Sink sink) {
                int side = scenes.side();
                RgbImage img = new RgbImage(side, side);
                FrozenFeatures.extractDense(preset, weights, side, threads, count, (i, out, off) -> {
                    scenes.renderImage(i, img);
                    byte[] px = img.pixels();
                    int plane = side * side;
                    for (int p = 0; p < plane; p++) {
                        for (int c = 0; c < 3; c++) out[off + c * plane + p] = SegBatches.normalise(px[3 * p + c] & 0xff, c);
                    }
                }, sink);
            }
        };
    }

    public static Result run(Extractor features, LabelledScenes train, int nTrain, LabelledScenes test, int nTest, int maxPixels, int iterations) {
        int side = train.side();
        int stride = features.stride();
        if (side % stride != 0 || test.side() != side) throw new IllegalArgumentException("scene side " + side + " / " + test.side() + " and stride " + stride);
        int fs = side / stride;
        int every = 1;
        while ((long) nTrain * ceilDiv(fs, every) * ceilDiv(fs, every) > maxPixels) every++;
        int perSide = ceilDiv(fs, every);
        int dim = features.dim();
        int classes = train.numClasses();
        int n = nTrain * perSide * perSide;
        float[] x = new float[Math.multiplyExact(n, dim)];
        int[] y = new int[n];
        final int step = every;
        features.extract(train, nTrain, (index, v, off) -> {
            int[] cls = train.scene(index).classMap();
            int row = index * perSide * perSide;
            for (int fy = 0; fy < fs; fy += step) {
                for (int fx = 0; fx < fs; fx += step, row++) {
                    for (int c = 0; c < dim; c++) x[row * dim + c] = v.get(off + (c * fs + fy) * fs + fx);
                    y[row] = blockLabel(cls, side, stride, fy, fx, classes);
                }
            }
        });
        SoftmaxRegression model = SoftmaxRegression.fit(x, y, dim, classes, iterations);
        SegMetrics metrics = new SegMetrics(classes);
        float[] up = Nn.bilinearMatrix(fs, stride);
        features.extract(test, nTest, (index, v, off) -> score(model, v, off, dim, fs, stride, up, test.scene(index), metrics));
        return new Result(metrics.meanIou(), metrics.pixelAccuracy(), metrics.iou(), n, model.finalLoss());
    }

    /** The most frequent class of the stride x stride input block under feature pixel (fy, fx); ties to the lower class. */
    static int blockLabel(int[] classMap, int side, int stride, int fy, int fx, int classes) {
        int[] count = new int[classes];
        for (int dy = 0; dy < stride; dy++) {
            for (int dx = 0; dx < stride; dx++) count[classMap[(fy * stride + dy) * side + fx * stride + dx]]++;
        }
        int best = 0;
        for (int k = 1; k < classes; k++) if (count[k] > count[best]) best = k;
        return best;
    }

    /** Logits at feature resolution, upsampled by {@code up} ([fs * stride, fs], separable), arg-max against the scene's classes. */
    private static void score(SoftmaxRegression model, FloatBuffer v, int off, int dim, int fs, int stride, float[] up, Scene scene, SegMetrics metrics) {
        int k = model.classes();
        int side = fs * stride;
        double[][] logits = new double[fs * fs][];
        float[] pixel = new float[dim];
        for (int p = 0; p < fs * fs; p++) {
            for (int c = 0; c < dim; c++) pixel[c] = v.get(off + c * fs * fs + p);
            logits[p] = model.logits(pixel, 0);
        }
        // rows first: [side][fs] of K each, then columns.
        double[][][] rows = new double[side][fs][k];
        for (int oy = 0; oy < side; oy++) {
            for (int iy = 0; iy < fs; iy++) {
                double a = up[oy * fs + iy];
                if (a == 0) continue;
                for (int ix = 0; ix < fs; ix++) for (int c = 0; c < k; c++) rows[oy][ix][c] += a * logits[iy * fs + ix][c];
            }
        }
        int[] cls = scene.classMap();
        double[] z = new double[k];
        for (int oy = 0; oy < side; oy++) {
            for (int ox = 0; ox < side; ox++) {
                Arrays.fill(z, 0);
                for (int ix = 0; ix < fs; ix++) {
                    double a = up[ox * fs + ix];
                    if (a == 0) continue;
                    for (int c = 0; c < k; c++) z[c] += a * rows[oy][ix][c];
                }
                int best = 0;
                for (int c = 1; c < k; c++) if (z[c] > z[best]) best = c;
                metrics.add(cls[oy * side + ox], best);
            }
        }
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }
}
