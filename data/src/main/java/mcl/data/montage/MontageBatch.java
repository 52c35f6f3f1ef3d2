package mcl.data.montage;

import java.util.Arrays;
import mcl.data.pipeline.DataConfig;

/**
 * One step's network input in the graph contract's layout, for views v = 1, 2 and levels
 * l = 0..L-1: {@code images(v, l)} is normalised float32 [m_l, 3, H, W] and {@code tiles(v, l)}
 * is int64 [m_l * r * r], the batch index 0..B-1 of the source image of each tile in
 * (montage, grid row, grid column) order. Buffers are allocated once and refilled.
 */
public final class MontageBatch {
    /** ImageNet mean and std on 0..255 RGB. */
    public static final float[] MEAN = {123.675f, 116.28f, 103.53f};
    public static final float[] STD = {58.395f, 57.12f, 57.375f};

    private final DataConfig config;
    private final float[][][] images;
    private final long[][][] tiles;
    private final int[] samples;
    /** Per (view, level), the slots each image fills, as CSR: slots of image b are slotIndex[slotStart[b]..slotStart[b+1]). */
    final int[][][] slotStart;
    final int[][][] slotIndex;
    private long epoch;
    private long step;
    private long globalStep;

    public MontageBatch(DataConfig config) {
        this.config = config;
        int h = config.size();
        images = new float[2][config.levels()][];
        tiles = new long[2][config.levels()][];
        slotStart = new int[2][config.levels()][];
        slotIndex = new int[2][config.levels()][];
        for (int v = 0; v < 2; v++) {
            for (int l = 0; l < config.levels(); l++) {
                int m = config.montages(l);
                int r = DataConfig.ratio(l);
                images[v][l] = new float[m * 3 * h * h];
                tiles[v][l] = new long[m * r * r];
                slotStart[v][l] = new int[config.batch() + 1];
                slotIndex[v][l] = new int[m * r * r];
            }
        }
        samples = new int[config.batch()];
    }

    public DataConfig config() { return config; }

    public int size() { return config.size(); }

    public int batchSize() { return config.batch(); }

    public int levels() { return config.levels(); }

    public int montages(int level) { return config.montages(level); }

    /** Normalised pixels of view v (1 or 2) at level l, [m_l, 3, H, W]. */
    public float[] images(int view, int level) { return images[checkView(view)][level]; }

    /** Source batch index of each tile of view v at level l, [m_l * r * r]. */
    public long[] tiles(int view, int level) { return tiles[checkView(view)][level]; }

    /** The shape of {@link #images}: [m_l, 3, H, W]. */
    public long[] imageShape(int level) { return new long[] {montages(level), 3, size(), size()}; }

    /** Dataset index of each of the B images, in batch order (after any substitution of unreadable files). */
    public int[] samples() { return samples; }

    public long epoch() { return epoch; }

    /** Step within the epoch. */
    public long step() { return step; }

    /** Steps since the start of training: epoch * stepsPerEpoch + step; {@code BatchLoader.seek} takes it. */
    public long globalStep() { return globalStep; }

    public void setPosition(long epoch, long step, long globalStep) {
        this.epoch = epoch;
        this.step = step;
        this.globalStep = globalStep;
    }

    private static int checkView(int view) {
        if (view != 1 && view != 2) throw new IllegalArgumentException("view must be 1 or 2, got " + view);
        return view - 1;
    }

    /** A deep copy that stays valid after the loader reuses this batch's buffers. */
    public MontageBatch copy() {
        MontageBatch c = new MontageBatch(config);
        for (int v = 0; v < 2; v++) {
            for (int l = 0; l < levels(); l++) {
                System.arraycopy(images[v][l], 0, c.images[v][l], 0, images[v][l].length);
                System.arraycopy(tiles[v][l], 0, c.tiles[v][l], 0, tiles[v][l].length);
            }
        }
        System.arraycopy(samples, 0, c.samples, 0, samples.length);
        c.setPosition(epoch, step, globalStep);
        return c;
    }

    /** True when every pixel, tile index and sample index is identical. */
    public boolean sameContent(MontageBatch o) {
        // Worker count, prefetch depth and seed may differ: only the produced tensors are compared.
        if (config.size() != o.config.size() || !Arrays.equals(config.montages(), o.config.montages())) return false;
        for (int v = 0; v < 2; v++) {
            for (int l = 0; l < levels(); l++) {
                if (!Arrays.equals(images[v][l], o.images[v][l]) || !Arrays.equals(tiles[v][l], o.tiles[v][l])) return false;
            }
        }
        return Arrays.equals(samples, o.samples);
    }
}
