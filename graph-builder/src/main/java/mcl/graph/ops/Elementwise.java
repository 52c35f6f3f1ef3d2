package mcl.graph.ops;

import java.util.List;
import mcl.graph.Attrs;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.Op;
import mcl.graph.Shapes;
import mcl.graph.Tensor;

/** Elementwise ops with numpy broadcasting. */
public final class Elementwise {
    private Elementwise() { }

    public static Tensor add(Tensor a, Tensor b) { return binary(Op.ADD, a, b); }

    public static Tensor sub(Tensor a, Tensor b) { return binary(Op.SUB, a, b); }

    public static Tensor mul(Tensor a, Tensor b) { return binary(Op.MUL, a, b); }

    public static Tensor div(Tensor a, Tensor b) { return binary(Op.DIV, a, b); }

    /** Elementwise maximum of two tensors (ONNX Max with two inputs). */
    public static Tensor max(Tensor a, Tensor b) { return binary(Op.MAX, a, b); }

    public static Tensor neg(Tensor x) { return unary(Op.NEG, x); }

    public static Tensor relu(Tensor x) { return unary(Op.RELU, x); }

    public static Tensor sqrt(Tensor x) { return unary(Op.SQRT, x); }

    public static Tensor reciprocal(Tensor x) { return unary(Op.RECIPROCAL, x); }

    public static Tensor exp(Tensor x) { return unary(Op.EXP, x); }

    public static Tensor log(Tensor x) { return unary(Op.LOG, x); }

    public static Tensor identity(Tensor x) { return unary(Op.IDENTITY, x); }

    /** Marks an Identity whose output passes no gradient back (the target side of a loss). */
    public record StopGradient() implements Attrs {
        public void writeTo(mcl.onnx.OnnxProto.NodeProto.Builder n) { }
    }

    /** x, but autodiff sends no gradient through it. */
    public static Tensor stopGradient(Tensor x) {
        return x.graph().node(Op.IDENTITY, List.of(x), new StopGradient(), new Graph.Out(x.dtype(), x.shape())).output(0);
    }

    /** x * c for a scalar constant c of x's type. */
    public static Tensor scale(Tensor x, double c) { return mul(x, x.graph().scalar(c, x.dtype())); }

    /** x + c for a scalar constant c of x's type. */
    public static Tensor addScalar(Tensor x, double c) { return add(x, x.graph().scalar(c, x.dtype())); }

    public static Tensor greater(Tensor a, Tensor b) { return compare(Op.GREATER, a, b); }

    public static Tensor equal(Tensor a, Tensor b) { return compare(Op.EQUAL, a, b); }

    /** cond ? a : b, broadcasting all three. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Check.dtype(Op.WHERE, cond, DType.BOOL, cond, a, b);
        Check.sameDtype(Op.WHERE, a, b);
        long[] s = Shapes.broadcast(cond.shape(), a.shape());
        s = s == null ? null : Shapes.broadcast(s, b.shape());
        if (s == null) throw Check.fail(Op.WHERE, "shapes do not broadcast", cond, a, b);
        return cond.graph().node(Op.WHERE, List.of(cond, a, b), Attrs.NONE, new Graph.Out(a.dtype(), s)).output(0);
    }

    public record CastAttrs(DType to) implements Attrs {
        public void writeTo(mcl.onnx.OnnxProto.NodeProto.Builder n) { n.addAttribute(Attrs.i("to", to.onnxCode)); }
    }

    public static Tensor cast(Tensor x, DType to) {
        return x.graph().node(Op.CAST, List.of(x), new CastAttrs(to), new Graph.Out(to, x.shape())).output(0);
    }

    static Tensor unary(Op op, Tensor x) {
        if (op != Op.IDENTITY) Check.floating(op, x);
        return x.graph().node(op, List.of(x), Attrs.NONE, new Graph.Out(x.dtype(), x.shape())).output(0);
    }

    static Tensor binary(Op op, Tensor a, Tensor b) {
        Check.sameDtype(op, a, b);
        long[] s = Shapes.broadcast(a.shape(), b.shape());
        if (s == null) throw Check.fail(op, "shapes do not broadcast", a, b);
        return a.graph().node(op, List.of(a, b), Attrs.NONE, new Graph.Out(a.dtype(), s)).output(0);
    }

    private static Tensor compare(Op op, Tensor a, Tensor b) {
        Check.sameDtype(op, a, b);
        long[] s = Shapes.broadcast(a.shape(), b.shape());
        if (s == null) throw Check.fail(op, "shapes do not broadcast", a, b);
        return a.graph().node(op, List.of(a, b), Attrs.NONE, new Graph.Out(DType.BOOL, s)).output(0);
    }

    // ---- gradients: one entry per input, null where none flows ------------------------------

    /** Gradient rule of every elementwise op; reads forward outputs instead of recomputing them. */
    public static List<Tensor> backward(mcl.graph.Node n, Tensor gy) {
        List<Tensor> in = n.inputs();
        Tensor out = n.output(0);
        Tensor zero = gy.graph().scalar(0, gy.dtype());
        return switch (n.op()) {
            case ADD -> List.of(gy, gy);
            case SUB -> List.of(gy, neg(gy));
            case MUL -> List.of(mul(gy, in.get(1)), mul(gy, in.get(0)));
            case DIV -> List.of(div(gy, in.get(1)), neg(mul(gy, div(out, in.get(1)))));
            case NEG -> List.of(neg(gy));
            case RELU -> List.of(where(greater(out, zero), gy, zero));
            case SQRT -> List.of(div(scale(gy, 0.5), out));
            case RECIPROCAL -> List.of(neg(mul(gy, mul(out, out))));
            case EXP -> List.of(mul(gy, out));
            case LOG -> List.of(div(gy, in.get(0)));
            // Ties go to the first operand, like torch.clamp_min(x, c) for Max(x, c).
            case MAX -> {
                Tensor secondWins = greater(in.get(1), in.get(0));
                yield List.of(where(secondWins, zero, gy), where(secondWins, gy, zero));
            }
            case WHERE -> java.util.Arrays.asList(null, where(in.get(0), gy, zero), where(in.get(0), zero, gy));
            case IDENTITY -> n.attrs() instanceof StopGradient ? java.util.Collections.singletonList(null) : List.of(gy);
            default -> throw new IllegalArgumentException("no elementwise gradient for " + n.op());
        };
    }
}
