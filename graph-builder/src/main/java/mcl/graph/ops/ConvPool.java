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

    /**
     * Maps at most this many pixels (H x W) are convolved as one dense product ({@link #convDense})
     * by training graphs. ORT's CPU Conv runs one matrix product per image, [O, C*k*k] x [C*k*k, H*W]:
     * at 2x2 those products have 4 columns and ran at a fraction of the GEMM rate (BENCHMARKS.md).
     * -Dmcl.conv.denseMaxPixels=N changes the limit (0: never), a measurement switch.
     */
    public static final long DENSE_MAX_PIXELS = Long.getLong("mcl.conv.denseMaxPixels", 4);

    /** The largest dense matrix (C*H*W x O*H*W entries, 4 MiB of floats); larger ones were not measured. */
    static final long DENSE_MAX_ENTRIES = 1 << 20;

    /**
     * Whether a stride-1, same-size k x k conv (k > 1) from x to {@code outChannels} is cheaper as
     * one dense product (see {@link #DENSE_MAX_PIXELS}).
     */
    public static boolean runsDense(Tensor x, long outChannels, int k, int stride, int pad) {
        if (k == 1 || stride != 1 || 2 * pad != k - 1 || x.rank() != 4) return false;
        long hw = x.dim(2) * x.dim(3);
        return hw <= DENSE_MAX_PIXELS && x.dim(1) * hw * outChannels * hw <= DENSE_MAX_ENTRIES;
    }

    /**
     * The same values as {@code conv(x, w, null, 1, pad, 1)} for a same-size conv on a map of a few
     * pixels, as the linear map it is: x [N, C*H*W] . M [C*H*W, O*H*W], where M joins input pixel
     * (a, b) to output pixel (i, j) by the kernel tap w[o, c, a-i+pad, b-j+pad] (0 where the tap
     * falls outside the kernel). M is spread from w by a product with a constant 0/1 matrix
     * [k*k, HW*HW] (exact: each entry is one tap times 1), so the gradient gathers dM back into dW
     * with the transposed product. At 2x2 with a 3x3 kernel every pixel pair has a tap: the dense
     * product does no more work than the conv, in one large matrix product instead of one per image.
     */
    public static Tensor convDense(Tensor x, Tensor w, int pad) {
        long n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), o = w.dim(0), k = w.dim(2);
        if (w.dim(3) != k || k != 2L * pad + 1 || w.dim(1) != c) throw Check.fail(Op.CONV, "the dense form needs a same-size conv (kernel 2 pad + 1)", x, w);
        int hw = Math.toIntExact(h * wd);
        int taps = Math.toIntExact(k * k);
        float[] spread = new float[taps * hw * hw]; // [tap, input pixel, output pixel]
        for (int a = 0; a < hw; a++) {
            for (int i = 0; i < hw; i++) {
                long u = a / wd - i / wd + pad, v = a % wd - i % wd + pad;
                if (u >= 0 && u < k && v >= 0 && v < k) spread[(int) ((u * k + v) * hw + a) * hw + i] = 1f;
            }
        }
        Tensor m = Linalg.matmul(Movement.reshape(w, o * c, taps), x.graph().constant(spread, taps, (long) hw * hw)); // [(o, c), (a, i)]
        m = Movement.reshape(Movement.transpose(Movement.reshape(m, o, c, hw, hw), 1, 2, 0, 3), c * hw, o * hw);
        return Movement.reshape(Linalg.matmul(Movement.reshape(x, n, c * hw), m), n, o, h, wd);
    }

    public record ConvTransposeAttrs(int kh, int kw, int stride, int pad, int outputPadding) implements Attrs {
        public void writeTo(NodeProto.Builder n) {
            n.addAttribute(Attrs.ints("kernel_shape", kh, kw));
            n.addAttribute(Attrs.ints("strides", stride, stride));
            n.addAttribute(Attrs.ints("pads", pad, pad, pad, pad));
            if (outputPadding != 0) n.addAttribute(Attrs.ints("output_padding", outputPadding, outputPadding));
        }
    }

    /**
     * Transposed convolution: dy [N,O,Ho,Wo], w [O,C,kh,kw] -> [N,C,outH,outW], where (outH, outW)
     * is the forward conv's input size. The rows a strided forward conv dropped at the end come back
     * as output_padding (explicit, unlike output_shape, whose padding split is implementation-defined).
     */
    public static Tensor convTranspose(Tensor dy, Tensor w, int stride, int pad, long outH, long outW) {
        Check.rank(Op.CONV_TRANSPOSE, dy, 4, dy, w);
        Check.rank(Op.CONV_TRANSPOSE, w, 4, dy, w);
        Check.sameDtype(Op.CONV_TRANSPOSE, dy, w);
        if (dy.dim(1) != w.dim(0)) throw Check.fail(Op.CONV_TRANSPOSE, "channels " + dy.dim(1) + " != kernel's " + w.dim(0), dy, w);
        if (w.dim(2) != w.dim(3)) throw Check.fail(Op.CONV_TRANSPOSE, "square kernels only", dy, w);
        long full = (dy.dim(2) - 1) * stride + w.dim(2) - 2L * pad;
        long extra = outH - full;
        if (extra < 0 || extra >= stride || outW - ((dy.dim(3) - 1) * stride + w.dim(3) - 2L * pad) != extra) {
            throw Check.fail(Op.CONV_TRANSPOSE, "output size " + outH + "x" + outW + " is not reachable with stride " + stride + ", pad " + pad, dy, w);
        }
        var a = new ConvTransposeAttrs((int) w.dim(2), (int) w.dim(3), stride, pad, (int) extra);
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

    // ---- gradients ------------------------------------------------------------------------

    /** Gradient rules of conv and pooling; each hard case is a named helper below. */
    public static List<Tensor> backward(Node n, Tensor gy) {
        Tensor x = n.inputs().get(0);
        return switch (n.op()) {
            case CONV -> {
                if (!(n.attrs() instanceof ConvAttrs a)) throw new IllegalArgumentException("no gradient for the grouped conv '" + n.name() + "' (backward passes emit it; no second derivatives)");
                if (a.dilation() != 1) throw new IllegalArgumentException("Conv gradient supports dilation 1 only");
                Tensor w = n.inputs().get(1);
                List<Tensor> g = new ArrayList<>(List.of(convInputGrad(gy, w, x, a), convWeightGrad(gy, x, w, a)));
                if (n.inputs().size() == 3) g.add(Reduce.sum(gy, false, 0, 2, 3));
                yield g;
            }
            case MAX_POOL -> List.of(maxPoolInputGrad(gy, x, n.output(1)));
            case AVERAGE_POOL -> {
                PoolAttrs a = n.attrs(PoolAttrs.class);
                if (a.k() != a.stride() || a.pad() != 0 || x.dim(2) % a.k() != 0 || x.dim(3) % a.k() != 0) {
                    throw new IllegalArgumentException("AveragePool gradient supports whole non-overlapping windows only");
                }
                yield List.of(Elementwise.scale(Movement.upsampleNearest(gy, a.k()), 1.0 / (a.k() * a.k())));
            }
            case GLOBAL_AVERAGE_POOL -> List.of(Elementwise.scale(Movement.expand(gy, x.shape()), 1.0 / (x.dim(2) * x.dim(3))));
            default -> throw new IllegalArgumentException("no conv/pool gradient for " + n.op());
        };
    }

    /**
     * dL/dX. Stride 1: a plain conv of dY with the spatially flipped, channel-transposed kernel,
     * which ran 2-5x faster than ConvTranspose on ORT CPU. Strided: ConvTranspose.
     */
    static Tensor convInputGrad(Tensor gy, Tensor w, Tensor x, ConvAttrs a) {
        if (a.stride() == 1 && a.kh() == a.kw() && a.pad() <= a.kh() - 1) {
            Tensor wt = Movement.transpose(w, 1, 0, 2, 3);
            if (a.kh() > 1) wt = Movement.flip(wt, 2, 3);
            return conv(gy, wt, null, 1, a.kh() - 1 - a.pad(), 1);
        }
        return convTranspose(gy, w, a.stride(), a.pad(), x.dim(2), x.dim(3));
    }

    /**
     * dL/dW, for layers whose activations outweigh their weights, without moving X or dY to
     * channel-major: per image, dW[:, :, i, j] is the product
     * dY[n] [O, Ho*Wo] . Xs[n]^T [Ho*Wo, C], where Xs is the (padded, strided) window of X seen by
     * offset (i, j); one batched MatMul over the images per offset, then a sum over the images.
     * Kernels with few input channels (the 3-channel stem) would make those products [O, C] with a
     * tiny C, so they gather all windows first ({@link #im2col}) and do one product per image.
     * Measured on ORT CPU against one Gemm per offset over channel-major copies (BENCHMARKS.md).
     */
    static Tensor convWeightGrad(Tensor gy, Tensor x, Tensor w, ConvAttrs a) {
        long n = x.dim(0);
        long o = gy.dim(1);
        long c = x.dim(1);
        long hw = gy.dim(2) * gy.dim(3);
        int taps = a.kh() * a.kw();
        // Per image the products are [O, C] per offset: when those outweigh the image's activations
        // (deep, small-spatial layers), summing them over the images would cost more than moving X
        // and dY to channel-major once and letting one Gemm per offset run over all images.
        if (o * c * taps > c * x.dim(2) * x.dim(3) + o * hw) return convWeightGradChannelMajor(gy, x, w, a);
        if (c <= STEM_MAX_CHANNELS && taps > 1) return convWeightGradAsConv(gy, x, a);
        Tensor g3 = Movement.reshape(gy, n, o, hw);
        if (taps > 1 && c * taps <= IM2COL_MAX_ROWS) {
            Tensor col = Movement.reshape(im2col(x, a, gy.dim(2), gy.dim(3)), n, c * taps, hw); // rows (c, i, j)
            Tensor cw = Reduce.sum(Linalg.matmul(col, Movement.transposeLast2(g3)), false, 0);  // [C*kh*kw, O]
            return Movement.reshape(Movement.transpose(cw, 1, 0), w.shape());
        }
        Tensor xp = a.pad() > 0 ? Movement.pad(x, 0, 0, a.pad(), a.pad(), 0, 0, a.pad(), a.pad()) : x;
        List<Tensor> perTap = new ArrayList<>();
        for (int i = 0; i < a.kh(); i++) {
            for (int j = 0; j < a.kw(); j++) {
                Tensor window = Movement.reshape(window(xp, i, j, a.stride(), gy.dim(2), gy.dim(3)), n, c, hw);
                Tensor tap = Reduce.sum(Linalg.matmul(g3, Movement.transposeLast2(window)), false, 0); // [O, C]
                perTap.add(Movement.reshape(tap, o, c, 1));
            }
        }
        return Movement.reshape(Movement.concat(2, perTap), w.shape());
    }

    /**
     * dL/dW as one Gemm per kernel offset over all images: dW[:, :, i, j] = dY[O, N*Ho*Wo] .
     * Xs[C, N*Ho*Wo]^T, with X and dY transposed to channel-major once, so every window slice is
     * already a [C, N*Ho*Wo] matrix.
     */
    static Tensor convWeightGradChannelMajor(Tensor gy, Tensor x, Tensor w, ConvAttrs a) {
        long o = gy.dim(1);
        long c = x.dim(1);
        long cols = x.dim(0) * gy.dim(2) * gy.dim(3);
        Tensor gMat = Movement.reshape(Movement.transpose(gy, 1, 0, 2, 3), o, cols);
        Tensor xc = Movement.transpose(x, 1, 0, 2, 3);
        if (a.pad() > 0) xc = Movement.pad(xc, 0, 0, a.pad(), a.pad(), 0, 0, a.pad(), a.pad());
        List<Tensor> perTap = new ArrayList<>();
        for (int i = 0; i < a.kh(); i++) {
            for (int j = 0; j < a.kw(); j++) {
                Tensor window = Movement.reshape(window(xc, i, j, a.stride(), gy.dim(2), gy.dim(3)), c, cols);
                perTap.add(Movement.reshape(Linalg.gemm(gMat, window, null, false, true), o, c, 1));
            }
        }
        return Movement.reshape(Movement.concat(2, perTap), w.shape());
    }

    /** Convs reading at most this many channels (the RGB stem) take {@link #convWeightGradAsConv}. */
    static final long STEM_MAX_CHANNELS = 4;

    /**
     * dL/dW as one convolution with the images as channels and the channels as the batch:
     * X^T [C, N, H, W] convolved with dY^T [O, N, Ho, Wo] as the kernel, dilated by the forward
     * stride, is [C, O, k', k'] with dW[o, c, i, j] at (c, o, i, j) (k' > k where the forward stride
     * never reached the last rows: cut off). For the 3-channel stem this does in one product what
     * the grouped one-hot im2col did with a 49x copy of the images (BENCHMARKS.md).
     */
    public static Tensor convWeightGradAsConv(Tensor gy, Tensor x, ConvAttrs a) {
        Tensor r = conv(Movement.transpose(x, 1, 0, 2, 3), Movement.transpose(gy, 1, 0, 2, 3), null, 1, a.pad(), a.stride());
        if (r.dim(2) > a.kh() || r.dim(3) > a.kw()) r = Movement.slice(r, new long[] {0, 0}, new long[] {a.kh(), a.kw()}, new int[] {2, 3}, new long[] {1, 1});
        return Movement.transpose(r, 1, 0, 2, 3);
    }

    /** Above this many im2col rows (C * kh * kw) the windows are not gathered (memory: rows x N*Ho*Wo). */
    static final long IM2COL_MAX_ROWS = 256;

    /** The window of the padded input that kernel offset (i, j) sees: [N, C, ho, wo] (no copy when it is all of xp). */
    private static Tensor window(Tensor xp, int i, int j, int s, long ho, long wo) {
        if (i == 0 && j == 0 && s == 1 && xp.dim(2) == ho && xp.dim(3) == wo) return xp;
        return Movement.slice(xp, new long[] {i, j}, new long[] {i + s * (ho - 1) + 1, j + s * (wo - 1) + 1},
                new int[] {2, 3}, new long[] {s, s});
    }

    /** Grouped convolution attributes, used only by {@link #im2col}. */
    public record GroupedConvAttrs(int kh, int kw, int stride, int pad, int group) implements Attrs {
        public void writeTo(NodeProto.Builder n) {
            n.addAttribute(Attrs.ints("kernel_shape", kh, kw));
            n.addAttribute(Attrs.ints("strides", stride, stride));
            n.addAttribute(Attrs.ints("pads", pad, pad, pad, pad));
            n.addAttribute(Attrs.i("group", group));
        }
    }

    /**
     * Every window of x in one tensor [N, C*kh*kw, ho, wo], channel c*kh*kw + i*kw + j holding the
     * window of offset (i, j) of channel c: a grouped conv (one group per channel) with a one-hot
     * kernel, exact (each output is one input times 1). Emitted by backward passes only; it has no
     * gradient rule of its own (ConvAttrs is what the CONV rule reads).
     */
    static Tensor im2col(Tensor x, ConvAttrs a, long ho, long wo) {
        long c = x.dim(1);
        int taps = a.kh() * a.kw();
        float[] oneHot = new float[Math.toIntExact(c * taps * taps)];
        for (int ch = 0; ch < c; ch++) {
            for (int t = 0; t < taps; t++) oneHot[(ch * taps + t) * taps + t] = 1f;
        }
        Tensor kernel = x.graph().constant(oneHot, c * taps, 1, a.kh(), a.kw());
        return x.graph().node(Op.CONV, List.of(x, kernel), new GroupedConvAttrs(a.kh(), a.kw(), a.stride(), a.pad(), (int) c),
                new Graph.Out(x.dtype(), new long[] {x.dim(0), c * taps, ho, wo})).output(0);
    }

    /** Routes each output gradient to its argmax: ScatterElements(add) with MaxPool's flat indices. */
    static Tensor maxPoolInputGrad(Tensor gy, Tensor x, Tensor indices) {
        Tensor flatZeros = Movement.zerosLike(Movement.reshape(x, x.numel()));
        Tensor scattered = Movement.scatterAdd(flatZeros, Movement.reshape(indices, indices.numel()),
                Movement.reshape(gy, gy.numel()), 0);
        return Movement.reshape(scattered, x.shape());
    }
}
