package mcl.runtime.transfer.det;

import java.util.Arrays;
import java.util.List;

/**
 * FCOS target assignment (Tian et al. 2019, with centre sampling as FCOS v2 / mmdetection):
 * ground-truth boxes of one image to the per-location targets the {@code det_train} graph takes.
 * A pure function of its inputs.
 *
 * <p>Location i (centre (cx, cy), level l, stride s; see {@link FcosLayout}) and box
 * (x0, y0, x1, y1) (pixels, x1/y1 exclusive, so its extent is [x0, x1] x [y0, y1]) with distances
 * l = cx - x0, t = cy - y0, r = x1 - cx, b = y1 - cy form a candidate pair when
 * <ul>
 *   <li>the centre lies strictly inside the box's centre region: the box centre +- {@code radius} * s
 *       in x and y, clipped to the box (so the location is inside the box and every distance is
 *       positive), and</li>
 *   <li>max(l, t, r, b) lies in the level's range [lower_l, upper_l): half-open, so a maximum
 *       distance exactly on a boundary belongs to the coarser level only (mmdetection's closed
 *       ranges would give it to both).</li>
 * </ul>
 * A location with several candidate boxes takes the one of smallest area (equal areas: the first
 * in input order); a location with none is negative.
 *
 * <p>Fallback (not in FCOS): a box that no location took gets one location, the still-negative
 * location in its centre region (on any level) whose maximum distance misses its level's range
 * by the smallest factor (max(lower / m, m / upper); equal factors: the lowest index); boxes are
 * served smallest first. FCOS's rule leaves boxes unlearned whose shape puts every nearby
 * location just outside its level's range (a 12 x 24 box at 64 px: max distances 13 on P2, 15
 * on P3, no P4 centre inside it) or whose locations a smaller overlapping box took: on
 * Fashion-MNIST scenes (500 training scenes) that is 12% of the boxes at 64 px (0.5% at 224 px),
 * too many to ignore. With the fallback 1.3% (0.3%) stay without a positive ({@link Image#unassigned}):
 * slivers at most 4 px thin, cut by the border or occluded, with no free location centre inside.
 *
 * <p>Ranges ({@link #standard}): P2 [0, 0.1 S), P3 [0.1 S, 0.2 S), P4 [0.2 S, 0.4 S), P5 [0.4 S, inf).
 * FCOS's boundaries, 64 / 128 / 256 / 512 pixels on an 800-pixel image, are 8 x stride of P3..P6;
 * at S = 64 that rule would put every garment (0.12-0.7 S wide, maximum distances from about
 * 0.06 S to 0.6 S) on P2 and P3 and leave P4 and P5 empty. The boundaries scale with the image
 * instead, so the garment sizes spread over all four levels, each object spanning a few locations
 * of its level; at 224 pixels they are 22 / 45 / 90 pixels, close to FCOS's 8-stride rule
 * (32 / 64 / 128) again. Centre sampling radius 1.5 strides (FCOS v2, torchvision, mmdetection).
 *
 * <p>Targets per location: the one-hot class (channel c - 1 for class c), the distances
 * (l, t, r, b) in pixels, centerness sqrt(min(l, r) / max(l, r) * min(t, b) / max(t, b)), and 1 in
 * the positive mask; all zeros at negatives.
 */
public final class FcosTargets {
    /** Range boundaries of {@link #standard} as fractions of the image side. */
    public static final double[] BOUNDARIES = {0.1, 0.2, 0.4};
    public static final double CENTER_RADIUS = 1.5;

    private final FcosLayout layout;
    private final int numClasses;
    private final double[] lower;
    private final double[] upper;
    private final double radius;

    /**
     * @param boundaries in pixels, increasing, one fewer than the levels: level l takes maximum
     *                   distances in [boundaries[l-1], boundaries[l]) (0 below the first, infinity above the last)
     * @param radius     centre sampling radius in strides
     */
    public FcosTargets(FcosLayout layout, int numClasses, double[] boundaries, double radius) {
        if (numClasses < 1) throw new IllegalArgumentException("numClasses must be at least 1, got " + numClasses);
        if (boundaries.length != layout.levels() - 1) {
            throw new IllegalArgumentException(layout.levels() + " levels need " + (layout.levels() - 1) + " boundaries, got " + boundaries.length);
        }
        for (int i = 1; i < boundaries.length; i++) {
            if (!(boundaries[i] > boundaries[i - 1])) throw new IllegalArgumentException("boundaries must increase: " + Arrays.toString(boundaries));
        }
        if (!(radius > 0)) throw new IllegalArgumentException("radius must be positive, got " + radius);
        this.layout = layout;
        this.numClasses = numClasses;
        this.lower = new double[layout.levels()];
        this.upper = new double[layout.levels()];
        for (int l = 0; l < layout.levels(); l++) {
            lower[l] = l == 0 ? 0 : boundaries[l - 1];
            upper[l] = l == layout.levels() - 1 ? Double.POSITIVE_INFINITY : boundaries[l];
        }
        this.radius = radius;
    }

    /** The graphs' layout (P2..P5) with {@link #BOUNDARIES} x S and {@link #CENTER_RADIUS}. */
    public static FcosTargets standard(int size, int numClasses) {
        double[] b = new double[BOUNDARIES.length];
        for (int i = 0; i < b.length; i++) b[i] = BOUNDARIES[i] * size;
        return new FcosTargets(FcosLayout.of(size), numClasses, b, CENTER_RADIUS);
    }

    public FcosLayout layout() { return layout; }

    public int numClasses() { return numClasses; }

    /** The smallest maximum distance (pixels) level {@code level} takes. */
    public double lower(int level) { return lower[level]; }

    /** The maximum distance (pixels, exclusive) level {@code level} stays below. */
    public double upper(int level) { return upper[level]; }

    /**
     * One image's targets, row-major per location: {@code cls} [L*K], {@code box} [L*4] (l, t, r, b
     * pixels), {@code ctr} [L], {@code pos} [L]; {@code matched} [L] the index of the assigned box
     * or -1; {@code positives} the count and {@code ctrSum} the sum of the positives' centerness.
     */
    public record Image(float[] cls, float[] box, float[] ctr, float[] pos, int[] matched, int positives, double ctrSum) {
        /** How many of the image's {@code boxes} boxes no location was assigned to. */
        public int unassigned(int boxes) {
            boolean[] hit = new boolean[boxes];
            for (int m : matched) if (m >= 0) hit[m] = true;
            int n = 0;
            for (boolean h : hit) if (!h) n++;
            return n;
        }
    }

    /**
     * @param boxes   per object {x0, y0, x1, y1} pixels, x1/y1 exclusive (as {@code Scene.boxes()})
     * @param classes per object its class, 1..K (as {@code Scene.classes()})
     */
    public Image assign(int[][] boxes, int[] classes) {
        if (boxes.length != classes.length) throw new IllegalArgumentException(boxes.length + " boxes but " + classes.length + " classes");
        for (int j = 0; j < boxes.length; j++) {
            int[] b = boxes[j];
            if (b.length != 4 || b[2] <= b[0] || b[3] <= b[1]) throw new IllegalArgumentException("box " + j + " " + Arrays.toString(b) + " is not {x0, y0, x1, y1} with x1 > x0, y1 > y0");
            if (classes[j] < 1 || classes[j] > numClasses) throw new IllegalArgumentException("class " + classes[j] + " of box " + j + " is not in 1.." + numClasses);
        }
        int n = layout.locations();
        float[] cls = new float[n * numClasses];
        float[] box = new float[n * 4];
        float[] ctr = new float[n];
        float[] pos = new float[n];
        int[] matched = new int[n];
        Arrays.fill(matched, -1);
        for (int i = 0; i < n; i++) {
            int level = layout.levelOf(i);
            int best = -1;
            long bestArea = Long.MAX_VALUE;
            for (int j = 0; j < boxes.length; j++) {
                if (!inCentre(i, boxes[j])) continue;
                double m = maxDistance(i, boxes[j]);
                if (m < lower[level] || m >= upper[level]) continue;
                if (area(boxes[j]) < bestArea) {
                    best = j;
                    bestArea = area(boxes[j]);
                }
            }
            matched[i] = best;
        }
        fallback(boxes, matched);
        int positives = 0;
        double ctrSum = 0;
        for (int i = 0; i < n; i++) {
            if (matched[i] < 0) continue;
            int[] b = boxes[matched[i]];
            double cx = layout.centreX(i);
            double cy = layout.centreY(i);
            double l = cx - b[0];
            double t = cy - b[1];
            double r = b[2] - cx;
            double btm = b[3] - cy;
            double c = Math.sqrt(Math.min(l, r) / Math.max(l, r) * Math.min(t, btm) / Math.max(t, btm));
            cls[i * numClasses + classes[matched[i]] - 1] = 1;
            box[i * 4] = (float) l;
            box[i * 4 + 1] = (float) t;
            box[i * 4 + 2] = (float) r;
            box[i * 4 + 3] = (float) btm;
            ctr[i] = (float) c;
            pos[i] = 1;
            positives++;
            ctrSum += c;
        }
        return new Image(cls, box, ctr, pos, matched, positives, ctrSum);
    }

    /** Gives each box that no location took the free location of its centre region that misses its level's range least. */
    private void fallback(int[][] boxes, int[] matched) {
        boolean[] hit = new boolean[boxes.length];
        for (int m : matched) if (m >= 0) hit[m] = true;
        List<Integer> missing = new java.util.ArrayList<>();
        for (int j = 0; j < boxes.length; j++) if (!hit[j]) missing.add(j);
        missing.sort(java.util.Comparator.comparingLong(j -> area(boxes[j]))); // stable: equal areas in input order
        for (int j : missing) {
            int best = -1;
            double bestMiss = Double.POSITIVE_INFINITY;
            for (int i = 0; i < matched.length; i++) {
                if (matched[i] >= 0 || !inCentre(i, boxes[j])) continue;
                int level = layout.levelOf(i);
                double m = maxDistance(i, boxes[j]);
                double miss = Math.max(lower[level] / m, m / upper[level]);
                if (miss < bestMiss) {
                    best = i;
                    bestMiss = miss;
                }
            }
            if (best >= 0) matched[best] = j;
        }
    }

    /** Whether location i's centre lies strictly inside the box's centre region (which lies inside the box). */
    private boolean inCentre(int i, int[] b) {
        double reach = radius * layout.stride(layout.levelOf(i));
        double cx = layout.centreX(i);
        double cy = layout.centreY(i);
        double bx = (b[0] + b[2]) / 2.0;
        double by = (b[1] + b[3]) / 2.0;
        return cx > Math.max(b[0], bx - reach) && cx < Math.min(b[2], bx + reach)
                && cy > Math.max(b[1], by - reach) && cy < Math.min(b[3], by + reach);
    }

    /** max(l, t, r, b) of location i and box b. */
    private double maxDistance(int i, int[] b) {
        double cx = layout.centreX(i);
        double cy = layout.centreY(i);
        return Math.max(Math.max(cx - b[0], cy - b[1]), Math.max(b[2] - cx, b[3] - cy));
    }

    private static long area(int[] b) {
        return (long) (b[2] - b[0]) * (b[3] - b[1]);
    }

    /**
     * The det_train inputs of a batch: the images' targets concatenated in order ([B, L, K],
     * [B, L, 4], [B, L], [B, L] row-major) and the normalisers {@code numPos} = max(1, positives)
     * and {@code ctrSum} = max(1e-6, sum of centerness targets) (mmdetection's clamps). A
     * data-parallel trainer whose shards each feed part of the batch gives every shard the job's
     * totals instead, so the shards' losses (and gradients) add up to the whole batch's.
     */
    public record Batch(int batch, int locations, int numClasses, float[] cls, float[] box, float[] ctr, float[] pos,
                        float numPos, float ctrSum) {
        /** numPos and ctrSum from raw totals, clamped as the graph expects. */
        public static float numPosOf(long positives) { return Math.max(1, positives); }

        public static float ctrSumOf(double sum) { return (float) Math.max(1e-6, sum); }
    }

    public Batch batch(List<Image> images) {
        int n = layout.locations();
        int b = images.size();
        float[] cls = new float[b * n * numClasses];
        float[] box = new float[b * n * 4];
        float[] ctr = new float[b * n];
        float[] pos = new float[b * n];
        long positives = 0;
        double sum = 0;
        for (int k = 0; k < b; k++) {
            Image im = images.get(k);
            if (im.ctr().length != n || im.cls().length != n * numClasses) throw new IllegalArgumentException("image " + k + " was assigned with another layout");
            System.arraycopy(im.cls(), 0, cls, k * n * numClasses, n * numClasses);
            System.arraycopy(im.box(), 0, box, k * n * 4, n * 4);
            System.arraycopy(im.ctr(), 0, ctr, k * n, n);
            System.arraycopy(im.pos(), 0, pos, k * n, n);
            positives += im.positives();
            sum += im.ctrSum();
        }
        return new Batch(b, n, numClasses, cls, box, ctr, pos, Batch.numPosOf(positives), Batch.ctrSumOf(sum));
    }
}
