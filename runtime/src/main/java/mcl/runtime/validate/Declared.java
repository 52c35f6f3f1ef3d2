package mcl.runtime.validate;

import java.util.ArrayList;
import java.util.List;
import mcl.graph.DType;
import mcl.onnx.OnnxProto.TensorShapeProto;
import mcl.onnx.OnnxProto.ValueInfoProto;

/**
 * A graph input or output as the model declares it: element type and dims, each a size or a
 * symbolic name (null size).
 */
record Declared(String name, int elemType, List<Long> sizes, List<String> symbols, boolean shaped) {
    static Declared of(ValueInfoProto v) {
        List<Long> sizes = new ArrayList<>();
        List<String> symbols = new ArrayList<>();
        var tt = v.getType().getTensorType();
        for (TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
            sizes.add(d.hasDimValue() ? d.getDimValue() : null);
            symbols.add(d.hasDimParam() ? d.getDimParam() : null);
        }
        return new Declared(v.getName(), tt.getElemType(), sizes, symbols, tt.hasShape());
    }

    int rank() { return sizes.size(); }

    /** "float[batch,3,64,64]". */
    String describe() {
        StringBuilder b = new StringBuilder(typeName(elemType)).append('[');
        for (int i = 0; i < rank(); i++) {
            if (i > 0) b.append(',');
            b.append(sizes.get(i) != null ? sizes.get(i).toString() : symbols.get(i) != null ? symbols.get(i) : "?");
        }
        return b.append(']').toString();
    }

    static String typeName(int onnxCode) {
        for (DType d : DType.values()) {
            if (d.onnxCode == onnxCode) return d.shortName();
        }
        return "type" + onnxCode;
    }
}
