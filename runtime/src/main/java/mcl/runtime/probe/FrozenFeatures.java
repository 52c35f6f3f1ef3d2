package mcl.runtime.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import mcl.checkpoints.Checkpoint;
import mcl.checkpoints.CheckpointReader;
import mcl.checkpoints.Which;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.Param;
import mcl.graph.init.Initializer;
import mcl.graphs.Preset;
import mcl.graphs.probe.FeatureGraph;
import mcl.runtime.ort.GraphSession;
import mcl.runtime.ort.SessionConfig;
import mcl.tensors.HostTensor;

/** C5 average-pooled features of a frozen backbone (eval-mode BN) for a set of images, in ONNX Runtime. */
public final class FrozenFeatures {
    /** Writes image {@code index} as normalised [3, S, S] floats at {@code offset}. */
    @FunctionalInterface
    public interface Images {
        void write(int index, float[] out, int offset);
    }

    private static final int BATCH = 100;

    private FrozenFeatures() { }

    /** The backbone body's weights: from a run or checkpoint (online encoder), or freshly initialised ("random"). */
    public static Map<String, float[]> weights(String init, Preset preset, int size, long seed) {
        Graph g = FeatureGraph.build(preset, BATCH, size);
        if (init.equals("random")) return Initializer.initialise(g.params(), seed);
        Checkpoint ck = CheckpointReader.open(Path.of(init));
        if (!ck.preset().equals(preset.name())) {
            throw new IllegalArgumentException(init + " is a " + ck.preset() + " checkpoint, not " + preset.name());
        }
        Map<String, HostTensor> all = ck.weights(Which.ONLINE);
        Map<String, float[]> out = new HashMap<>();
        for (Param p : g.params()) {
            HostTensor t = all.get(p.name());
            if (t == null) throw new IllegalArgumentException(ck.dir() + " lacks " + p.name());
            out.put(p.name(), t.floats());
        }
        return out;
    }

    /** Features [count][C5 channels] of images 0..count-1. */
    public static float[][] extract(Preset preset, Map<String, float[]> weights, int size, int threads, int count, Images images) {
        Graph g = FeatureGraph.build(preset, BATCH, size);
        int dim = preset.backbone().outChannels()[3];
        int per = 3 * size * size;
        float[] host = new float[BATCH * per];
        FloatBuffer in = ByteBuffer.allocateDirect(4 * host.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        FloatBuffer out = ByteBuffer.allocateDirect(4 * BATCH * dim).order(ByteOrder.nativeOrder()).asFloatBuffer();
        float[][] features = new float[count][dim];
        try (GraphSession s = GraphSession.open(OnnxExport.toModel(g, weights).toByteArray(), SessionConfig.cpu(threads))) {
            s.bindInput(FeatureGraph.IMAGES, in);
            s.bindOutput(FeatureGraph.FEATURES, out);
            for (int first = 0; first < count; first += BATCH) {
                int n = Math.min(BATCH, count - first);
                for (int i = 0; i < n; i++) images.write(first + i, host, i * per);
                in.clear();
                in.put(host);
                s.run().close();
                for (int i = 0; i < n; i++) out.get(i * dim, features[first + i]);
            }
        }
        return features;
    }
}
