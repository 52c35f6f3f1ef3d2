package mcl.runtime.transfer.det;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * COCO box average precision, as pycocotools' COCOeval computes it for iouType "bbox" (with no
 * crowd boxes and no segmentation: an object's area is its box's area):
 * <ul>
 * <li>IoU thresholds .50:.05:.95 and recall points 0:.01:1, both numpy.linspace values as COCOeval
 *     uses (35 * 0.01 is not 0.35 in floating point, and recall exactly 0.35 does not reach it there);
 * <li>per image and class, the 100 highest-scoring detections (COCOeval's maxDets applies per image
 *     AND class, not per image), matched greedily in descending score: each takes the unmatched
 *     ground truth of best IoU >= the threshold, preferring ground truths inside the size range;
 * <li>a ground truth outside the size range is ignored: it counts toward no recall, and a detection
 *     matched to it is ignored; an unmatched detection whose own area is outside the range is ignored;
 * <li>per class and threshold, detections of all images in descending score, precision made
 *     monotone from the right, read at the first detection whose recall reaches each recall point
 *     (0 past the largest recall); AP = the mean over the 101 points;
 * <li>a class with ground truth but no detections scores 0; a class with no ground truth in the
 *     range is left out of the mean; no class at all gives NaN (COCO: -1).
 * </ul>
 * Equal scores keep COCOeval's order (its stable mergesort on -score): within an image and class
 * the detections' input order, across images the lower image id first.
 */
public final class BoxAp {
    /** COCOeval's maxDets for the AP numbers, per image and class. */
    public static final int MAX_DETECTIONS = 100;
    static final double[] IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
    static final double[] RECALL_POINTS = linspace(0, 1, 101);
    private static final int T = IOU_THRESHOLDS.length;
    /** Index of IoU .50 and .75 in IOU_THRESHOLDS. */
    private static final int AT_50 = 0;
    private static final int AT_75 = 5;

    private BoxAp() { }

    /**
     * Scores detections against ground truth for classes 0..classes-1. Images without ground truth
     * may carry detections (all of them false positives); a class without ground truth is left out.
     */
    public static BoxApScores evaluate(int classes, List<GroundTruth> truths, List<Detection> detections, AreaRanges areas) {
        if (classes <= 0) throw new IllegalArgumentException("classes must be positive, got " + classes);
        // sorted by image id: COCOeval concatenates images in ascending id, which decides equal scores
        List<Map<Integer, Cell>> byClass = new ArrayList<>();
        for (int k = 0; k < classes; k++) byClass.add(new TreeMap<>());
        for (GroundTruth g : truths) cell(byClass, classes, g.imageId(), g.classId()).truths.add(g.box());
        for (Detection d : detections) cell(byClass, classes, d.imageId(), d.classId()).detections.add(d);

        double[][] bounds = areas.bounds();
        // apSum[range][threshold]: per-class APs summed over the classes with ground truth in the range
        double[][] apSum = new double[bounds.length][T];
        int[] counted = new int[bounds.length];
        for (Map<Integer, Cell> cells : byClass) {
            List<Cell> inImageOrder = new ArrayList<>(cells.values());
            for (Cell c : inImageOrder) c.prepare();
            for (int a = 0; a < bounds.length; a++) {
                double[] ap = classAp(inImageOrder, bounds[a][0], bounds[a][1]);
                if (ap == null) continue;
                counted[a]++;
                for (int t = 0; t < T; t++) apSum[a][t] += ap[t];
            }
        }
        // every counted class has T x 101 precision values, so this equals COCO's mean over all of them
        double[] overT = new double[bounds.length];
        for (int a = 0; a < bounds.length; a++) {
            double s = 0;
            for (int t = 0; t < T; t++) s += apSum[a][t];
            overT[a] = counted[a] == 0 ? Double.NaN : s / (T * (double) counted[a]);
        }
        double n = counted[0] == 0 ? Double.NaN : counted[0];
        return new BoxApScores(overT[0], apSum[0][AT_50] / n, apSum[0][AT_75] / n, overT[1], overT[2], overT[3]);
    }

    private static Cell cell(List<Map<Integer, Cell>> byClass, int classes, int imageId, int classId) {
        if (classId < 0 || classId >= classes) throw new IllegalArgumentException("class " + classId + " is outside 0.." + (classes - 1));
        return byClass.get(classId).computeIfAbsent(imageId, i -> new Cell());
    }

    /** One image's ground truths and detections of one class, in input order. */
    private static final class Cell {
        final List<PixelBox> truths = new ArrayList<>();
        final List<Detection> detections = new ArrayList<>();
        /** IoU of each kept detection (score order) with each ground truth (input order). */
        double[][] iou;

        void prepare() {
            detections.sort(BY_SCORE_DESCENDING);
            if (detections.size() > MAX_DETECTIONS) detections.subList(MAX_DETECTIONS, detections.size()).clear();
            iou = new double[detections.size()][truths.size()];
            for (int d = 0; d < iou.length; d++) {
                for (int g = 0; g < truths.size(); g++) iou[d][g] = detections.get(d).box().iou(truths.get(g));
            }
        }
    }

    /** Higher score first; used with List.sort, which is stable (a merge sort); 0.0 ties with -0.0 as in numpy. */
    private static int descending(double p, double q) {
        return p > q ? -1 : p < q ? 1 : 0;
    }

    private static final Comparator<Detection> BY_SCORE_DESCENDING = (p, q) -> descending(p.score(), q.score());

    /** A detection after matching at every threshold. */
    private record Outcome(double score, boolean[] matched, boolean[] ignored) { }

    /** Per threshold AP of one class in one size range; null where the range holds none of its ground truth. */
    private static double[] classAp(List<Cell> cells, double lo, double hi) {
        int positives = 0;
        List<Outcome> outcomes = new ArrayList<>();
        for (Cell c : cells) positives += match(c, lo, hi, outcomes);
        if (positives == 0) return null;
        outcomes.sort((p, q) -> descending(p.score, q.score));
        double[] ap = new double[T];
        int n = outcomes.size();
        double[] recall = new double[n];
        double[] precision = new double[n];
        for (int t = 0; t < T; t++) {
            int tp = 0;
            int fp = 0;
            for (int i = 0; i < n; i++) {
                Outcome o = outcomes.get(i);
                if (!o.ignored[t]) {
                    if (o.matched[t]) tp++;
                    else fp++;
                }
                recall[i] = tp / (double) positives;
                // ignored detections at the top leave tp + fp at 0: precision 0 there (COCOeval adds an epsilon instead)
                precision[i] = tp + fp == 0 ? 0 : tp / (double) (tp + fp);
            }
            for (int i = n - 1; i > 0; i--) precision[i - 1] = Math.max(precision[i - 1], precision[i]);
            double sum = 0;
            int i = 0;
            for (double r : RECALL_POINTS) {
                while (i < n && recall[i] < r) i++;
                if (i == n) break;
                sum += precision[i];
            }
            ap[t] = sum / RECALL_POINTS.length;
        }
        return ap;
    }

    /**
     * COCOeval.evaluateImg for one cell and size range: appends each kept detection's outcome and
     * returns how many ground truths count (are inside the range).
     */
    private static int match(Cell c, double lo, double hi, List<Outcome> out) {
        int g = c.truths.size();
        boolean[] outside = new boolean[g];
        // ground truths inside the range first, each group in input order (COCOeval's stable argsort on ignore)
        int[] order = new int[g];
        int next = 0;
        int positives = 0;
        for (int j = 0; j < g; j++) {
            double area = c.truths.get(j).area();
            outside[j] = area < lo || area > hi;
            if (!outside[j]) {
                order[next++] = j;
                positives++;
            }
        }
        for (int j = 0; j < g; j++) if (outside[j]) order[next++] = j;

        int n = c.detections.size();
        boolean[][] matched = new boolean[n][T];
        boolean[][] ignored = new boolean[n][T];
        for (int t = 0; t < T; t++) {
            boolean[] taken = new boolean[g];
            for (int d = 0; d < n; d++) {
                double best = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
                int m = -1;
                for (int j : order) {
                    if (taken[j]) continue;
                    // once matched inside the range, an ignored ground truth cannot take the detection
                    if (m >= 0 && !outside[m] && outside[j]) break;
                    // ">=": an IoU equal to the best so far moves the match to the later ground truth, as in COCOeval
                    if (c.iou[d][j] < best) continue;
                    best = c.iou[d][j];
                    m = j;
                }
                if (m >= 0) {
                    taken[m] = true;
                    matched[d][t] = true;
                    ignored[d][t] = outside[m];
                } else {
                    double area = c.detections.get(d).box().area();
                    ignored[d][t] = area < lo || area > hi;
                }
            }
        }
        for (int d = 0; d < n; d++) out.add(new Outcome(c.detections.get(d).score(), matched[d], ignored[d]));
        return positives;
    }

    /** numpy.linspace(start, stop, n): i * step + start, the last exactly stop. */
    static double[] linspace(double start, double stop, int n) {
        double step = (stop - start) / (n - 1);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = i * step + start;
        v[n - 1] = stop;
        return v;
    }
}
