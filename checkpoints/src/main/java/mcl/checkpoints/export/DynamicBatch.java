package mcl.checkpoints.export;

import java.util.HashSet;
import java.util.Set;
import mcl.onnx.OnnxProto.GraphProto;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.onnx.OnnxProto.NodeProto;
import mcl.onnx.OnnxProto.TensorShapeProto;
import mcl.onnx.OnnxProto.ValueInfoProto;

/**
 * Makes dimension 0 of every graph input and output symbolic, so one exported model serves any
 * batch size. The builder writes static shapes; this is sound only when no node bakes a size
 * into a constant (Reshape, Expand, Resize with "sizes"...), so the ops are checked against an
 * allow-list of batch-agnostic ops first.
 */
public final class DynamicBatch {
    /** Ops whose behaviour does not depend on the batch size being the one the graph was built for. */
    static final Set<String> BATCH_AGNOSTIC = Set.of(
            "Conv", "BatchNormalization", "Relu", "MaxPool", "AveragePool", "Add", "Sub", "Mul", "Div", "Identity", "Resize");

    private DynamicBatch() { }

    public static ModelProto mark(ModelProto m, String dimName) {
        for (NodeProto n : m.getGraph().getNodeList()) {
            if (!BATCH_AGNOSTIC.contains(n.getOpType())) {
                throw new IllegalStateException("cannot make the batch dimension symbolic: node '" + n.getName() + "' (" + n.getOpType()
                        + ") may depend on the static batch size; allowed ops: " + BATCH_AGNOSTIC);
            }
            if (n.getOpType().equals("Resize") && n.getInputCount() > 3 && !n.getInput(3).isEmpty()) {
                throw new IllegalStateException("cannot make the batch dimension symbolic: Resize '" + n.getName() + "' has static 'sizes'");
            }
        }
        GraphProto.Builder g = m.getGraph().toBuilder();
        Set<String> initializers = new HashSet<>();
        g.getInitializerList().forEach(t -> initializers.add(t.getName()));
        for (ValueInfoProto.Builder v : g.getInputBuilderList()) {
            if (!initializers.contains(v.getName())) symbolicBatch(v, dimName);
        }
        for (ValueInfoProto.Builder v : g.getOutputBuilderList()) symbolicBatch(v, dimName);
        g.clearValueInfo(); // any intermediate shapes recorded with the static batch would now be wrong
        return m.toBuilder().setGraph(g).build();
    }

    private static void symbolicBatch(ValueInfoProto.Builder v, String dimName) {
        TensorShapeProto.Builder shape = v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
        if (shape.getDimCount() == 0) throw new IllegalStateException("'" + v.getName() + "' is a scalar; it has no batch dimension");
        shape.getDimBuilder(0).setDimParam(dimName);
    }
}
