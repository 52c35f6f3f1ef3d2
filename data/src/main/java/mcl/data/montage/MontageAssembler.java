package mcl.data.montage;

import mcl.data.FloatImage;
import mcl.data.augment.Rng;
import mcl.data.pipeline.DataConfig;

/**
 * Montage assembly as the recipe runs it, per view and level l with r = 2^l: level 0 is the
 * plain batch (tile b = image b); for l > 0 a random permutation of the m_l * r * r slots is
 * drawn, each slot's source is its permuted index modulo B, and slots fill the r x r grids of
 * the m_l montages row-major. Each image's augmented copy for (view, level) is downsampled by
 * r with nearest interpolation (pixel (y*r, x*r), as {@code F.interpolate(mode="nearest")})
 * and written, normalised, into every slot that names it.
 *
 * <p>Use: {@link #plan} once per batch (cheap, single thread), then {@link #place} for every
 * (image, view, level) copy, from any threads: different images write disjoint tiles.
 */
public final class MontageAssembler {
    private final DataConfig config;
    /** Per level, the boundary-smoothing mask of one tile (t x t), or null when off. */
    private final float[][] masks;
    /** The data-parallel shard whose layouts this draws (its own streams), or -1 when unsharded. */
    private final int shard;

    public MontageAssembler(DataConfig config) {
        this(config, -1);
    }

    public MontageAssembler(DataConfig config, int shard) {
        this.config = config;
        this.shard = shard;
        masks = new float[config.levels()][];
        if (config.smoothing() > 0) {
            for (int l = 1; l < config.levels(); l++) masks[l] = gaussianMask(config.size() / DataConfig.ratio(l), config.smoothing());
        }
    }

    /**
     * The paper's boundary smoothing: a Gaussian centred on the tile with sigma = k * side, peak 1.
     * It multiplies the normalised values, so borders fade towards the dataset mean (zero).
     */
    static float[] gaussianMask(int side, double k) {
        float[] m = new float[side * side];
        double sigma = k * side;
        double c = side / 2.0;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double dx = x + 0.5 - c;
                double dy = y + 0.5 - c;
                m[y * side + x] = (float) Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
            }
        }
        return m;
    }

    /** Draws the tile layout of every (view, level) from streams keyed by (seed, epoch, step, view, level). */
    public void plan(MontageBatch batch, long epoch, long step) {
        int b = config.batch();
        for (int v = 1; v <= 2; v++) {
            for (int l = 0; l < config.levels(); l++) {
                long[] tiles = batch.tiles(v, l);
                int slots = tiles.length;
                if (l == 0 && slots == b) {
                    for (int k = 0; k < slots; k++) tiles[k] = k;
                } else {
                    Rng rng = shard < 0 ? Rng.of(config.seed(), Rng.MONTAGE, epoch, step, v, l) : Rng.of(config.seed(), Rng.MONTAGE, epoch, step, v, l, shard);
                    int[] perm = rng.permutation(slots);
                    for (int k = 0; k < slots; k++) tiles[k] = perm[k] % b;
                }
                index(tiles, b, batch.slotStart[v - 1][l], batch.slotIndex[v - 1][l]);
            }
        }
    }

    /** Counting sort of slots by source image, so each image finds its slots directly. */
    private static void index(long[] tiles, int b, int[] start, int[] slots) {
        java.util.Arrays.fill(start, 0);
        for (long t : tiles) start[(int) t + 1]++;
        for (int i = 0; i < b; i++) start[i + 1] += start[i];
        int[] fill = start.clone();
        for (int k = 0; k < tiles.length; k++) slots[fill[(int) tiles[k]]++] = k;
    }

    /** Writes image b's augmented copy (size x size, values in [0, 1]) into its tiles of (view, level). */
    public void place(MontageBatch batch, int view, int level, int b, FloatImage copy) {
        int h = config.size();
        if (copy.width() != h || copy.height() != h)
            throw new IllegalArgumentException("copy is " + copy.width() + "x" + copy.height() + ", expected " + h + "x" + h);
        int r = DataConfig.ratio(level);
        int t = h / r;
        float[] src = copy.data();
        float[] dst = batch.images(view, level);
        float[] mask = masks[level];
        int[] start = batch.slotStart[view - 1][level];
        int[] slots = batch.slotIndex[view - 1][level];
        int plane = h * h;
        for (int si = start[b]; si < start[b + 1]; si++) {
            int k = slots[si];
            int montage = k / (r * r);
            int cell = k % (r * r);
            int y0 = (cell / r) * t;
            int x0 = (cell % r) * t;
            for (int c = 0; c < 3; c++) {
                float scale = 255f / MontageBatch.STD[c];
                float shift = MontageBatch.MEAN[c] / MontageBatch.STD[c];
                int sBase = c * plane;
                int dBase = (montage * 3 + c) * plane;
                for (int y = 0; y < t; y++) {
                    int sRow = sBase + (y * r) * h;
                    int dRow = dBase + (y0 + y) * h + x0;
                    if (mask == null) {
                        for (int x = 0; x < t; x++) dst[dRow + x] = src[sRow + x * r] * scale - shift;
                    } else {
                        for (int x = 0; x < t; x++) dst[dRow + x] = (src[sRow + x * r] * scale - shift) * mask[y * t + x];
                    }
                }
            }
        }
    }
}
