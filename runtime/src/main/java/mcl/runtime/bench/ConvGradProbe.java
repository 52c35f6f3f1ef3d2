package mcl.runtime.bench;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.Tensor;
import mcl.graph.ops.Linalg;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Reduce;
import mcl.runtime.ort.DirectBuffers;
import mcl.runtime.ort.GraphSession;
import mcl.runtime.ort.SessionConfig;

/**
 * Times formulations of one 3x3 conv weight gradient in ONNX Runtime (research tool behind
 * BENCHMARKS.md; the shipped formulation lives in ConvPool.convWeightGrad).
 *
 * <p>Usage: {@code java -cp mcl.jar mcl.runtime.bench.ConvGradProbe N C O H K STRIDE PAD THREADS REPS VARIANT...}
 */
public final class ConvGradProbe {
    private ConvGradProbe() { }

    public static void main(String[] a) {
        int n = Integer.parseInt(a[0]), c = Integer.parseInt(a[1]), o = Integer.parseInt(a[2]), h = Integer.parseInt(a[3]);
        int k = Integer.parseInt(a[4]), s = Integer.parseInt(a[5]), p = Integer.parseInt(a[6]);
        int threads = Integer.parseInt(a[7]), reps = Integer.parseInt(a[8]);
        long ho = (h + 2L * p - k) / s + 1;
        for (String v : Arrays.copyOfRange(a, 9, a.length)) {
            Graph g = new Graph("probe");
            Tensor x = g.input("x", DType.FLOAT, n, c, h, h);
            Tensor gy = g.input("gy", DType.FLOAT, n, o, ho, ho);
            Tensor dw = switch (v) {
                case "taps" -> taps(gy, x, k, s, p, o, c);
                case "bmm" -> batchedTaps(gy, x, k, s, p, o, c, false);
                case "bmmT" -> batchedTaps(gy, x, k, s, p, o, c, true);
                case "im2col" -> im2col(gy, x, k, s, p, o, c);
                case "nhwc" -> nhwc(gy, x, k, s, p, o, c);
                case "fwdconv" -> mcl.graph.ops.ConvPool.conv(x, g.input("w", DType.FLOAT, o, c, k, k), null, s, p, 1);
                case "sub" -> mcl.graph.ops.Elementwise.sub(x, Reduce.mean(x, true, 0, 2, 3));
                case "sub2" -> Reduce.sum(mcl.graph.ops.Elementwise.sub(x, Reduce.mean(x, true, 0, 2, 3)), false, 0, 1, 2, 3);
                case "im2colT" -> im2colT(gy, x, k, s, p, o, c, false);
                case "onehot" -> im2colT(gy, x, k, s, p, o, c, true);
                case "convT" -> mcl.graph.ops.ConvPool.convWeightGradAsConv(gy, x, mcl.graph.ops.ConvPool.ConvAttrs.of(k, s, p)); // the stem's rule
                case "convT16" -> asConvPadded(gy, x, k, s, p, 16); // the same with the images padded to a block multiple
                default -> throw new IllegalArgumentException(v);
            };
            g.output("dw", dw);
            byte[] model = OnnxExport.toModel(g).toByteArray();
            try (GraphSession sess = GraphSession.open(model, SessionConfig.cpu(threads))) {
                SplittableRandom rng = new SplittableRandom(1);
                List<FloatBuffer> keep = new ArrayList<>();
                for (String name : sess.inputNames()) {
                    long m = Arrays.stream(sess.shape(name)).reduce(1, Math::multiplyExact);
                    FloatBuffer b = DirectBuffers.floats(m);
                    for (int i = 0; i < m; i++) b.put(i, (float) rng.nextDouble());
                    keep.add(b);
                    sess.bindInput(name, b);
                }
                FloatBuffer out = DirectBuffers.floats(Arrays.stream(sess.shape("dw")).reduce(1, Math::multiplyExact));
                sess.bindOutput("dw", out);
                sess.run().close();
                double[] t = new double[reps];
                for (int i = 0; i < reps; i++) {
                    long t0 = System.nanoTime();
                    sess.run().close();
                    t[i] = (System.nanoTime() - t0) / 1e9;
                }
                double sum = 0;
                for (int i = 0; i < 1000; i++) sum += out.get(i * 7 % out.capacity()) / 1000;
                System.out.printf("%-8s %8.1f ms  (min %.1f)  check %.6g  nodes %d%n", v, GradBenchmark.Stats.median(t) * 1e3,
                        Arrays.stream(t).min().getAsDouble() * 1e3, sum, g.nodes().size());
            }
        }
    }

    /** convWeightGradAsConv with zero images appended up to a multiple of {@code multiple} (blocked kernels need it). */
    static Tensor asConvPadded(Tensor gy, Tensor x, int k, int s, int p, int multiple) {
        long extra = (multiple - x.dim(0) % multiple) % multiple;
        Tensor xt = Movement.transpose(x, 1, 0, 2, 3);
        Tensor gt = Movement.transpose(gy, 1, 0, 2, 3);
        if (extra > 0) {
            xt = Movement.pad(xt, 0, 0, 0, 0, 0, extra, 0, 0);
            gt = Movement.pad(gt, 0, 0, 0, 0, 0, extra, 0, 0);
        }
        Tensor r = mcl.graph.ops.ConvPool.conv(xt, gt, null, 1, p, s);
        if (r.dim(2) > k) r = Movement.slice(r, new long[] {0, 0}, new long[] {k, k}, new int[] {2, 3}, new long[] {1, 1});
        return Movement.transpose(r, 1, 0, 2, 3);
    }

    static Tensor window(Tensor xp, int i, int j, int s, long ho, int axisH) {
        if (s == 1 && i == 0 && j == 0 && xp.dim(axisH) == ho) return xp;
        return Movement.slice(xp, new long[] {i, j}, new long[] {i + s * (ho - 1) + 1, j + s * (ho - 1) + 1},
                new int[] {axisH, axisH + 1}, new long[] {s, s});
    }

    /** The current rule: channel-major transposes, one Gemm per offset. */
    static Tensor taps(Tensor gy, Tensor x, int k, int s, int p, long o, long c) {
        long ho = gy.dim(2);
        long cols = x.dim(0) * ho * ho;
        Tensor gMat = Movement.reshape(Movement.transpose(gy, 1, 0, 2, 3), o, cols);
        Tensor xc = Movement.transpose(x, 1, 0, 2, 3);
        if (p > 0) xc = Movement.pad(xc, 0, 0, p, p, 0, 0, p, p);
        List<Tensor> taps = new ArrayList<>();
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) {
            taps.add(Movement.reshape(Linalg.gemm(gMat, Movement.reshape(window(xc, i, j, s, ho, 2), c, cols), null, false, true), o, c, 1));
        }
        return Movement.reshape(Movement.concat(2, taps), o, c, k, k);
    }

    /** NCHW kept: per offset a batched MatMul over images, [N,O,HW] x [N,HW,C] -> [N,O,C], summed over N at the end. */
    static Tensor batchedTaps(Tensor gy, Tensor x, int k, int s, int p, long o, long c, boolean transposeDy) {
        long n = x.dim(0), ho = gy.dim(2);
        Tensor g3 = Movement.reshape(gy, n, o, ho * ho);
        Tensor gT = transposeDy ? Movement.transposeLast2(g3) : null; // [N, HW, O], shared by the offsets
        Tensor xp = p == 0 ? x : Movement.pad(x, 0, 0, p, p, 0, 0, p, p);
        List<Tensor> taps = new ArrayList<>();
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) {
            Tensor w3 = Movement.reshape(window(xp, i, j, s, ho, 2), n, c, ho * ho);
            Tensor t = transposeDy ? Linalg.matmul(w3, gT) /* [N,C,O] */ : Linalg.matmul(g3, Movement.transposeLast2(w3)); // [N,O,C]
            taps.add(Movement.reshape(t, n, transposeDy ? c : o, transposeDy ? o : c, 1));
        }
        Tensor sum = Reduce.sum(Movement.concat(3, taps), false, 0); // [O,C,9] or [C,O,9]
        if (transposeDy) sum = Movement.transpose(sum, 1, 0, 2);
        return Movement.reshape(sum, o, c, k, k);
    }

    /** One batched MatMul against the concatenated windows (im2col per image): [N,O,HW] x [N,HW,9C]. */
    static Tensor im2col(Tensor gy, Tensor x, int k, int s, int p, long o, long c) {
        long n = x.dim(0), ho = gy.dim(2);
        Tensor xp = Movement.pad(x, 0, 0, p, p, 0, 0, p, p);
        List<Tensor> wins = new ArrayList<>();
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) wins.add(window(xp, i, j, s, ho, 2));
        Tensor col = Movement.reshape(Movement.concat(1, wins), n, k * k * c, ho * ho); // rows (tap, c)
        Tensor prod = Linalg.matmul(Movement.reshape(gy, n, o, ho * ho), Movement.transposeLast2(col)); // [N,O,9C]
        Tensor sum = Movement.reshape(Reduce.sum(prod, false, 0), o, k * k, c);
        return Movement.reshape(Movement.transpose(sum, 0, 2, 1), o, c, k, k);
    }

    /** Grouped conv attributes (group = C), for the one-hot im2col. */
    record GroupConvAttrs(int k, int stride, int pad, int group) implements mcl.graph.Attrs {
        public void writeTo(mcl.onnx.OnnxProto.NodeProto.Builder b) {
            b.addAttribute(mcl.graph.Attrs.ints("kernel_shape", k, k));
            b.addAttribute(mcl.graph.Attrs.ints("strides", stride, stride));
            b.addAttribute(mcl.graph.Attrs.ints("pads", pad, pad, pad, pad));
            b.addAttribute(mcl.graph.Attrs.i("group", group));
        }
    }

    /**
     * im2col with rows (c, tap) either from Concat of the windows (then reordered) or from a grouped
     * Conv with a one-hot kernel; then MatMul(col [N,9C,HW], dY^T [N,HW,O]) -> [N,9C,O], summed over N.
     */
    static Tensor im2colT(Tensor gy, Tensor x, int k, int s, int p, long o, long c, boolean onehot) {
        long n = x.dim(0), ho = gy.dim(2);
        Graph g = x.graph();
        Tensor col;
        if (onehot) {
            float[] e = new float[(int) (c * k * k * k * k)];
            for (int ch = 0; ch < c; ch++) for (int t = 0; t < k * k; t++) e[(ch * k * k + t) * k * k + t] = 1f;
            Tensor kern = g.constant(e, c * k * k, 1, k, k);
            col = g.node(mcl.graph.Op.CONV, List.of(x, kern), new GroupConvAttrs(k, s, p, (int) c),
                    new Graph.Out(x.dtype(), new long[] {n, c * k * k, ho, ho})).output(0); // channel c*9+t
        } else {
            Tensor xp = Movement.pad(x, 0, 0, p, p, 0, 0, p, p);
            List<Tensor> wins = new ArrayList<>();
            for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) wins.add(window(xp, i, j, s, ho, 2));
            col = Movement.concat(1, wins); // channel t*C+c
        }
        Tensor gT = Movement.transposeLast2(Movement.reshape(gy, n, o, ho * ho));
        Tensor prod = Reduce.sum(Linalg.matmul(Movement.reshape(col, n, k * k * c, ho * ho), gT), false, 0); // [9C, O]
        if (onehot) return Movement.reshape(Movement.transpose(prod, 1, 0), o, c, k, k);
        return Movement.reshape(Movement.transpose(Movement.reshape(prod, k * k, c, o), 2, 1, 0), o, c, k, k);
    }

    /** Channel-last: one Gemm per offset with the shared axis leading, [K,O]^T x [K,C]. */
    static Tensor nhwc(Tensor gy, Tensor x, int k, int s, int p, long o, long c) {
        long n = x.dim(0), ho = gy.dim(2);
        long rows = n * ho * ho;
        Tensor gl = Movement.reshape(Movement.transpose(gy, 0, 2, 3, 1), rows, o);
        Tensor xl = Movement.pad(Movement.transpose(x, 0, 2, 3, 1), 0, p, p, 0, 0, p, p, 0);
        List<Tensor> taps = new ArrayList<>();
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) {
            taps.add(Movement.reshape(Linalg.gemm(gl, Movement.reshape(window(xl, i, j, s, ho, 1), rows, c), null, true, false), o, c, 1));
        }
        return Movement.reshape(Movement.concat(2, taps), o, c, k, k);
    }
}
