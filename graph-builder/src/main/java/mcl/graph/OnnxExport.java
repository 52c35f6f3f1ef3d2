package mcl.graph;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mcl.onnx.OnnxProto.GraphProto;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.onnx.OnnxProto.NodeProto;
import mcl.onnx.OnnxProto.OperatorSetIdProto;
import mcl.onnx.OnnxProto.TensorProto;
import mcl.onnx.OnnxProto.TensorShapeProto;
import mcl.onnx.OnnxProto.TypeProto;
import mcl.onnx.OnnxProto.ValueInfoProto;

/**
 * Writes a {@link Graph} as an ONNX model (IR 8, opset {@link Graph#OPSET}, default domain).
 * Parameters read by some node become graph inputs, or initializers when a value is given in
 * {@code embedded} (inference/export graphs).
 */
public final class OnnxExport {
    public static final long IR_VERSION = 8;

    private OnnxExport() { }

    /** Params are inputs (the training layout: the runtime owns and feeds the weights). */
    public static ModelProto toModel(Graph g) {
        return toModel(g, Map.of());
    }

    public static ModelProto toModel(Graph g, Map<String, float[]> embedded) {
        List<Node> live = liveNodes(g);
        Set<Tensor> read = new java.util.HashSet<>();
        for (Node n : live) read.addAll(n.inputs());
        GraphProto.Builder gp = GraphProto.newBuilder().setName(g.name());
        for (Tensor t : g.inputs()) gp.addInput(valueInfo(t));
        for (Param p : usedParams(g)) {
            if (!read.contains(p.tensor())) continue;
            float[] v = embedded.get(p.name());
            if (v == null) {
                gp.addInput(valueInfo(p.tensor()));
            } else {
                if (v.length != p.numel()) throw new IllegalArgumentException("value for " + p.name() + " has " + v.length + " elements, shape needs " + p.numel());
                gp.addInitializer(tensorProto(p.name(), DType.FLOAT, p.shape(), v));
            }
        }
        for (Graph.Constant c : g.constants()) {
            if (!read.contains(c.tensor())) continue;
            gp.addInitializer(tensorProto(c.tensor().name(), c.tensor().dtype(), c.tensor().shape(), c.data()));
        }
        Names names = Names.withoutIdentities(g, live);
        Set<Tensor> used = new java.util.HashSet<>(g.outputs().values());
        for (Node n : live) for (Tensor t : n.inputs()) if (t != null) used.add(names.root(t)); // dropped Identities pass theirs on
        for (Node n : live) if (!names.skipped(n)) gp.addNode(nodeProto(n, names, used));
        for (Tensor t : g.outputs().values()) gp.addOutput(valueInfo(t));
        declareConvWeights(gp, live, names);
        boolean collective = live.stream().anyMatch(n -> n.op() == Op.ALL_REDUCE_SUM);
        if (collective) {
            // The stage splitter declares the values that cross a collective point, so it needs every shape.
            Set<String> declared = new java.util.HashSet<>();
            gp.getInputList().forEach(v -> declared.add(v.getName()));
            gp.getOutputList().forEach(v -> declared.add(v.getName()));
            gp.getValueInfoList().forEach(v -> declared.add(v.getName()));
            for (Node n : live) {
                if (names.skipped(n)) continue;
                for (Tensor t : n.outputs()) {
                    String name = names.of(t);
                    if (used.contains(t) && declared.add(name)) gp.addValueInfo(valueInfo(t).toBuilder().setName(name));
                }
            }
        }
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("mcl")
                .setProducerVersion("0.1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(Graph.OPSET));
        if (collective) m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(Op.ALL_REDUCE_SUM.domain).setVersion(1));
        return m.setGraph(gp).build();
    }

    /**
     * Declares the shape of every Conv weight that is computed in the graph (the flipped kernels of
     * input gradients), so a runtime can rewrite convolutions from the model alone: ORT's blocked
     * (NCHWc) kernels need the weight's channel counts before the first run.
     */
    private static void declareConvWeights(GraphProto.Builder gp, List<Node> live, Names names) {
        Set<String> declared = new java.util.HashSet<>();
        gp.getInputList().forEach(v -> declared.add(v.getName()));
        gp.getOutputList().forEach(v -> declared.add(v.getName()));
        gp.getInitializerList().forEach(t -> declared.add(t.getName()));
        for (Node n : live) {
            if (n.op() != Op.CONV || names.skipped(n)) continue;
            Tensor w = names.root(n.inputs().get(1));
            String name = names.of(w);
            if (declared.add(name)) gp.addValueInfo(valueInfo(w).toBuilder().setName(name));
        }
    }

    /** Parameters some node that an output depends on reads, in declaration order. */
    public static List<Param> usedParams(Graph g) {
        Set<Tensor> read = new LinkedHashSet<>();
        for (Node n : liveNodes(g)) read.addAll(n.inputs());
        return g.params().stream().filter(p -> read.contains(p.tensor())).toList();
    }

    /**
     * The nodes some output depends on, in creation (topological) order. Gradient rules emit a
     * gradient for every input of a node; the ones nobody reads (e.g. d loss / d images) are
     * dropped here rather than left for the runtime to compute.
     */
    public static List<Node> liveNodes(Graph g) {
        return liveNodes(g, g.outputs().values());
    }

    /** The nodes that {@code from} depend on, in creation order. */
    public static List<Node> liveNodes(Graph g, java.util.Collection<Tensor> from) {
        Set<Node> live = new java.util.HashSet<>();
        java.util.ArrayDeque<Node> stack = new java.util.ArrayDeque<>();
        for (Tensor t : from) if (t.producer() != null) stack.push(t.producer());
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (!live.add(n)) continue;
            for (Tensor t : n.inputs()) if (t != null && t.producer() != null && !live.contains(t.producer())) stack.push(t.producer());
        }
        return g.nodes().stream().filter(live::contains).toList();
    }

    /**
     * The names tensors are written under once Identity nodes are left out: an Identity inside the
     * graph (a stop-gradient mark) is read through, and one that only renames a computed value to
     * a graph output's name is dropped by giving the value that name, so ORT runs no copy for either.
     */
    record Names(Map<Tensor, Tensor> alias, Map<Tensor, String> renamed, Set<Node> dropped) {
        static Names withoutIdentities(Graph g, List<Node> live) {
            Set<Tensor> outputs = new java.util.HashSet<>(g.outputs().values());
            Names names = new Names(new java.util.HashMap<>(), new java.util.HashMap<>(), new java.util.HashSet<>());
            for (Node n : live) {
                if (n.op() != Op.IDENTITY) continue;
                Tensor in = names.root(n.inputs().get(0));
                Tensor out = n.output(0);
                if (!outputs.contains(out)) {
                    names.alias.put(out, in);
                    names.dropped.add(n);
                } else if (in.producer() != null && !outputs.contains(in) && !names.renamed.containsKey(in)) {
                    names.renamed.put(in, out.name());
                    names.dropped.add(n);
                }
            }
            return names;
        }

        Tensor root(Tensor t) {
            Tensor r = t;
            while (alias.containsKey(r)) r = alias.get(r);
            return r;
        }

        String of(Tensor t) {
            Tensor r = root(t);
            return renamed.getOrDefault(r, r.name());
        }

        boolean skipped(Node n) { return dropped.contains(n); }
    }

    /**
     * Trailing outputs after the first that nothing reads are left off (MaxPool's Indices is the
     * case: ORT computes values alone with a much faster kernel than values and indices).
     */
    static NodeProto nodeProto(Node n, Names names, Set<Tensor> used) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(n.op().onnxName).setName(n.name());
        if (!n.op().domain.isEmpty()) b.setDomain(n.op().domain);
        for (Tensor t : n.inputs()) b.addInput(t == null ? "" : names.of(t));
        int last = n.outputs().size() - 1;
        while (last > 0 && !used.contains(n.outputs().get(last))) last--;
        for (Tensor t : n.outputs().subList(0, last + 1)) b.addOutput(names.of(t));
        n.attrs().writeTo(b);
        return b.build();
    }

    static ValueInfoProto valueInfo(Tensor t) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : t.shape()) shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        TypeProto type = TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(t.dtype().onnxCode).setShape(shape))
                .build();
        return ValueInfoProto.newBuilder().setName(t.name()).setType(type).build();
    }

    static TensorProto tensorProto(String name, DType dtype, long[] shape, Object data) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(dtype.onnxCode);
        for (long d : shape) b.addDims(d);
        int n = java.lang.reflect.Array.getLength(data);
        ByteBuffer buf = ByteBuffer.allocate(n * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case FLOAT -> buf.asFloatBuffer().put((float[]) data);
            case DOUBLE -> buf.asDoubleBuffer().put((double[]) data);
            case INT64 -> buf.asLongBuffer().put((long[]) data);
            default -> throw new IllegalArgumentException("no initializer encoding for " + dtype);
        }
        return b.setRawData(ByteString.copyFrom(buf.array())).build();
    }
}
