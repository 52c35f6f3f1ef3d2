package mcl.data.scenes;

import java.util.Arrays;
import mcl.data.augment.Rng;
import mcl.data.montage.MontageBatch;

/**
 * Fills {@link SegBatch}es from a {@link LabelledScenes} for fine-tuning ({@link #fillTrain},
 * random horizontal flip) and evaluation ({@link #fillEval}, no augmentation), and picks the
 * labelled subset for a label fraction. Every random choice comes from an {@link Rng} keyed by
 * (seed, purpose, step, position), so a batch does not depend on threads or on what ran before.
 */
public final class SegBatches {
    private static final long FLIP_KEY = 0x53464c50L;
    private static final long SUBSET_KEY = 0x53554253L;
    private static final long ORDER_KEY = 0x534f5244L;
    /** Per channel and byte value, the normalised float: (v - MEAN[c]) / STD[c] with the pre-training constants. */
    private static final float[][] NORMALISED = new float[3][256];

    static {
        for (int c = 0; c < 3; c++)
            for (int v = 0; v < 256; v++) NORMALISED[c][v] = (v - MontageBatch.MEAN[c]) / MontageBatch.STD[c];
    }

    private SegBatches() { }

    /** The network input value of byte v in channel c (0=r, 1=g, 2=b). */
    public static float normalise(int v, int c) { return NORMALISED[c][v]; }

    /** Evaluation batch: scenes {@code indices} (at most capacity) as they are. */
    public static void fillEval(LabelledScenes scenes, int[] indices, SegBatch out) {
        fill(scenes, indices, out, false, 0, 0);
    }

    /** Training batch: scenes {@code indices}, each mirrored left-right with probability 1/2 drawn from (seed, step, position). */
    public static void fillTrain(LabelledScenes scenes, int[] indices, long seed, long step, SegBatch out) {
        fill(scenes, indices, out, true, seed, step);
    }

    private static void fill(LabelledScenes scenes, int[] indices, SegBatch out, boolean augment, long seed, long step) {
        int s = out.side();
        if (scenes.side() != s) throw new IllegalArgumentException("scenes are " + scenes.side() + " px but the batch is " + s + " px");
        if (indices.length > out.capacity()) throw new IllegalArgumentException(indices.length + " scenes for a batch of " + out.capacity());
        int plane = s * s;
        float[] images = out.images();
        long[] labels = out.labels();
        for (int b = 0; b < indices.length; b++) {
            Scene scene = scenes.scene(indices[b]);
            boolean flip = augment && Rng.of(seed, FLIP_KEY, step, b).bernoulli(0.5);
            out.set(b, indices[b], flip);
            byte[] px = scene.image().pixels();
            int[] cls = scene.classMap();
            int imgBase = b * 3 * plane;
            int labBase = b * plane;
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    int src = y * s + (flip ? s - 1 - x : x);
                    int dst = y * s + x;
                    for (int c = 0; c < 3; c++) images[imgBase + c * plane + dst] = NORMALISED[c][px[3 * src + c] & 0xff];
                    labels[labBase + dst] = cls[src];
                }
            }
        }
        out.setCount(indices.length);
    }

    /**
     * The labelled subset for a label fraction of a pool of scenes 0..poolSize-1: the first
     * max(1, round(fraction * poolSize)) entries of a seeded permutation, sorted. Because every
     * fraction takes a prefix of the same permutation, the subsets of one seed are nested (1% is
     * inside 10%), so label-fraction curves compare like with like.
     */
    public static int[] labelledSubset(int poolSize, double fraction, long seed) {
        if (poolSize < 1) throw new IllegalArgumentException("pool must hold at least 1 scene, got " + poolSize);
        if (!(fraction > 0 && fraction <= 1)) throw new IllegalArgumentException("label fraction must be in (0, 1], got " + fraction);
        int k = (int) Math.max(1, Math.min(poolSize, Math.round(fraction * poolSize)));
        int[] subset = Arrays.copyOf(Rng.of(seed, SUBSET_KEY, poolSize).permutation(poolSize), k);
        Arrays.sort(subset);
        return subset;
    }

    /**
     * The scene indices of training step {@code step} when cycling through {@code pool} in
     * batches of {@code batch}: each epoch is a fresh seeded permutation of the pool, batches
     * run on across epoch boundaries, so step t is reproducible without replaying steps 0..t-1.
     */
    public static int[] stepIndices(int[] pool, int batch, long seed, long step) {
        if (pool.length == 0 || batch < 1) throw new IllegalArgumentException("need a non-empty pool and batch >= 1");
        int n = pool.length;
        int[] out = new int[batch];
        long epoch = -1;
        int[] perm = null;
        for (int j = 0; j < batch; j++) {
            long k = step * batch + j;
            if (k / n != epoch) {
                epoch = k / n;
                perm = Rng.of(seed, ORDER_KEY, epoch).permutation(n);
            }
            out[j] = pool[perm[(int) (k % n)]];
        }
        return out;
    }
}
