package mcl.runtime.transfer;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Semantic-segmentation scores from a confusion matrix accumulated over an evaluation set, as
 * mmsegmentation computes them: per class IoU = TP / (TP + FP + FN); mIoU = the mean over the
 * classes whose union is not empty (a class absent from both labels and predictions has no IoU,
 * not an IoU of 0 or 1); pixel accuracy = correct pixels / all pixels.
 */
public final class SegMetrics {
    private final int classes;
    /** confusion[label][predicted], pixel counts. */
    private final long[][] confusion;

    public SegMetrics(int classes) {
        if (classes < 2) throw new IllegalArgumentException("segmentation needs at least 2 classes, got " + classes);
        this.classes = classes;
        this.confusion = new long[classes][classes];
    }

    public int classes() { return classes; }

    /** Counts one pixel. */
    public void add(int label, int predicted) {
        if (label < 0 || label >= classes || predicted < 0 || predicted >= classes) {
            throw new IllegalArgumentException("class out of range 0.." + (classes - 1) + ": label " + label + ", predicted " + predicted);
        }
        confusion[label][predicted]++;
    }

    /**
     * Counts the first {@code samples} images of a batch: logits [B, K, H, W] (the prediction is the
     * arg-max over K; ties go to the lower class) and labels [B, H, W].
     */
    public void addLogits(FloatBuffer logits, long[] labels, int samples, int height, int width) {
        int hw = height * width;
        if (logits.capacity() < (long) samples * classes * hw || labels.length < samples * hw) {
            throw new IllegalArgumentException("logits (" + logits.capacity() + " values) or labels (" + labels.length + ") are smaller than "
                    + samples + " x " + classes + " x " + height + " x " + width);
        }
        for (int b = 0; b < samples; b++) {
            int base = b * classes * hw;
            for (int p = 0; p < hw; p++) {
                int best = 0;
                float bestV = logits.get(base + p);
                for (int k = 1; k < classes; k++) {
                    float v = logits.get(base + k * hw + p);
                    if (v > bestV) {
                        bestV = v;
                        best = k;
                    }
                }
                add((int) labels[b * hw + p], best);
            }
        }
    }

    public long pixels() {
        long n = 0;
        for (long[] row : confusion) for (long v : row) n += v;
        return n;
    }

    /** Per class IoU; NaN where the class appears in neither labels nor predictions. */
    public double[] iou() {
        double[] out = new double[classes];
        for (int k = 0; k < classes; k++) {
            long tp = confusion[k][k];
            long fn = 0;
            long fp = 0;
            for (int j = 0; j < classes; j++) {
                if (j == k) continue;
                fn += confusion[k][j];
                fp += confusion[j][k];
            }
            long union = tp + fp + fn;
            out[k] = union == 0 ? Double.NaN : (double) tp / union;
        }
        return out;
    }

    /** Mean IoU over the classes that have one (NaN when nothing was counted). */
    public double meanIou() {
        return Arrays.stream(iou()).filter(v -> !Double.isNaN(v)).average().orElse(Double.NaN);
    }

    public double pixelAccuracy() {
        long total = pixels();
        long correct = 0;
        for (int k = 0; k < classes; k++) correct += confusion[k][k];
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    public long[][] confusion() {
        long[][] copy = new long[classes][];
        for (int k = 0; k < classes; k++) copy[k] = confusion[k].clone();
        return copy;
    }
}
