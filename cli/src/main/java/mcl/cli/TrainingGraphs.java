package mcl.cli;

import java.io.IOException;
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
        throw new UsageException("this build has no built-in MCL training graphs for preset '" + c.preset()
                + "' yet; pass --graphs DIR (a folder with online_train.onnx, target_forward.onnx, manifest.json)");
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
