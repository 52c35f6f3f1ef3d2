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
}
