package mcl.runtime.transfer.det;

import java.util.ArrayList;
import java.util.List;

/**
 * FCOS post-processing of the {@code det_eval} outputs of one image into at most
 * {@code maxDetections} boxes (torchvision's FCOS.postprocess_detections with the brief's
 * threshold). A pure function of its inputs.
 *
 * <ol>
 *   <li>Per location i and class k the score sqrt(sigmoid(cls[i, k]) * sigmoid(ctr[i])) (FCOS
 *       multiplies the class probability by the centerness, which demotes boxes predicted far from
 *       an object's centre; the square root keeps it a probability-like scale).</li>
 *   <li>Per level, the (location, class) pairs scoring strictly above {@code scoreThreshold},
 *       at most {@code topK} of them (highest first; equal scores in location then class order).</li>
 *   <li>Box = (cx - l, cy - t, cx + r, cy + b) from the location's centre and the predicted
 *       distances in pixels, clipped to [0, S].</li>
 *   <li>{@link Nms#classwise} over all levels at IoU {@code nmsIou}, keeping {@code maxDetections}.</li>
 * </ol>
 */
public final class FcosDecoder {
    public static final double SCORE_THRESHOLD = 0.05;
    public static final int TOP_K = 1000;
    public static final double NMS_IOU = 0.6;
    public static final int MAX_DETECTIONS = 100;

    private final FcosLayout layout;
    private final int numClasses;
    private final double scoreThreshold;
    private final int topK;
    private final double nmsIou;
    private final int maxDetections;

    public FcosDecoder(FcosLayout layout, int numClasses, double scoreThreshold, int topK, double nmsIou, int maxDetections) {
        if (numClasses < 1) throw new IllegalArgumentException("numClasses must be at least 1, got " + numClasses);
        if (topK < 1 || maxDetections < 1) throw new IllegalArgumentException("topK and maxDetections must be positive");
        this.layout = layout;
        this.numClasses = numClasses;
        this.scoreThreshold = scoreThreshold;
        this.topK = topK;
        this.nmsIou = nmsIou;
        this.maxDetections = maxDetections;
    }

    /** The graphs' layout (P2..P5) with threshold 0.05, top 1000 per level, NMS at IoU 0.6, 100 detections. */
    public static FcosDecoder standard(int size, int numClasses) {
        return new FcosDecoder(FcosLayout.of(size), numClasses, SCORE_THRESHOLD, TOP_K, NMS_IOU, MAX_DETECTIONS);
    }

    public FcosLayout layout() { return layout; }

    /**
     * Image {@code image} of a batch's det_eval outputs: {@code cls} [B, L, K] logits, {@code box}
     * [B, L, 4] distances (l, t, r, b) in pixels, {@code ctr} [B, L] logits, all row-major.
     * Returns the kept boxes, highest score first, with classes 1..K.
     */
    public List<ScoredBox> decode(float[] cls, float[] box, float[] ctr, int image) {
        int n = layout.locations();
        if (cls.length % (n * numClasses) != 0 || box.length != cls.length / numClasses * 4 || ctr.length != cls.length / numClasses) {
            throw new IllegalArgumentException("outputs of " + cls.length + ", " + box.length + " and " + ctr.length
                    + " values do not fit [B, " + n + ", " + numClasses + "], [B, " + n + ", 4], [B, " + n + "]");
        }
        if (image < 0 || (image + 1) * n > ctr.length) throw new IndexOutOfBoundsException("image " + image + " of " + ctr.length / n);
        double size = layout.size();
        List<ScoredBox> candidates = new ArrayList<>();
        for (int level = 0; level < layout.levels(); level++) {
            List<double[]> ranked = new ArrayList<>(); // {score, location, class}
            for (int i = layout.offset(level); i < layout.offset(level + 1); i++) {
                int at = image * n + i;
                double centre = sigmoid(ctr[at]);
                for (int k = 0; k < numClasses; k++) {
                    double score = Math.sqrt(sigmoid(cls[at * numClasses + k]) * centre);
                    if (score > scoreThreshold) ranked.add(new double[] {score, i, k});
                }
            }
            ranked.sort((a, b) -> Double.compare(b[0], a[0])); // stable: ties stay in location, class order
            for (double[] c : ranked.subList(0, Math.min(topK, ranked.size()))) {
                int i = (int) c[1];
                int at = (image * n + i) * 4;
                double cx = layout.centreX(i);
                double cy = layout.centreY(i);
                candidates.add(new ScoredBox(clip(cx - box[at], size), clip(cy - box[at + 1], size),
                        clip(cx + box[at + 2], size), clip(cy + box[at + 3], size), (int) c[2] + 1, c[0]));
            }
        }
        return Nms.classwise(candidates, nmsIou, maxDetections);
    }

    /** Every image of a batch's outputs. */
    public List<List<ScoredBox>> decodeAll(float[] cls, float[] box, float[] ctr) {
        List<List<ScoredBox>> out = new ArrayList<>();
        for (int b = 0; b < ctr.length / layout.locations(); b++) out.add(decode(cls, box, ctr, b));
        return out;
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    private static double clip(double v, double size) {
        return Math.max(0, Math.min(size, v));
    }
}
