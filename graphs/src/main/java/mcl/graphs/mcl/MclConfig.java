package mcl.graphs.mcl;

import java.util.Arrays;
import mcl.graphs.Preset;

/**
 * Everything that shapes the MCL training graphs.
 *
 * @param montages     montages per level (level 0 = the batch itself, so montages[0] == batch)
 * @param batch        images of one shard (one data-parallel process, or one of the shards run in one)
 * @param levelWeights loss weight of each level
 * @param shards       data-parallel shards of the global batch: every tile is scored against the
 *                     level-0 targets of all batch x shards images (gathered), its label offset by
 *                     its shard's place in them
 * @param syncShards   shards whose BN statistics are summed at collective points (synchronized BN
 *                     over the global batch); 1: none, and the graph runs in ONNX Runtime as one piece
 */
public record MclConfig(Preset preset, int levels, MatchMode mode, int batch, int size, int[] montages,
                        double temperature, double[] levelWeights, int shards, int syncShards) {
    public MclConfig(Preset preset, int levels, MatchMode mode, int batch, int size, int[] montages, double temperature, double[] levelWeights) {
        this(preset, levels, mode, batch, size, montages, temperature, levelWeights, 1, 1);
    }

    public MclConfig {
        Preset.checkImageSize(size);
        if (levels < 1 || levels > 4) throw new IllegalArgumentException("levels must be 1..4 (P5..P2), got " + levels);
        if (syncShards < 1 || shards % syncShards != 0) {
            throw new IllegalArgumentException("syncShards must be >= 1 and divide shards (" + shards + "), got " + syncShards);
        }
        if (shards < 1) throw new IllegalArgumentException("shards must be at least 1, got " + shards);
        if (batch < 1 || batch * shards < 2) throw new IllegalArgumentException("the global batch must be at least 2 (contrastive negatives), got " + batch * shards);
        if (montages.length != levels) throw new IllegalArgumentException("need " + levels + " montage counts, got " + montages.length);
        if (montages[0] != batch) throw new IllegalArgumentException("level 0 holds the batch itself: montages[0] must be " + batch + ", got " + montages[0]);
        for (int l = 0; l < levels; l++) {
            if (montages[l] < 1) throw new IllegalArgumentException("montages[" + l + "] must be positive");
        }
        if (levelWeights.length != levels) throw new IllegalArgumentException("need " + levels + " level weights");
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be positive, got " + temperature);
        montages = montages.clone();
        levelWeights = levelWeights.clone();
    }

    /** Defaults: T = 1, w_l = 2^-(l+1) with the last doubled so the weights sum to 1 (L=4: 1/2,1/4,1/8,1/8). */
    public static MclConfig of(Preset preset, int levels, MatchMode mode, int batch, int size, int[] montages) {
        return new MclConfig(preset, levels, mode, batch, size, montages, 1.0, defaultWeights(levels));
    }

    public static double[] defaultWeights(int levels) {
        double[] w = new double[levels];
        for (int l = 0; l < levels; l++) w[l] = Math.pow(2, -(l + 1));
        w[levels - 1] *= 2;
        return w;
    }

    /** The same graphs for {@code n} shards of {@code batch} images each. */
    public MclConfig withShards(int n) { return new MclConfig(preset, levels, mode, batch, size, montages, temperature, levelWeights, n, syncShards); }

    /** Target embeddings each tile is scored against: the global batch. */
    public int targets() { return batch * shards; }

    public static int ratio(int level) { return 1 << level; }

    /** Window side in FPN cells: every tile maps onto exactly one w x w window at its level. */
    public int window() { return size / 32; }

    /** Tiles at a level: montages * r * r. */
    public int tiles(int level) { return montages[level] * ratio(level) * ratio(level); }

    @Override
    public boolean equals(Object o) {
        return o instanceof MclConfig c && c.preset.equals(preset) && c.levels == levels && c.mode == mode && c.batch == batch
                && c.size == size && Arrays.equals(c.montages, montages) && c.temperature == temperature
                && Arrays.equals(c.levelWeights, levelWeights) && c.shards == shards && c.syncShards == syncShards;
    }

    @Override
    public int hashCode() { return Arrays.hashCode(montages) + 31 * preset.hashCode() + mode.hashCode(); }

    @Override
    public String toString() {
        return "MclConfig[" + preset.name() + ", L=" + levels + ", mode=" + mode + ", B=" + batch + ", H=" + size
                + ", montages=" + Arrays.toString(montages) + ", T=" + temperature + ", w=" + Arrays.toString(levelWeights) + (shards > 1 ? ", shards=" + shards : "") + (syncShards > 1 ? ", syncBN over " + syncShards : "") + "]";
    }
}
