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
import mcl.runtime.train.TrainConfig;

/** The training graphs a config asks for: a folder given by {@code graphs}, or the preset's graphs built in memory. */
final class TrainingGraphs {
    private TrainingGraphs() { }

    static GraphBundle forConfig(TrainConfig c) {
        if (c.graphs() != null) {
            try {
                GraphBundle g = GraphBundle.load(Path.of(c.graphs()));
                checkFits(g, c);
                return g;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the graphs in " + c.graphs() + ": " + e.getMessage(), e);
            }
        }
        MclGraphs.Built b = build(c);
        return GraphBundle.of(OnnxExport.toModel(b.online()).toByteArray(), OnnxExport.toModel(b.target()).toByteArray(), b.manifest());
    }

    /**
     * The graphs built in memory from the preset and the data settings (the graphs have static
     * shapes); for data parallelism, {@code c} is {@link TrainConfig#perShard}'s view.
     */
    static MclGraphs.Built build(TrainConfig c) {
        MclConfig defaults = MclConfig.of(Preset.named(c.preset()), c.levels(), MatchMode.parse(c.mode()), c.batch(), c.size(),
                c.dataConfig().montages());
        MclConfig cfg = new MclConfig(defaults.preset(), defaults.levels(), defaults.mode(), defaults.batch(), defaults.size(),
                defaults.montages(), c.temperature(), defaults.levelWeights());
        return MclGraphs.build(cfg.withShards(c.shards()));
    }

    /** The graphs have static shapes: the data settings must be theirs. */
    static void checkFits(GraphBundle g, TrainConfig c) {
        var m = g.manifest();
        if (m.batch() != c.batch() || m.shards() != c.shards() || m.size() != c.size() || m.levels() != c.levels()
                || !java.util.Arrays.equals(m.montages(), c.dataConfig().montages())) {
            throw new UsageException("the graphs in " + c.graphs() + " were built for batch " + m.batch() + " x " + m.shards() + " shards, size " + m.size() + ", "
                    + m.levels() + " levels, montages " + java.util.Arrays.toString(m.montages()) + "; the config asks for batch " + c.batch() + " x " + c.shards() + " shards"
                    + ", size " + c.size() + ", " + c.levels() + " levels, montages " + java.util.Arrays.toString(c.dataConfig().montages()));
        }
    }
}
