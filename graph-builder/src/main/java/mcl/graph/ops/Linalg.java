package mcl.graph.ops;

import java.util.ArrayList;
import java.util.List;
import mcl.graph.Attrs;
import mcl.graph.Graph;
import mcl.graph.Op;
import mcl.graph.Shapes;
import mcl.graph.Tensor;
import mcl.onnx.OnnxProto.NodeProto;

/** Matrix products. */
public final class Linalg {
    private Linalg() { }

    /** Numpy matmul for operands of rank >= 2 (batch dims broadcast). */
    public static Tensor matmul(Tensor a, Tensor b) {
        Check.sameDtype(Op.MATMUL, a, b);
        Check.floating(Op.MATMUL, a, b);
        if (a.rank() < 2 || b.rank() < 2) throw Check.fail(Op.MATMUL, "operands must have rank >= 2", a, b);
        if (a.dim(-1) != b.dim(-2)) throw Check.fail(Op.MATMUL, "inner dimensions " + a.dim(-1) + " and " + b.dim(-2) + " differ", a, b);
        long[] ba = java.util.Arrays.copyOf(a.shape(), a.rank() - 2);
        long[] bb = java.util.Arrays.copyOf(b.shape(), b.rank() - 2);
        long[] batch = Shapes.broadcast(ba, bb);
        if (batch == null) throw Check.fail(Op.MATMUL, "batch dimensions do not broadcast", a, b);
        long[] out = Shapes.concat(batch, a.dim(-2), b.dim(-1));
        return a.graph().node(Op.MATMUL, List.of(a, b), Attrs.NONE, new Graph.Out(a.dtype(), out)).output(0);
    }

    public record GemmAttrs(boolean transA, boolean transB, float alpha, float beta) implements Attrs {
        public void writeTo(NodeProto.Builder n) {
            if (transA) n.addAttribute(Attrs.i("transA", 1));
            if (transB) n.addAttribute(Attrs.i("transB", 1));
            if (alpha != 1f) n.addAttribute(Attrs.f("alpha", alpha));
            if (beta != 1f) n.addAttribute(Attrs.f("beta", beta));
        }
    }

    /** alpha * op(A) @ op(B) + beta * C, with A, B rank 2 and C (optional, may be null) broadcast to [M, N]. */
    public static Tensor gemm(Tensor a, Tensor b, Tensor c, boolean transA, boolean transB) {
        Check.rank(Op.GEMM, a, 2, a, b);
        Check.rank(Op.GEMM, b, 2, a, b);
        Check.sameDtype(Op.GEMM, a, b);
        long m = transA ? a.dim(1) : a.dim(0);
        long ka = transA ? a.dim(0) : a.dim(1);
        long kb = transB ? b.dim(1) : b.dim(0);
        long n = transB ? b.dim(0) : b.dim(1);
        if (ka != kb) throw Check.fail(Op.GEMM, "inner dimensions " + ka + " and " + kb + " differ", a, b);
        List<Tensor> in = new ArrayList<>(List.of(a, b));
        if (c != null) {
            long[] s = Shapes.broadcast(c.shape(), new long[] {m, n});
            if (s == null || s.length != 2 || s[0] != m || s[1] != n) {
                throw Check.fail(Op.GEMM, "C does not broadcast to [" + m + "," + n + "]", a, b, c);
            }
            in.add(c);
        }
        return a.graph().node(Op.GEMM, in, new GemmAttrs(transA, transB, 1f, 1f), new Graph.Out(a.dtype(), new long[] {m, n})).output(0);
    }

    /** Gradients of MatMul (batched, broadcast dims are summed by the engine) and Gemm. */
    public static List<Tensor> backward(mcl.graph.Node n, Tensor gy) {
        Tensor a = n.inputs().get(0);
        Tensor b = n.inputs().get(1);
        if (n.op() == Op.MATMUL) {
            return List.of(matmul(gy, Movement.transposeLast2(b)), matmul(Movement.transposeLast2(a), gy));
        }
        GemmAttrs at = n.attrs(GemmAttrs.class);
        if (at.alpha() != 1f || at.beta() != 1f) throw new IllegalArgumentException("Gemm gradient assumes alpha = beta = 1");
        // Y = op(A) op(B) + C. Each product is one Gemm with transpose flags, never an explicit Transpose.
        Tensor da = at.transA() ? gemm(b, gy, null, at.transB(), true) : gemm(gy, b, null, false, !at.transB());
        Tensor db = at.transB() ? gemm(gy, a, null, true, at.transA()) : gemm(a, gy, null, !at.transA(), false);
        List<Tensor> out = new ArrayList<>(List.of(da, db));
        if (n.inputs().size() == 3) out.add(gy);
        return out;
    }
}
