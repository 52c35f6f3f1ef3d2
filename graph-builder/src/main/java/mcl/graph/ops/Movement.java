package mcl.graph.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mcl.graph.Attrs;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.Op;
import mcl.graph.Shapes;
import mcl.graph.Tensor;
import mcl.onnx.OnnxProto.NodeProto;

/** Ops that move, select or copy elements without arithmetic. */
public final class Movement {
    private Movement() { }

    /** Reshape to a fully static shape (no -1 or 0 placeholders, so every shape is explicit). */
    public static Tensor reshape(Tensor x, long... shape) {
        for (long d : shape) {
            if (d <= 0) throw Check.fail(Op.RESHAPE, "target shape " + Shapes.str(shape) + " must be explicit and positive", x);
        }
        if (Shapes.numel(shape) != x.numel()) {
            throw Check.fail(Op.RESHAPE, "cannot reshape " + x.numel() + " elements to " + Shapes.str(shape), x);
        }
        if (Arrays.equals(shape, x.shape())) return x;
        return x.graph().node(Op.RESHAPE, List.of(x, x.graph().ints(shape)), Attrs.NONE, new Graph.Out(x.dtype(), shape)).output(0);
    }

    /** [N, d1, d2, ...] -> [N, d1*d2*...], like torch.flatten(x, 1). */
    public static Tensor flatten(Tensor x) {
        if (x.rank() < 1) throw Check.fail(Op.RESHAPE, "flatten needs rank >= 1", x);
        return reshape(x, x.dim(0), x.numel() / x.dim(0));
    }

    public record TransposeAttrs(int[] perm) implements Attrs {
        public void writeTo(NodeProto.Builder n) { n.addAttribute(Attrs.ints("perm", perm)); }
    }

    public static Tensor transpose(Tensor x, int... perm) {
        if (perm.length != x.rank()) throw Check.fail(Op.TRANSPOSE, "perm " + Arrays.toString(perm) + " does not match rank " + x.rank(), x);
        int[] p = Check.normAxes(Op.TRANSPOSE, perm, x.rank(), x);
        boolean identity = true;
        long[] out = new long[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = x.dim(p[i]);
            identity &= p[i] == i;
        }
        if (identity) return x;
        return x.graph().node(Op.TRANSPOSE, List.of(x), new TransposeAttrs(p), new Graph.Out(x.dtype(), out)).output(0);
    }

    /** Swaps the last two axes. */
    public static Tensor transposeLast2(Tensor x) {
        int[] perm = new int[x.rank()];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        perm[perm.length - 1] = perm.length - 2;
        perm[perm.length - 2] = perm.length - 1;
        return transpose(x, perm);
    }

    /** Slice along {@code axes}; starts/ends are clamped like ONNX, steps must be positive. */
    public static Tensor slice(Tensor x, long[] starts, long[] ends, int[] axes, long[] steps) {
        if (starts.length != ends.length || starts.length != axes.length || steps.length != axes.length) {
            throw Check.fail(Op.SLICE, "starts, ends, axes and steps must have equal length", x);
        }
        int[] ax = Check.normAxes(Op.SLICE, axes, x.rank(), x);
        long[] out = x.shape();
        for (int i = 0; i < ax.length; i++) {
            long d = x.dim(ax[i]);
            if (steps[i] <= 0) throw Check.fail(Op.SLICE, "steps must be positive, got " + steps[i], x);
            long s = clamp(starts[i] < 0 ? starts[i] + d : starts[i], d);
            long e = clamp(ends[i] < 0 ? ends[i] + d : ends[i], d);
            out[ax[i]] = e <= s ? 0 : (e - s + steps[i] - 1) / steps[i];
            if (out[ax[i]] == 0) throw Check.fail(Op.SLICE, "slice of axis " + ax[i] + " is empty", x);
        }
        Graph g = x.graph();
        long[] axl = Arrays.stream(ax).asLongStream().toArray();
        long[] begin = new long[ax.length];
        for (int i = 0; i < ax.length; i++) begin[i] = clamp(starts[i] < 0 ? starts[i] + x.dim(ax[i]) : starts[i], x.dim(ax[i]));
        return g.node(Op.SLICE, List.of(x, g.ints(starts), g.ints(ends), g.ints(axl), g.ints(steps)),
                new SliceInfo(ax, begin, steps.clone(), false), new Graph.Out(x.dtype(), out)).output(0);
    }

    /**
     * What a Slice selected, resolved at build time (ONNX takes it as inputs, so nothing is written):
     * the first index and the step per axis, or a full reversal of the axes.
     */
    public record SliceInfo(int[] axes, long[] begin, long[] steps, boolean flip) implements Attrs {
        public void writeTo(NodeProto.Builder n) { }
    }

    /** Reverses {@code axes} (a Slice with step -1), e.g. to flip a conv kernel spatially. */
    public static Tensor flip(Tensor x, int... axes) {
        int[] ax = Check.normAxes(Op.SLICE, axes, x.rank(), x);
        long[] starts = new long[ax.length];
        long[] ends = new long[ax.length];
        long[] steps = new long[ax.length];
        java.util.Arrays.fill(starts, -1);
        java.util.Arrays.fill(ends, Long.MIN_VALUE);
        java.util.Arrays.fill(steps, -1);
        Graph g = x.graph();
        long[] axl = Arrays.stream(ax).asLongStream().toArray();
        return g.node(Op.SLICE, List.of(x, g.ints(starts), g.ints(ends), g.ints(axl), g.ints(steps)),
                new SliceInfo(ax, starts, steps, true), new Graph.Out(x.dtype(), x.shape())).output(0);
    }

    /** x[..., start:end, ...] along one axis. */
    public static Tensor slice(Tensor x, int axis, long start, long end) {
        return slice(x, new long[] {start}, new long[] {end}, new int[] {axis}, new long[] {1});
    }

    private static long clamp(long v, long d) { return Math.max(0, Math.min(d, v)); }

    public record AxisAttrs(int axis) implements Attrs {
        public void writeTo(NodeProto.Builder n) { n.addAttribute(Attrs.i("axis", axis)); }
    }

    public static Tensor concat(int axis, List<Tensor> xs) {
        if (xs.isEmpty()) throw new IllegalArgumentException("Concat needs at least one input");
        Tensor[] arr = xs.toArray(new Tensor[0]);
        if (xs.size() == 1) return xs.get(0);
        Check.sameDtype(Op.CONCAT, arr);
        int a = Check.normAxes(Op.CONCAT, new int[] {axis}, arr[0].rank(), arr[0])[0];
        long[] out = arr[0].shape();
        out[a] = 0;
        for (Tensor t : arr) {
            if (t.rank() != out.length) throw Check.fail(Op.CONCAT, "ranks differ", arr);
            for (int i = 0; i < out.length; i++) {
                if (i != a && t.dim(i) != out[i]) throw Check.fail(Op.CONCAT, "dimension " + i + " differs", arr);
            }
            out[a] += t.dim(a);
        }
        return arr[0].graph().node(Op.CONCAT, xs, new AxisAttrs(a), new Graph.Out(arr[0].dtype(), out)).output(0);
    }

    /** Broadcasts x to {@code shape} (numpy rules). */
    public static Tensor expand(Tensor x, long... shape) {
        long[] s = Shapes.broadcast(x.shape(), shape);
        if (s == null || !Arrays.equals(s, shape)) throw Check.fail(Op.EXPAND, "cannot expand to " + Shapes.str(shape), x);
        if (Arrays.equals(x.shape(), shape)) return x;
        return x.graph().node(Op.EXPAND, List.of(x, x.graph().ints(shape)), Attrs.NONE, new Graph.Out(x.dtype(), shape)).output(0);
    }

    /** Zero padding: {@code pads} = [x1_begin, x2_begin, ..., x1_end, x2_end, ...] (non-negative). */
    public static Tensor pad(Tensor x, long... pads) {
        if (pads.length != 2 * x.rank()) throw Check.fail(Op.PAD, "pads must have 2*rank = " + 2 * x.rank() + " entries", x);
        long[] out = x.shape();
        for (int i = 0; i < x.rank(); i++) {
            if (pads[i] < 0 || pads[i + x.rank()] < 0) throw Check.fail(Op.PAD, "negative pads are not offered", x);
            out[i] += pads[i] + pads[i + x.rank()];
        }
        return x.graph().node(Op.PAD, List.of(x, x.graph().ints(pads)), new PadInfo(pads.clone()), new Graph.Out(x.dtype(), out)).output(0);
    }

    /** The pads of a Pad node (an input in ONNX, kept here for the gradient rule). */
    public record PadInfo(long[] pads) implements Attrs {
        public void writeTo(NodeProto.Builder n) { }
    }

    /** out[i][j] = x[i][index[i][j]] along {@code axis} (index int64, same rank as x). */
    public static Tensor gatherElements(Tensor x, Tensor index, int axis) {
        Check.dtype(Op.GATHER_ELEMENTS, index, DType.INT64, x, index);
        if (index.rank() != x.rank()) throw Check.fail(Op.GATHER_ELEMENTS, "index rank must equal data rank", x, index);
        int a = Check.normAxes(Op.GATHER_ELEMENTS, new int[] {axis}, x.rank(), x)[0];
        for (int i = 0; i < x.rank(); i++) {
            if (i != a && index.dim(i) > x.dim(i)) throw Check.fail(Op.GATHER_ELEMENTS, "index dimension " + i + " exceeds data", x, index);
        }
        return x.graph().node(Op.GATHER_ELEMENTS, List.of(x, index), new AxisAttrs(a), new Graph.Out(x.dtype(), index.shape())).output(0);
    }

    public record ScatterAttrs(int axis, String reduction) implements Attrs {
        public void writeTo(NodeProto.Builder n) {
            n.addAttribute(Attrs.i("axis", axis));
            if (!reduction.equals("none")) n.addAttribute(Attrs.s("reduction", reduction));
        }
    }

    /** A copy of {@code data} with {@code updates} added at {@code index} along {@code axis}. */
    public static Tensor scatterAdd(Tensor data, Tensor index, Tensor updates, int axis) {
        Check.dtype(Op.SCATTER_ELEMENTS, index, DType.INT64, data, index, updates);
        Check.sameDtype(Op.SCATTER_ELEMENTS, data, updates);
        if (!Arrays.equals(index.shape(), updates.shape()) || index.rank() != data.rank()) {
            throw Check.fail(Op.SCATTER_ELEMENTS, "index and updates must have one shape and data's rank", data, index, updates);
        }
        int a = Check.normAxes(Op.SCATTER_ELEMENTS, new int[] {axis}, data.rank(), data)[0];
        return data.graph().node(Op.SCATTER_ELEMENTS, List.of(data, index, updates), new ScatterAttrs(a, "add"),
                new Graph.Out(data.dtype(), data.shape())).output(0);
    }

    /** Nearest resize by an integer factor (the scales input carries it in ONNX). */
    public record ResizeAttrs(int factor) implements Attrs {
        public void writeTo(NodeProto.Builder n) {
            n.addAttribute(Attrs.s("mode", "nearest"));
            n.addAttribute(Attrs.s("coordinate_transformation_mode", "asymmetric"));
            n.addAttribute(Attrs.s("nearest_mode", "floor"));
        }
    }

    /**
     * Nearest-neighbour upsampling of an NCHW tensor by an integer factor: out[y][x] = in[y/f][x/f],
     * which is what torch's F.interpolate(mode="nearest") computes for an exact integer ratio.
     */
    public static Tensor upsampleNearest(Tensor x, int factor) {
        Check.rank(Op.RESIZE, x, 4);
        Graph g = x.graph();
        List<Tensor> in = new ArrayList<>();
        in.add(x);
        in.add(null); // roi: unused
        in.add(g.constant(new float[] {1, 1, factor, factor}, 4));
        long[] out = {x.dim(0), x.dim(1), x.dim(2) * factor, x.dim(3) * factor};
        return g.node(Op.RESIZE, in, new ResizeAttrs(factor), new Graph.Out(x.dtype(), out)).output(0);
    }

    // ---- gradients ------------------------------------------------------------------------

    /** Gradient rules of the movement ops; index-like inputs get null. */
    public static List<Tensor> backward(mcl.graph.Node n, Tensor gy) {
        Tensor x = n.inputs().get(0);
        List<Tensor> out = new ArrayList<>();
        switch (n.op()) {
            case RESHAPE -> out.add(reshape(gy, x.shape()));
            case TRANSPOSE -> {
                int[] p = n.attrs(TransposeAttrs.class).perm();
                int[] inv = new int[p.length];
                for (int i = 0; i < p.length; i++) inv[p[i]] = i;
                out.add(transpose(gy, inv));
            }
            case SLICE -> out.add(sliceBackward(n.attrs(SliceInfo.class), x, gy));
            case CONCAT -> {
                int axis = n.attrs(AxisAttrs.class).axis();
                long at = 0;
                for (Tensor in : n.inputs()) {
                    out.add(slice(gy, axis, at, at + in.dim(axis)));
                    at += in.dim(axis);
                }
                return out;
            }
            case EXPAND -> out.add(gy); // the engine sums it back to x's shape
            case PAD -> {
                long[] pads = n.attrs(PadInfo.class).pads();
                int r = x.rank();
                long[] starts = new long[r];
                long[] ends = new long[r];
                int[] axes = new int[r];
                long[] steps = new long[r];
                for (int i = 0; i < r; i++) {
                    starts[i] = pads[i];
                    ends[i] = pads[i] + x.dim(i);
                    axes[i] = i;
                    steps[i] = 1;
                }
                out.add(slice(gy, starts, ends, axes, steps));
            }
            case GATHER_ELEMENTS -> out.add(scatterAdd(zerosLike(x), n.inputs().get(1), gy, n.attrs(AxisAttrs.class).axis()));
            case RESIZE -> {
                // Nearest upsampling by f copies each pixel into an f x f block; its gradient sums the block.
                int f = n.attrs(ResizeAttrs.class).factor();
                Tensor blocks = reshape(gy, x.dim(0), x.dim(1), x.dim(2), f, x.dim(3), f);
                out.add(Reduce.sum(blocks, false, 3, 5));
            }
            default -> throw new IllegalArgumentException("no movement gradient for " + n.op());
        }
        while (out.size() < n.inputs().size()) out.add(null);
        return out;
    }

    private static Tensor sliceBackward(SliceInfo info, Tensor x, Tensor gy) {
        if (info.flip()) return flip(gy, info.axes());
        long[] pads = new long[2 * x.rank()];
        for (int i = 0; i < info.axes().length; i++) {
            if (info.steps()[i] != 1) throw new IllegalArgumentException("Slice gradient supports unit steps and flips only; got step " + info.steps()[i]);
            int a = info.axes()[i];
            pads[a] = info.begin()[i];
            pads[a + x.rank()] = x.dim(a) - info.begin()[i] - gy.dim(a);
        }
        return pad(gy, pads);
    }

    /** A zero tensor shaped like x (a broadcast scalar, so nothing large is stored in the model). */
    public static Tensor zerosLike(Tensor x) {
        return expand(x.graph().scalar(0, x.dtype()), x.shape());
    }
}
