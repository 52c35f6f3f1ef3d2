package mcl.graph.ops;

import java.util.List;
import mcl.graph.Attrs;
import mcl.graph.Graph;
import mcl.graph.Op;
import mcl.graph.Tensor;
import mcl.onnx.OnnxProto.NodeProto;

/** Fused inference batch norm and the softmax family. */
public final class Norm {
    private Norm() { }

    public record BatchNormAttrs(float epsilon) implements Attrs {
        public void writeTo(NodeProto.Builder n) { n.addAttribute(Attrs.f("epsilon", epsilon)); }
    }

    /** Inference-mode batch norm with running statistics: x [N,C,...], the rest [C]. */
    public static Tensor batchNormInference(Tensor x, Tensor scale, Tensor bias, Tensor mean, Tensor var, float eps) {
        Tensor[] all = {x, scale, bias, mean, var};
        if (x.rank() < 2) throw Check.fail(Op.BATCH_NORM, "input must have rank >= 2", all);
        Check.sameDtype(Op.BATCH_NORM, all);
        for (int i = 1; i < all.length; i++) {
            if (all[i].rank() != 1 || all[i].dim(0) != x.dim(1)) throw Check.fail(Op.BATCH_NORM, "per-channel inputs must be [" + x.dim(1) + "]", all);
        }
        return x.graph().node(Op.BATCH_NORM, List.of(all), new BatchNormAttrs(eps), new Graph.Out(x.dtype(), x.shape())).output(0);
    }

    public static Tensor softmax(Tensor x, int axis) { return softmaxLike(Op.SOFTMAX, x, axis); }

    public static Tensor logSoftmax(Tensor x, int axis) { return softmaxLike(Op.LOG_SOFTMAX, x, axis); }

    private static Tensor softmaxLike(Op op, Tensor x, int axis) {
        Check.floating(op, x);
        int a = Check.normAxes(op, new int[] {axis}, x.rank(), x)[0];
        return x.graph().node(op, List.of(x), new Movement.AxisAttrs(a), new Graph.Out(x.dtype(), x.shape())).output(0);
    }

    // ---- gradients ------------------------------------------------------------------------

    public static List<Tensor> backward(mcl.graph.Node n, Tensor gy) {
        Tensor y = n.output(0);
        return switch (n.op()) {
            case SOFTMAX -> {
                int axis = n.attrs(Movement.AxisAttrs.class).axis();
                Tensor dot = Reduce.sum(Elementwise.mul(gy, y), true, axis);
                yield List.of(Elementwise.mul(y, Elementwise.sub(gy, dot)));
            }
            case LOG_SOFTMAX -> {
                int axis = n.attrs(Movement.AxisAttrs.class).axis();
                Tensor total = Reduce.sum(gy, true, axis);
                yield List.of(Elementwise.sub(gy, Elementwise.mul(Elementwise.exp(y), total)));
            }
            case BATCH_NORM -> batchNormInferenceGrad(n, gy);
            default -> throw new IllegalArgumentException("no norm gradient for " + n.op());
        };
    }

    /** Inference-mode BN is affine per channel: running statistics are constants (no gradient). */
    private static List<Tensor> batchNormInferenceGrad(mcl.graph.Node n, Tensor gy) {
        List<Tensor> in = n.inputs();
        Tensor x = in.get(0);
        long c = x.dim(1);
        long[] bshape = new long[x.rank()];
        java.util.Arrays.fill(bshape, 1);
        bshape[1] = c;
        int[] axes = new int[x.rank() - 1];
        for (int i = 0, j = 0; i < x.rank(); i++) if (i != 1) axes[j++] = i;
        float eps = n.attrs(BatchNormAttrs.class).epsilon();
        Tensor invStd = Elementwise.reciprocal(Elementwise.sqrt(Elementwise.addScalar(in.get(4), eps)));
        Tensor xhat = Elementwise.mul(Elementwise.sub(x, Movement.reshape(in.get(3), bshape)), Movement.reshape(invStd, bshape));
        Tensor dx = Elementwise.mul(gy, Movement.reshape(Elementwise.mul(in.get(1), invStd), bshape));
        Tensor dScale = Reduce.sum(Elementwise.mul(gy, xhat), false, axes);
        Tensor dBias = Reduce.sum(gy, false, axes);
        return java.util.Arrays.asList(dx, dScale, dBias, null, null);
    }
}
