package mcl.graph;

import mcl.onnx.OnnxProto.AttributeProto;
import mcl.onnx.OnnxProto.NodeProto;

/**
 * Typed attributes of one op. Each op family declares records that implement this; the record's
 * defaults mirror the ONNX schema. {@link #NONE} is for ops without attributes.
 */
public interface Attrs {
    Attrs NONE = node -> { };

    /** Writes the attributes onto the ONNX node. */
    void writeTo(NodeProto.Builder node);

    static AttributeProto ints(String name, long... values) {
        var b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) b.addInts(v);
        return b.build();
    }

    static AttributeProto ints(String name, int... values) {
        var b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (int v : values) b.addInts(v);
        return b.build();
    }

    static AttributeProto i(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto f(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto s(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(value)).build();
    }
}
