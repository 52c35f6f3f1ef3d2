package mcl.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.Tensor;
import mcl.graph.ops.ConvPool;
import mcl.graphs.Preset;
import mcl.graphs.mcl.MatchMode;
import mcl.graphs.mcl.MclConfig;
import mcl.graphs.mcl.MclGraphs;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.onnx.OnnxProto.ValueInfoProto;
import org.junit.jupiter.api.Test;

/** The blocked-kernel rewrite computes what ORT's plain Conv computes, and finds this CPU's block. */
class NchwcLoweringTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    /** MLAS picks its block from the vector width: 16 floats with AVX-512, 8 with AVX2 (x86-64 Linux). */
    @Test
    void theProbeFindsTheBlockOfThisCpu() throws Exception {
        String flags = Files.exists(Path.of("/proc/cpuinfo")) ? Files.readString(Path.of("/proc/cpuinfo")) : "";
        int expected = flags.contains(" avx512f") ? 16 : flags.contains(" avx2") ? 8 : -1;
        if (expected > 0 && System.getProperty("os.arch").equals("amd64")) assertEquals(expected, NchwcLowering.blockSize());
        else assertTrue(NchwcLowering.blockSize() == 0 || NchwcLowering.blockSize() >= 8);
    }

    @Test
    void everyConvShapeOfOurNetworksGivesTheSameValues() throws Exception {
        int block = blockOr16();
        Graph g = new Graph("convs");
        Tensor stem = g.input("stem.x", DType.FLOAT, 3, 3, 20, 20);
        g.output("stem", ConvPool.conv(stem, g.input("stem.w", DType.FLOAT, 32, 3, 7, 7), null, 2, 3, 1));
        Tensor x = g.input("x", DType.FLOAT, 2, 32, 9, 9);
        g.output("same", ConvPool.conv(x, g.input("w3", DType.FLOAT, 16, 32, 3, 3), null, 1, 1, 1));
        g.output("strided", ConvPool.conv(x, g.input("w3s", DType.FLOAT, 64, 32, 3, 3), null, 2, 1, 1));
        g.output("biased", ConvPool.conv(x, g.input("wb", DType.FLOAT, 32, 32, 3, 3), g.input("b", DType.FLOAT, 32), 1, 1, 1));
        g.output("pointwise", ConvPool.conv(x, g.input("w1", DType.FLOAT, 32, 32, 1, 1), null, 1, 0, 1)); // one GEMM already: left as is
        g.output("dilated", ConvPool.conv(x, g.input("wd", DType.FLOAT, 16, 32, 3, 3), null, 1, 2, 2));
        g.output("odd", ConvPool.conv(x, g.input("wo", DType.FLOAT, 24, 32, 3, 3), null, 1, 1, 1)); // not a block multiple: left as is
        g.output("whole", ConvPool.conv(x, g.input("wk", DType.FLOAT, 16, 32, 9, 9), null, 1, 0, 1)); // a weight-gradient-sized kernel: left as is
        ModelProto plain = OnnxExport.toModel(g);
        ModelProto lowered = NchwcLowering.lower(plain, block);
        long blocked = lowered.getGraph().getNodeList().stream().filter(n -> n.getDomain().equals(NchwcLowering.DOMAIN) && n.getOpType().equals("Conv")).count();
        assertEquals(5, blocked);
        assertAllClose(run(plain), run(lowered), 1e-4);
    }

    /** The real training graph: loss, every gradient and every BN statistic, plain against rewritten. */
    @Test
    void theTinyTrainingGraphComputesTheSameLossAndGradients() throws Exception {
        int block = blockOr16();
        MclConfig cfg = MclConfig.of(Preset.named("tiny"), 3, MatchMode.A, 8, 64, new int[] {8, 2, 1});
        ModelProto plain = OnnxExport.toModel(MclGraphs.build(cfg).online());
        ModelProto lowered = NchwcLowering.lower(plain, block);
        long convs = plain.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Conv")).count();
        long blocked = lowered.getGraph().getNodeList().stream().filter(n -> n.getDomain().equals(NchwcLowering.DOMAIN) && n.getOpType().equals("Conv")).count();
        assertTrue(blocked >= convs / 2, blocked + " of " + convs + " convs rewritten");
        Map<String, float[]> a = run(plain);
        Map<String, float[]> b = run(lowered);
        assertEquals(a.keySet(), b.keySet());
        assertAllClose(a, b, 1e-4);
    }

    @Test
    void aModelWithoutFedConvWeightsIsReturnedAsItIs() {
        Graph g = new Graph("none");
        Tensor x = g.input("x", DType.FLOAT, 1, 16, 4, 4);
        g.output("y", ConvPool.conv(x, g.constant(new float[16 * 16 * 9], 16, 16, 3, 3), null, 1, 1, 1));
        ModelProto m = OnnxExport.toModel(g);
        assertSame(m, NchwcLowering.lower(m, 16));
        assertNotSame(m, NchwcLowering.lower(OnnxExport.toModel(withFedWeight()), 16));
    }

    private static Graph withFedWeight() {
        Graph g = new Graph("fed");
        g.output("y", ConvPool.conv(g.input("x", DType.FLOAT, 1, 16, 4, 4), g.input("w", DType.FLOAT, 16, 16, 3, 3), null, 1, 1, 1));
        return g;
    }

    private static int blockOr16() {
        int b = NchwcLowering.blockSize();
        return b == 0 ? 16 : b; // where the CPU has no blocked kernels, the rewrite is never applied; then only the shapes are checked
    }

    private static void assertAllClose(Map<String, float[]> want, Map<String, float[]> got, double tol) {
        if (NchwcLowering.blockSize() == 0) return;
        for (var e : want.entrySet()) {
            float[] a = e.getValue();
            float[] b = got.get(e.getKey());
            assertEquals(a.length, b.length, e.getKey());
            double scale = 0; // relative to the tensor's largest value; 1e-6 absolute for gradients that are zero but for rounding (a bias before BN)
            for (float v : a) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < a.length; i++) {
                double d = Math.abs(a[i] - b[i]);
                assertTrue(d <= tol * scale + 1e-6, e.getKey() + "[" + i + "]: " + a[i] + " vs " + b[i] + " (max |value| " + scale + ")");
            }
        }
    }

    /** Runs a model on seeded inputs (floats ~N(0,1); int64 tile labels in 0..7) with plain ORT options. */
    private static Map<String, float[]> run(ModelProto m) throws Exception {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions(); OrtSession s = ENV.createSession(m.toByteArray(), o)) {
            SplittableRandom r = new SplittableRandom(5);
            Map<String, OnnxTensor> in = new HashMap<>();
            for (ValueInfoProto v : m.getGraph().getInputList()) {
                long[] shape = v.getType().getTensorType().getShape().getDimList().stream().mapToLong(d -> d.getDimValue()).toArray();
                int n = 1;
                for (long d : shape) n *= (int) d;
                if (v.getType().getTensorType().getElemType() == DType.INT64.onnxCode) {
                    long[] a = new long[n];
                    for (int i = 0; i < n; i++) a[i] = r.nextInt(8);
                    in.put(v.getName(), OnnxTensor.createTensor(ENV, LongBuffer.wrap(a), shape));
                } else {
                    float[] a = new float[n];
                    for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * 0.5);
                    in.put(v.getName(), OnnxTensor.createTensor(ENV, FloatBuffer.wrap(a), shape));
                }
            }
            Map<String, float[]> out = new HashMap<>();
            try (OrtSession.Result res = s.run(in)) {
                for (Map.Entry<String, OnnxValue> e : res) {
                    if (e.getValue() instanceof OnnxTensor t && t.getInfo().type == ai.onnxruntime.OnnxJavaType.FLOAT) {
                        FloatBuffer fb = t.getFloatBuffer();
                        float[] a = new float[fb.remaining()];
                        fb.get(a);
                        out.put(e.getKey(), a);
                    }
                }
            } finally {
                in.values().forEach(OnnxTensor::close);
            }
            return out;
        }
    }
}
