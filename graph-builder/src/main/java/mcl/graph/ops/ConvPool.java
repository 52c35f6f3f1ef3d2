package mcl.graph.ops;

import java.util.ArrayList;
import java.util.List;
import mcl.graph.Attrs;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.Node;
import mcl.graph.Op;
import mcl.graph.Tensor;
import mcl.onnx.OnnxProto.NodeProto;

/** 2-d convolution and pooling on NCHW tensors. */
public final class ConvPool {
    private ConvPool() { }

    /** Conv attributes; pads are symmetric (top=bottom, left=right). */
    public record ConvAttrs(int kh, int kw, int stride, int pad, int dilation) implements Attrs {
        public static ConvAttrs of(int k, int stride, int pad) { return new ConvAttrs(k, k, stride, pad, 1); }

        public void writeTo(NodeProto.Builder n) {
            n.addAttribute(Attrs.ints("kernel_shape", kh, kw));
            n.addAttribute(Attrs.ints("strides", stride, stride));
            n.addAttribute(Attrs.ints("pads", pad, pad, pad, pad));
            n.addAttribute(Attrs.ints("dilations", dilation, dilation));
        }
    }

    public static long outSize(long in, int k, int stride, int pad, int dilation) {
        return (in + 2L * pad - (long) dilation * (k - 1) - 1) / stride + 1;
    }

    /** y = conv(x, w) (+ b): x [N,C,H,W], w [O,C,kh,kw], b [O] or null. */
    public static Tensor conv(Tensor x, Tensor w, Tensor b, int stride, int pad, int dilation) {
        Tensor[] all = b == null ? new Tensor[] {x, w} : new Tensor[] {x, w, b};
        Check.rank(Op.CONV, x, 4, all);
        Check.rank(Op.CONV, w, 4, all);
        Check.sameDtype(Op.CONV, all);
        Check.floating(Op.CONV, all);
        if (x.dim(1) != w.dim(1)) throw Check.fail(Op.CONV, "input has " + x.dim(1) + " channels but the kernel expects " + w.dim(1), all);
        if (b != null && (b.rank() != 1 || b.dim(0) != w.dim(0))) throw Check.fail(Op.CONV, "bias must be [" + w.dim(0) + "]", all);
        ConvAttrs a = new ConvAttrs((int) w.dim(2), (int) w.dim(3), stride, pad, dilation);
        long ho = outSize(x.dim(2), a.kh(), stride, pad, dilation);
        long wo = outSize(x.dim(3), a.kw(), stride, pad, dilation);
        if (ho <= 0 || wo <= 0) throw Check.fail(Op.CONV, "output would be empty", all);
        List<Tensor> in = new ArrayList<>(List.of(x, w));
        if (b != null) in.add(b);
        return x.graph().node(Op.CONV, in, a, new Graph.Out(x.dtype(), new long[] {x.dim(0), w.dim(0), ho, wo})).output(0);
    }

    public record ConvTransposeAttrs(int kh, int kw, int stride, int pad, int dilation, long[] outputShape) implements Attrs {
        public void writeTo(NodeProto.Builder n) {
            n.addAttribute(Attrs.ints("kernel_shape", kh, kw));
            n.addAttribute(Attrs.ints("strides", stride, stride));
            n.addAttribute(Attrs.ints("pads", pad, pad, pad, pad));
            n.addAttribute(Attrs.ints("dilations", dilation, dilation));
            n.addAttribute(Attrs.ints("output_shape", outputShape));
        }
    }

    /**
     * Transposed convolution: dy [N,O,Ho,Wo], w [O,C,kh,kw] -> [N,C,outH,outW]. The explicit output
     * size resolves the ambiguity of strided convs (it is the forward conv's input size).
     */
    public static Tensor convTranspose(Tensor dy, Tensor w, int stride, int pad, int dilation, long outH, long outW) {
        Check.rank(Op.CONV_TRANSPOSE, dy, 4, dy, w);
        Check.rank(Op.CONV_TRANSPOSE, w, 4, dy, w);
        if (dy.dim(1) != w.dim(0)) throw Check.fail(Op.CONV_TRANSPOSE, "channels " + dy.dim(1) + " != kernel's " + w.dim(0), dy, w);
        var a = new ConvTransposeAttrs((int) w.dim(2), (int) w.dim(3), stride, pad, dilation, new long[] {outH, outW});
        return dy.graph().node(Op.CONV_TRANSPOSE, List.of(dy, w), a,
                new Graph.Out(dy.dtype(), new long[] {dy.dim(0), w.dim(1), outH, outW})).output(0);
    }

    public record PoolAttrs(int k, int stride, int pad) implements Attrs {
        public void writeTo(NodeProto.Builder n) {
            n.addAttribute(Attrs.ints("kernel_shape", k, k));
            n.addAttribute(Attrs.ints("strides", stride, stride));
            n.addAttribute(Attrs.ints("pads", pad, pad, pad, pad));
        }
    }

    /** Max pool output and the flat (per-image-plane-independent, ONNX row-major) argmax indices. */
    public record MaxPoolResult(Tensor values, Tensor indices) { }

    public static MaxPoolResult maxPool(Tensor x, int k, int stride, int pad) {
        Check.rank(Op.MAX_POOL, x, 4);
        Check.floating(Op.MAX_POOL, x);
        if (pad * 2 > k) throw Check.fail(Op.MAX_POOL, "pad " + pad + " must be at most half the kernel " + k, x);
        long[] out = {x.dim(0), x.dim(1), outSize(x.dim(2), k, stride, pad, 1), outSize(x.dim(3), k, stride, pad, 1)};
        Node n = x.graph().node(Op.MAX_POOL, List.of(x), new PoolAttrs(k, stride, pad),
                new Graph.Out(x.dtype(), out), new Graph.Out(DType.INT64, out));
        return new MaxPoolResult(n.output(0), n.output(1));
    }

    /** Average pool without padding (every window full), e.g. averaging w x w windows. */
    public static Tensor averagePool(Tensor x, int k, int stride) {
        Check.rank(Op.AVERAGE_POOL, x, 4);
        Check.floating(Op.AVERAGE_POOL, x);
        if (x.dim(2) < k || x.dim(3) < k) throw Check.fail(Op.AVERAGE_POOL, "kernel " + k + " larger than the input", x);
        long[] out = {x.dim(0), x.dim(1), outSize(x.dim(2), k, stride, 0, 1), outSize(x.dim(3), k, stride, 0, 1)};
        return x.graph().node(Op.AVERAGE_POOL, List.of(x), new PoolAttrs(k, stride, 0), new Graph.Out(x.dtype(), out)).output(0);
    }

    /** [N,C,H,W] -> [N,C,1,1]. */
    public static Tensor globalAveragePool(Tensor x) {
        Check.rank(Op.GLOBAL_AVERAGE_POOL, x, 4);
        Check.floating(Op.GLOBAL_AVERAGE_POOL, x);
        return x.graph().node(Op.GLOBAL_AVERAGE_POOL, List.of(x), Attrs.NONE,
                new Graph.Out(x.dtype(), new long[] {x.dim(0), x.dim(1), 1, 1})).output(0);
    }
}
