package mcl.data.pipeline;

import java.util.Arrays;

/**
 * What the loader produces and how.
 *
 * @param size      crop / montage side H (= W), divisible by 2^(levels-1)
 * @param batch     B, source images per step
 * @param levels    L, montage levels (downsample ratios 1, 2, ..., 2^(L-1))
 * @param montages  m_l, montages per level (see {@link #defaultMontages})
 * @param seed      root of every random stream
 * @param workers   decode/augment threads
 * @param prefetch  batches assembled ahead of the trainer (bounded queue depth)
 * @param smoothing Gaussian boundary smoothing k (sigma = k * tile side) for levels > 0; 0 = off
 */
public record DataConfig(int size, int batch, int levels, int[] montages, long seed, int workers, int prefetch, double smoothing) {
    public DataConfig {
        if (levels < 1 || levels > 8) throw new IllegalArgumentException("levels must be 1..8, got " + levels);
        if (batch < 1) throw new IllegalArgumentException("batch must be positive, got " + batch);
        int rMax = 1 << (levels - 1);
        if (size < rMax || size % rMax != 0)
            throw new IllegalArgumentException("size " + size + " must be a multiple of the largest downsample ratio " + rMax);
        if (montages.length != levels)
            throw new IllegalArgumentException("need one montage count per level (" + levels + "), got " + Arrays.toString(montages));
        montages = montages.clone();
        for (int l = 0; l < levels; l++) {
            long slots = (long) montages[l] << (2 * l);
            if (montages[l] < 1 || slots < batch)
                throw new IllegalArgumentException("level " + l + ": " + montages[l] + " montages of " + (1 << l) + "x" + (1 << l)
                        + " tiles cannot show all " + batch + " images (need m*r*r >= B)");
        }
        if (montages[0] != batch) throw new IllegalArgumentException("level 0 is the plain batch: montages[0] must be " + batch + ", got " + montages[0]);
        if (workers < 1) throw new IllegalArgumentException("workers must be positive, got " + workers);
        if (prefetch < 1) throw new IllegalArgumentException("prefetch must be positive, got " + prefetch);
        if (smoothing < 0) throw new IllegalArgumentException("smoothing k must be >= 0, got " + smoothing);
    }

    /**
     * The default montage counts: m_l = ceil(B / min(4^l, 32)). Levels 0..2 hold every image
     * exactly once when 4^l divides B (m = B, B/4, B/16); from r = 8 on a montage is given
     * only 32 images' worth, so each image appears about twice per level. This reproduces the
     * paper run's [128, 32, 8, 4] at B=128, and m_l * 4^l >= B always, so every image
     * appears at least once at every level.
     */
    public static int[] defaultMontages(int batch, int levels) {
        int[] m = new int[levels];
        for (int l = 0; l < levels; l++) {
            long per = Math.min(1L << (2 * l), 32L);
            m[l] = (int) ((batch + per - 1) / per);
        }
        return m;
    }

    /** Recipe defaults for size, batch and levels: seed 0, 2 workers, prefetch 2, no smoothing. */
    public static DataConfig of(int size, int batch, int levels) {
        return new DataConfig(size, batch, levels, defaultMontages(batch, levels), 0L, 2, 2, 0.0);
    }

    /** The r50 recipe: 224 px, 4 levels. */
    public static DataConfig r50(int batch) { return of(224, batch, 4); }

    /** A small setting for quick runs: 64 px, 3 levels. */
    public static DataConfig tiny(int batch) { return of(64, batch, 3); }

    public DataConfig withSeed(long s) { return new DataConfig(size, batch, levels, montages, s, workers, prefetch, smoothing); }

    public DataConfig withWorkers(int w) { return new DataConfig(size, batch, levels, montages, seed, w, prefetch, smoothing); }

    public DataConfig withPrefetch(int p) { return new DataConfig(size, batch, levels, montages, seed, workers, p, smoothing); }

    public DataConfig withSmoothing(double k) { return new DataConfig(size, batch, levels, montages, seed, workers, prefetch, k); }

    public DataConfig withMontages(int... m) { return new DataConfig(size, batch, levels, m, seed, workers, prefetch, smoothing); }

    /** Downsample ratio r = 2^l of level l. */
    public static int ratio(int level) { return 1 << level; }

    @Override
    public int[] montages() { return montages.clone(); }

    public int montages(int level) { return montages[level]; }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataConfig d && d.size == size && d.batch == batch && d.levels == levels && Arrays.equals(d.montages, montages)
                && d.seed == seed && d.workers == workers && d.prefetch == prefetch && d.smoothing == smoothing;
    }

    @Override
    public int hashCode() { return Arrays.hashCode(montages) * 31 + Long.hashCode(seed) + size * 7 + batch; }

    @Override
    public String toString() {
        return "DataConfig[size=" + size + ", batch=" + batch + ", levels=" + levels + ", montages=" + Arrays.toString(montages)
                + ", seed=" + seed + ", workers=" + workers + ", prefetch=" + prefetch + ", smoothing=" + smoothing + "]";
    }
}
