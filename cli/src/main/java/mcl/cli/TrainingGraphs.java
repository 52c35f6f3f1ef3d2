package mcl.cli;

import java.io.IOException;
import mcl.graph.OnnxExport;
import mcl.graphs.Preset;
import mcl.graphs.mcl.MatchMode;
import mcl.graphs.mcl.MclConfig;
import mcl.graphs.mcl.MclGraphs;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import mcl.runtime.train.GraphBundle;
import mcl.runtime.train.Split;
import mcl.runtime.train.TrainConfig;

/** The training graphs a config asks for: a folder given by {@code graphs}, or the preset's graphs built in memory. */
final class TrainingGraphs {
    private TrainingGraphs() { }

    static GraphBundle forConfig(TrainConfig c) { return forConfig(c, Split.of(c, 1)); }

    static GraphBundle forConfig(TrainConfig c, Split split) {
        if (c.graphs() != null) {
            if (split.shards() > 1) {
                throw new UsageException("--graphs " + c.graphs() + ": graphs written by `mcl graphs` are for one process and one shard;"
                        + " leave --graphs out to build the graphs for " + split);
            }
            try {
                GraphBundle g = GraphBundle.load(Path.of(c.graphs()));
                checkFits(g, c);
                return g;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the graphs in " + c.graphs() + ": " + e.getMessage(), e);
            }
        }
        MclGraphs.Built b = build(c, split);
        return GraphBundle.of(OnnxExport.toModel(b.online()).toByteArray(), OnnxExport.toModel(b.target()).toByteArray(), b.manifest());
    }

    static MclGraphs.Built build(TrainConfig c) { return build(c, Split.of(c, 1)); }

    /**
     * The graphs of one shard built in memory from the preset and the data settings (the graphs
     * have static shapes): its montages, scored against the targets of all shards.
     */
    static MclGraphs.Built build(TrainConfig c, Split split) {
        MclConfig defaults = MclConfig.of(Preset.named(c.preset()), c.levels(), MatchMode.parse(c.mode()), split.shardBatch(), c.size(),
                c.dataConfig(split.shardBatch()).montages());
        MclConfig cfg = new MclConfig(defaults.preset(), defaults.levels(), defaults.mode(), defaults.batch(), defaults.size(),
                defaults.montages(), c.temperature(), defaults.levelWeights(), split.shards(), split.syncShards());
        return MclGraphs.build(cfg);
    }

    /** The graphs have static shapes: the data settings must be theirs. */
    static void checkFits(GraphBundle g, TrainConfig c) {
        var m = g.manifest();
        if (m.batch() != c.batch() || m.size() != c.size() || m.levels() != c.levels()
                || !java.util.Arrays.equals(m.montages(), c.dataConfig().montages())) {
            throw new UsageException("the graphs in " + c.graphs() + " were built for batch " + m.batch() + ", size " + m.size() + ", "
                    + m.levels() + " levels, montages " + java.util.Arrays.toString(m.montages()) + "; the config asks for batch " + c.batch()
                    + ", size " + c.size() + ", " + c.levels() + " levels, montages " + java.util.Arrays.toString(c.dataConfig().montages()));
        }
    }
}
