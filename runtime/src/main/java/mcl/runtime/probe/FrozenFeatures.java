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
import mcl.graphs.probe.DenseFeatureGraph;
import mcl.graphs.probe.FeatureGraph;
import mcl.runtime.ort.GraphSession;
import mcl.runtime.ort.SessionConfig;
import mcl.tensors.HostTensor;

/**
 * Features of a frozen network (eval-mode BN) for a set of images, in ONNX Runtime: C5
 * average-pooled ({@link FeatureGraph}) for the k-NN and linear probes, or the per-pixel FPN
 * hypercolumns ({@link DenseFeatureGraph}) for the dense probe.
 */
public final class FrozenFeatures {
    /** Writes image {@code index} as normalised [3, S, S] floats at {@code offset}. */
    @FunctionalInterface
    public interface Images {
        void write(int index, float[] out, int offset);
    }

    /** Receives the features of image {@code index}: {@code values} from {@code offset}, as many floats as the graph gives per image. */
    @FunctionalInterface
    public interface Sink {
        void accept(int index, FloatBuffer values, int offset);
    }

    private static final int BATCH = 100;
    private static final int DENSE_BATCH = 16;

    private FrozenFeatures() { }

    /** The C5 probe's weights: from a run or checkpoint (online encoder), or freshly initialised ("random"). */
    public static Map<String, float[]> weights(String init, Preset preset, int size, long seed) {
        return weights(init, preset, FeatureGraph.build(preset, BATCH, size), seed);
    }

    /** The weights of {@code graph}'s parameters: from a run or checkpoint (online encoder), or freshly initialised ("random"). */
    public static Map<String, float[]> weights(String init, Preset preset, Graph graph, long seed) {
        if (init.equals("random")) return Initializer.initialise(graph.params(), seed);
        Checkpoint ck = CheckpointReader.open(Path.of(init));
        if (!ck.preset().equals(preset.name())) {
            throw new IllegalArgumentException(init + " is a " + ck.preset() + " checkpoint, not " + preset.name());
        }
        Map<String, HostTensor> all = ck.weights(Which.ONLINE);
        Map<String, float[]> out = new HashMap<>();
        for (Param p : graph.params()) {
            HostTensor t = all.get(p.name());
            if (t == null) throw new IllegalArgumentException(ck.dir() + " lacks " + p.name());
            out.put(p.name(), t.floats());
        }
        return out;
    }

    /** Pooled features [count][C5 channels] of images 0..count-1. */
    public static float[][] extract(Preset preset, Map<String, float[]> weights, int size, int threads, int count, Images images) {
        int dim = preset.backbone().outChannels()[3];
        float[][] features = new float[count][dim];
        run(FeatureGraph.build(preset, BATCH, size), FeatureGraph.IMAGES, FeatureGraph.FEATURES, weights, size, threads, count, images,
                (i, v, off) -> v.get(off, features[i]));
        return features;
    }

    /** Per-pixel features of images 0..count-1, [4 x FPN channels, S/4, S/4] each, handed to {@code sink} one image at a time. */
    public static void extractDense(Preset preset, Map<String, float[]> weights, int size, int threads, int count, Images images, Sink sink) {
        run(DenseFeatureGraph.build(preset, DENSE_BATCH, size), DenseFeatureGraph.IMAGES, DenseFeatureGraph.FEATURES, weights, size, threads,
                count, images, sink);
    }

    /** Floats per image of a graph's output. */
    private static int perImage(Graph g, String output) {
        long[] shape = g.outputs().get(output).shape();
        long n = 1;
        for (int i = 1; i < shape.length; i++) n *= shape[i];
        return Math.toIntExact(n);
    }

    private static void run(Graph g, String input, String output, Map<String, float[]> weights, int size, int threads, int count,
                            Images images, Sink sink) {
        int batch = (int) g.inputs().get(0).dim(0);
        int per = 3 * size * size;
        int outPer = perImage(g, output);
        float[] host = new float[batch * per];
        FloatBuffer in = ByteBuffer.allocateDirect(4 * host.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
        FloatBuffer out = ByteBuffer.allocateDirect(4 * batch * outPer).order(ByteOrder.nativeOrder()).asFloatBuffer();
        try (GraphSession s = GraphSession.open(OnnxExport.toModel(g, weights).toByteArray(), SessionConfig.cpu(threads))) {
            s.bindInput(input, in);
            s.bindOutput(output, out);
            for (int first = 0; first < count; first += batch) {
                int n = Math.min(batch, count - first);
                for (int i = 0; i < n; i++) images.write(first + i, host, i * per);
                in.clear();
                in.put(host);
                s.run().close();
                for (int i = 0; i < n; i++) sink.accept(first + i, out, i * outPer);
            }
        }
    }
}
