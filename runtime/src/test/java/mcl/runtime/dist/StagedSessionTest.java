package mcl.runtime.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.Param;
import mcl.graph.Stages;
import mcl.graph.Tensor;
import mcl.graph.autodiff.Autodiff;
import mcl.graph.init.Init;
import mcl.graph.init.Initializer;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graph.ops.Reduce;
import mcl.runtime.ort.DirectBuffers;
import mcl.runtime.ort.GraphRunner;
import mcl.runtime.ort.GraphSession;
import mcl.runtime.ort.SessionConfig;
import org.junit.jupiter.api.Test;

/**
 * Synchronized BN run as stages: a process of a 2-process job whose partner holds the same
 * images (a communicator that doubles every sum) must compute what one process computes with
 * per-process BN on the batch twice over: the same loss, BN statistics and weight gradients.
 */
class StagedSessionTest {
    private static final int N = 4;

    /** conv -> BN -> ReLU -> conv -> BN -> mean of squares, with its gradients; BN synchronized over {@code processes}. */
    private static Graph net(int batch, int processes) {
        Graph g = new Graph("staged_test");
        Nn nn = new Nn(g, BnMode.TRAIN, "", processes);
        Tensor x = g.input("x", DType.FLOAT, batch, 3, 8, 8);
        Tensor h = nn.relu(nn.batchNorm2d("bn1", nn.conv2d("conv1", x, 6, 3, 1, 1, new Init.KaimingNormalFanOut())));
        Tensor y = nn.batchNorm2d("bn2", nn.conv2d("conv2", h, 5, 3, 2, 1, new Init.KaimingNormalFanOut()));
        Tensor loss = Reduce.mean(mcl.graph.ops.Elementwise.mul(y, mcl.graph.ops.Elementwise.relu(y)), false, 0, 1, 2, 3);
        g.output("loss", loss);
        List<Param> trainable = g.params().stream().filter(Param::trainable).toList();
        var grads = Autodiff.gradients(loss, trainable.stream().map(Param::tensor).toList());
        for (Param p : trainable) g.output("grad." + p.name(), grads.get(p.tensor()));
        return g;
    }

    /** A process whose one partner sends the same values: every sum doubles. */
    private static final class Twin implements Communicator {
        int calls;

        public int rank() { return 0; }

        public int size() { return 2; }

        public int localSize() { return 1; }

        public int localRank() { return 0; }

        public void allReduceSum(FloatBuffer buf) {
            calls++;
            for (int i = 0; i < buf.capacity(); i++) buf.put(i, 2 * buf.get(i));
        }

        public void allReduceSum(double[] values) { throw new UnsupportedOperationException(); }

        public void allGather(FloatBuffer buf, int count) { throw new UnsupportedOperationException(); }

        public void abort(int code) { throw new IllegalStateException("abort " + code); }

        public void close() { }
    }

    @Test
    void syncBnOverTwinProcessesEqualsPlainBnOnTheDoubledBatch() {
        Graph synced = net(N, 2);
        Graph plain = net(2 * N, 1);
        byte[] model = OnnxExport.toModel(synced).toByteArray();
        Stages.Staged staged = Stages.split(OnnxExport.toModel(synced));
        assertTrue(staged.points().size() >= 8, "2 forward and 2 backward sums per BN layer: " + staged.points().size());
        assertTrue(!Stages.hasCollectives(OnnxExport.toModel(plain)), "a single-process graph has no collective points");

        float[] img = new float[N * 3 * 8 * 8];
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < img.length; i++) img[i] = (float) rng.nextGaussian() + 0.5f;
        float[] twice = new float[2 * img.length];
        System.arraycopy(img, 0, twice, 0, img.length);
        System.arraycopy(img, 0, twice, img.length, img.length);
        Map<String, float[]> weights = Initializer.initialise(synced.params(), 3);

        Twin twin = new Twin();
        Map<String, float[]> a;
        Map<String, float[]> b;
        try (GraphRunner s = StagedSession.open(model, SessionConfig.cpu(1), twin);
             GraphRunner p = GraphSession.open(OnnxExport.toModel(plain).toByteArray(), SessionConfig.cpu(1))) {
            assertTrue(s instanceof StagedSession st && st.boundaries() >= 4, "runs as stages");
            a = runOnce(s, img, weights);
            b = runOnce(p, twice, weights);
        }
        assertTrue(twin.calls > 0, "the collectives ran");
        assertEquals(b.keySet(), a.keySet());
        for (String k : b.keySet()) {
            float[] want = b.get(k);
            float[] got = a.get(k);
            double scale = 1e-12;
            double diff = 0;
            for (int i = 0; i < want.length; i++) {
                scale = Math.max(scale, Math.abs(want[i]));
                diff = Math.max(diff, Math.abs(want[i] - got[i]));
            }
            assertTrue(diff <= 1e-5 * scale, k + ": max difference " + diff + " at scale " + scale);
        }
    }

    private static Map<String, float[]> runOnce(GraphRunner s, float[] images, Map<String, float[]> weights) {
        s.bindInput("x", DirectBuffers.copyOf(images));
        for (var e : weights.entrySet()) if (s.inputNames().contains(e.getKey())) s.bindInput(e.getKey(), DirectBuffers.copyOf(e.getValue()));
        Map<String, FloatBuffer> outs = new LinkedHashMap<>();
        for (String o : s.outputNames()) {
            FloatBuffer f = DirectBuffers.floats(numel(s.shape(o)));
            s.bindOutput(o, f);
            outs.put(o, f);
        }
        s.runBound();
        Map<String, float[]> r = new LinkedHashMap<>();
        outs.forEach((n, f) -> {
            float[] v = new float[f.capacity()];
            f.get(0, v);
            r.put(n, v);
        });
        return r;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
