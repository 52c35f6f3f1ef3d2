package mcl.runtime.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.Tensor;
import mcl.graph.ops.ConvPool;
import mcl.onnx.OnnxProto.AttributeProto;
import mcl.onnx.OnnxProto.GraphProto;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.onnx.OnnxProto.NodeProto;
import mcl.onnx.OnnxProto.OperatorSetIdProto;
import mcl.onnx.OnnxProto.TensorProto;
import mcl.onnx.OnnxProto.ValueInfoProto;

/**
 * Runs the convolutions of training graphs on ONNX Runtime's blocked-layout (NCHWc) CPU kernels.
 *
 * <p>ORT's own optimiser moves a Conv to these kernels only when its weight is a constant, since it
 * reorders the weight once at load time. In a training graph every weight is fed anew each step
 * (and input gradients convolve with computed, flipped kernels), so all of them ran on the generic
 * im2col + GEMM path, 1.1-4x slower for the 3x3 and 7x7 convs of our presets (BENCHMARKS.md). This
 * rewrite does in the graph what ORT does at load time: the weight's blocked reorder as Reshape,
 * Transpose, Reshape, and ORT's {@code com.microsoft.nchwc} ReorderInput / Conv / ReorderOutput
 * in place of the Conv. Values are the same up to float summation order.
 *
 * <p>The block (channels per vector) is MLAS's: 16 with AVX-512, 8 with AVX2, none elsewhere. It is
 * found once per process by running a probe convolution both ways ({@link #blockSize()}), so a
 * wrong guess can never reach a real graph. Models on disk stay plain ONNX; only the session sees
 * the rewrite. {@code -Dmcl.ort.nchwc=0} turns it off (a measurement switch).
 */
public final class NchwcLowering {
    static final String DOMAIN = "com.microsoft.nchwc";
    private static volatile Integer block;

    private NchwcLowering() { }

    /** The model as the CPU session should run it: rewritten where this CPU has blocked kernels. */
    public static byte[] forCpu(byte[] model) {
        int b = blockSize();
        if (b == 0) return model;
        try {
            ModelProto m = ModelProto.parseFrom(model);
            ModelProto lowered = lower(m, b);
            return lowered == m ? model : lowered.toByteArray();
        } catch (InvalidProtocolBufferException e) {
            return model; // not ours to judge: ORT reports what is wrong with it
        }
    }

    /** MLAS's NCHWc block on this CPU, or 0 where the blocked kernels are absent or switched off. */
    public static int blockSize() {
        Integer b = block;
        if (b == null) {
            synchronized (NchwcLowering.class) {
                if (block == null) block = "0".equals(System.getProperty("mcl.ort.nchwc")) ? 0 : probe();
                b = block;
            }
        }
        return b;
    }

    /**
     * Rewrites every Conv with a non-constant weight that the blocked kernels take (one group,
     * output channels a multiple of the block, input channels a multiple of it or fewer than it,
     * more than one tap, sides up to {@link #MAX_KERNEL}).
     * Returns {@code m} itself when there is none.
     */
    static ModelProto lower(ModelProto m, int block) {
        GraphProto g = m.getGraph();
        Map<String, List<Long>> shapes = new HashMap<>();
        for (ValueInfoProto v : g.getInputList()) shapes.put(v.getName(), dims(v));
        for (ValueInfoProto v : g.getValueInfoList()) shapes.put(v.getName(), dims(v));
        for (TensorProto t : g.getInitializerList()) shapes.remove(t.getName()); // ORT reorders constants itself

        GraphProto.Builder out = g.toBuilder().clearNode();
        Map<String, String> reordered = new HashMap<>();
        Map<List<Long>, String> shapeConstants = new HashMap<>();
        boolean changed = false;
        for (NodeProto n : g.getNodeList()) {
            List<Long> w = n.getOpType().equals("Conv") && n.getDomain().isEmpty() && n.getInputCount() >= 2 ? shapes.get(n.getInput(1)) : null;
            if (w == null || !takes(n, w, block)) {
                out.addNode(n);
                continue;
            }
            changed = true;
            long o = w.get(0);
            long c = w.get(1);
            boolean nchwInput = c < block;
            String wr = reordered.get(n.getInput(1));
            if (wr == null) {
                wr = "nchwc/" + n.getInput(1);
                reorderWeight(out, shapeConstants, n.getInput(1), wr, w, block);
                reordered.put(n.getInput(1), wr);
            }
            String x = n.getInput(0);
            if (!nchwInput) {
                String xr = "nchwc/" + n.getOutput(0) + "/input";
                out.addNode(NodeProto.newBuilder().setOpType("ReorderInput").setDomain(DOMAIN).setName(n.getName() + "/ReorderInput")
                        .addInput(x).addOutput(xr).addAttribute(intAttr("channels_last", 0)));
                x = xr;
            }
            String yc = "nchwc/" + n.getOutput(0);
            NodeProto.Builder conv = NodeProto.newBuilder().setOpType("Conv").setDomain(DOMAIN).setName(n.getName())
                    .addInput(x).addInput(wr).addOutput(yc).addAllAttribute(n.getAttributeList());
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) conv.addInput(n.getInput(2));
            out.addNode(conv);
            out.addNode(NodeProto.newBuilder().setOpType("ReorderOutput").setDomain(DOMAIN).setName(n.getName() + "/ReorderOutput")
                    .addInput(yc).addOutput(n.getOutput(0)).addAttribute(intAttr("channels", o)).addAttribute(intAttr("channels_last", 0)));
        }
        if (!changed) return m;
        ModelProto.Builder mb = m.toBuilder().setGraph(out);
        if (mb.getOpsetImportList().stream().noneMatch(o -> o.getDomain().equals(DOMAIN))) {
            mb.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(DOMAIN).setVersion(1));
        }
        return mb.build();
    }

    /**
     * Largest kernel side rewritten. The blocked kernels are direct convolutions made for network
     * kernels; the stem's weight gradient is a conv whose kernel is the whole output gradient
     * (112x112 on r50), and on them it ran 5x slower than im2col (100 vs 20 ms per view).
     */
    static final long MAX_KERNEL = 7;

    private static boolean takes(NodeProto n, List<Long> w, int block) {
        if (w.size() != 4 || w.get(2) > MAX_KERNEL || w.get(3) > MAX_KERNEL) return false;
        if (w.get(2) * w.get(3) == 1) return false; // a 1x1 conv is one GEMM already: the reorders only add (tiny's laterals 0.26 -> 0.46 ms)
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("group") && a.getI() != 1) return false;
            if (a.getName().equals("auto_pad") && !a.getS().toStringUtf8().equals("NOTSET")) return false;
        }
        long o = w.get(0);
        long c = w.get(1);
        return o % block == 0 && (c % block == 0 || c < block);
    }

    /**
     * MLAS's filter layouts, kept in the weight's declared shape [O, C, kh, kw]: with blocked input,
     * [O/b, C/b, kh, kw, b(in), b(out)]; with plain NCHW input (C &lt; b), [O/b, C, kh, kw, b(out)].
     * The blocked one is two transposes that ORT has fast paths for (one axis moved innermost,
     * then a batched 2-D swap) with a Reshape between them so its optimiser does not merge them
     * back into the general 5-D permutation: 0.41 against 1.55 ms for a 256x256x3x3 weight.
     */
    private static void reorderWeight(GraphProto.Builder g, Map<List<Long>, String> constants, String w, String out, List<Long> s, int b) {
        long o = s.get(0);
        long c = s.get(1);
        long k = s.get(2) * s.get(3);
        String prefix = out + "/";
        if (c < b) {
            String split = reshape(g, constants, w, prefix + "split", List.of(o / b, (long) b, c, k));
            String t = transpose(g, split, prefix + "blocked", 0, 2, 3, 1);
            reshape(g, constants, t, out, s);
            return;
        }
        String split = reshape(g, constants, w, prefix + "split", List.of(o / b, (long) b, c / b, (long) b, k));
        String outInner = transpose(g, split, prefix + "out_inner", 0, 2, 3, 4, 1); // [O/b, C/b, b(in), k, b(out)]
        String batched = reshape(g, constants, outInner, prefix + "batched", List.of(o / b * (c / b), (long) b, k, (long) b));
        String t = transpose(g, batched, prefix + "blocked", 0, 2, 1, 3); // [O/b * C/b, k, b(in), b(out)]
        reshape(g, constants, t, out, s);
    }

    private static String reshape(GraphProto.Builder g, Map<List<Long>, String> constants, String in, String out, List<Long> shape) {
        g.addNode(NodeProto.newBuilder().setOpType("Reshape").setName(out + "/Reshape").addInput(in).addInput(shapeConstant(g, constants, shape)).addOutput(out));
        return out;
    }

    private static String transpose(GraphProto.Builder g, String in, String out, long... perm) {
        AttributeProto.Builder p = AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS);
        for (long v : perm) p.addInts(v);
        g.addNode(NodeProto.newBuilder().setOpType("Transpose").setName(out + "/Transpose").addInput(in).addOutput(out).addAttribute(p));
        return out;
    }

    private static String shapeConstant(GraphProto.Builder g, Map<List<Long>, String> constants, List<Long> shape) {
        return constants.computeIfAbsent(shape, s -> {
            String name = "nchwc/shape" + constants.size();
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(DType.INT64.onnxCode).addDims(s.size());
            t.addAllInt64Data(s);
            g.addInitializer(t);
            return name;
        });
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static List<Long> dims(ValueInfoProto v) {
        if (!v.getType().hasTensorType()) return null;
        List<Long> d = new ArrayList<>();
        for (var dim : v.getType().getTensorType().getShape().getDimList()) {
            if (!dim.hasDimValue()) return null;
            d.add(dim.getDimValue());
        }
        return d;
    }

    /**
     * Tries block 16 then 8 on two probe convolutions (blocked input, and 3-channel NCHW input with
     * stride 2) against ORT's plain Conv; the first that matches is this CPU's block.
     */
    private static int probe() {
        ModelProto plain = probeModel();
        try {
            float[][] want = run(plain);
            for (int b : new int[] {16, 8}) {
                try {
                    if (close(want, run(lower(plain, b)))) return b;
                } catch (OrtException | RuntimeException e) {
                    // no blocked kernels for this block here: try the next
                }
            }
        } catch (OrtException e) {
            return 0;
        }
        return 0;
    }

    private static ModelProto probeModel() {
        Graph g = new Graph("nchwc_probe");
        Tensor x = g.input("x", DType.FLOAT, 2, 32, 5, 5);
        Tensor w = g.input("w", DType.FLOAT, 16, 32, 3, 3);
        g.output("y", ConvPool.conv(x, w, null, 1, 1, 1));
        Tensor x3 = g.input("x3", DType.FLOAT, 2, 3, 9, 9);
        Tensor w3 = g.input("w3", DType.FLOAT, 32, 3, 3, 3);
        g.output("y3", ConvPool.conv(x3, w3, null, 2, 1, 1));
        return OnnxExport.toModel(g);
    }

    private static float[][] run(ModelProto m) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(m.toByteArray(), o)) {
                Map<String, OnnxTensor> in = new HashMap<>();
                Random r = new Random(7);
                try {
                    for (ValueInfoProto v : m.getGraph().getInputList()) {
                        List<Long> d = dims(v);
                        long[] shape = d.stream().mapToLong(Long::longValue).toArray();
                        float[] a = new float[(int) d.stream().reduce(1L, (p, q) -> p * q).longValue()];
                        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
                        in.put(v.getName(), OnnxTensor.createTensor(env, FloatBuffer.wrap(a), shape));
                    }
                    try (OrtSession.Result res = s.run(in)) {
                        float[][] out = new float[2][];
                        out[0] = GraphSession.floats(res, "y");
                        out[1] = GraphSession.floats(res, "y3");
                        return out;
                    }
                } finally {
                    in.values().forEach(OnnxTensor::close);
                }
            }
        }
    }

    private static boolean close(float[][] a, float[][] b) {
        for (int k = 0; k < a.length; k++) {
            if (a[k].length != b[k].length) return false;
            for (int i = 0; i < a[k].length; i++) if (Math.abs(a[k][i] - b[k][i]) > 1e-3f * (1 + Math.abs(a[k][i]))) return false;
        }
        return true;
    }
}
