package mcl.graph.nn;

import static mcl.graph.ops.Elementwise.add;
import static mcl.graph.ops.Elementwise.addScalar;
import static mcl.graph.ops.Elementwise.div;
import static mcl.graph.ops.Elementwise.max;
import static mcl.graph.ops.Elementwise.mul;
import static mcl.graph.ops.Elementwise.neg;
import static mcl.graph.ops.Elementwise.reciprocal;
import static mcl.graph.ops.Elementwise.sqrt;
import static mcl.graph.ops.Elementwise.sub;

import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.Param.Role;
import mcl.graph.ShapeException;
import mcl.graph.Tensor;
import mcl.graph.init.Init;
import mcl.graph.ops.ConvPool;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Linalg;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Norm;
import mcl.graph.ops.Collective;
import mcl.graph.ops.Reduce;

/**
 * The layer library: layers that declare their parameters under a name (torch module names such
 * as "conv1" or "downsample.0") and compose the basic ops. Composites need no gradient rule of
 * their own.
 */
public final class Nn {
    public static final float BN_EPS = 1e-5f;

    private final Graph g;
    private final BnMode bnMode;
    private final String statsPrefix;

    public Nn(Graph g, BnMode bnMode) {
        this(g, bnMode, "");
    }

    /**
     * @param statsPrefix prepended to the names of the batch-statistics outputs, so one network
     *                    applied twice (e.g. "view1.", "view2.") reports each application
     */
    public Nn(Graph g, BnMode bnMode, String statsPrefix) {
        this(g, bnMode, statsPrefix, 1);
    }

    /**
     * @param syncProcesses processes of a data-parallel job whose training-mode BN statistics are
     *                      synchronized (computed over all their batches, through collective
     *                      points); 1 for per-process statistics, and no collective points
     */
    public Nn(Graph g, BnMode bnMode, String statsPrefix, int syncProcesses) {
        if (syncProcesses < 1) throw new IllegalArgumentException("syncProcesses must be >= 1, got " + syncProcesses);
        this.g = g;
        this.bnMode = bnMode;
        this.statsPrefix = statsPrefix;
        this.syncProcesses = syncProcesses;
    }

    private final int syncProcesses;

    /** One training-mode BN application: its statistics outputs and how many values per channel they average. */
    public record BnStats(String layer, String meanOutput, String varOutput, long count) { }

    private final java.util.List<BnStats> bnStats = new java.util.ArrayList<>();

    public Graph graph() { return g; }

    /** Every training-mode BN application made through this Nn, in order. */
    public java.util.List<BnStats> bnStats() { return java.util.List.copyOf(bnStats); }

    public BnMode bnMode() { return bnMode; }

    /** Conv2d without bias (torchvision's ResNet/FPN convention), "name.weight" [out, in, k, k]. */
    public Tensor conv2d(String name, Tensor x, int outChannels, int k, int stride, int pad, Init init) {
        try (var s = g.scope(name)) {
            Tensor w = g.param("weight", init, Role.TRAINABLE, outChannels, x.dim(1), k, k);
            // Training graphs only: inference exports keep the plain Conv that every runtime knows.
            if (bnMode == BnMode.TRAIN && ConvPool.runsDense(x, outChannels, k, stride, pad)) return ConvPool.convDense(x, w, pad);
            return ConvPool.conv(x, w, null, stride, pad, 1);
        }
    }

    /** BatchNorm2d over [N, C, H, W]: params weight, bias; buffers running_mean, running_var. */
    public Tensor batchNorm2d(String name, Tensor x) {
        if (x.rank() != 4) throw new ShapeException("batchNorm2d '" + g.qualified(name) + "' needs [N,C,H,W], got " + x.describe());
        return batchNorm(name, x, true, new int[] {0, 2, 3});
    }

    /** BatchNorm1d over [N, C]; {@code affine=false} has no weight and bias. */
    public Tensor batchNorm1d(String name, Tensor x, boolean affine) {
        if (x.rank() != 2) throw new ShapeException("batchNorm1d '" + g.qualified(name) + "' needs [N,C], got " + x.describe());
        return batchNorm(name, x, affine, new int[] {0});
    }

    private Tensor batchNorm(String name, Tensor x, boolean affine, int[] axes) {
        long c = x.dim(1);
        try (var s = g.scope(name)) {
            Tensor weight = affine ? g.param("weight", Init.ONES, Role.TRAINABLE, c) : null;
            Tensor bias = affine ? g.param("bias", Init.ZEROS, Role.TRAINABLE, c) : null;
            Tensor runMean = g.param("running_mean", Init.ZEROS, Role.BUFFER, c);
            Tensor runVar = g.param("running_var", Init.ONES, Role.BUFFER, c);
            if (!affine) {
                weight = g.constant(ones((int) c), c);
                bias = g.constant(new float[(int) c], c);
            }
            if (bnMode == BnMode.EVAL) return Norm.batchNormInference(x, weight, bias, runMean, runVar, BN_EPS);
            // Batch statistics by reduction (mean, then the sum of squares of the centred input in
            // one pass: two-pass variance, no E[x^2] - E[x]^2 cancellation), then ORT's fused
            // BatchNormalization kernel normalises: four passes over x instead of six elementwise
            // ones. The kernel gets the centred input and mean 0 because it folds the mean into
            // its bias (x * s + (b - mean * s)), which cancels badly when |mean| >> std.
            // Synchronized BN: the same two passes, each per-channel sum summed over the processes
            // (a collective point) and divided by the job's count.
            long count = x.numel() / c * syncProcesses;
            Tensor meanKeep = syncProcesses == 1 ? Reduce.mean(x, true, axes)
                    : Elementwise.scale(Collective.allReduceSum(Reduce.sum(x, true, axes)), 1.0 / count);
            Tensor centred = sub(x, meanKeep);
            Tensor mean = Movement.reshape(meanKeep, c);
            Tensor sumSq = Reduce.sumSquare(centred, false, axes);
            Tensor var = Elementwise.scale(syncProcesses == 1 ? sumSq : Collective.allReduceSum(sumSq), 1.0 / count);
            Tensor y = Norm.batchNormInference(centred, weight, bias, g.constant(new float[(int) c], c), var, BN_EPS);
            String meanName = statsPrefix + g.qualified("batch_mean");
            String varName = statsPrefix + g.qualified("batch_var");
            g.output(meanName, mean);
            g.output(varName, var);
            bnStats.add(new BnStats(g.qualified(""), meanName, varName, count));
            Tensor inv = reciprocal(sqrt(addScalar(var, BN_EPS)));
            Tensor scale = mul(inv, weight);
            g.customGradient(y, new BatchNormTrainGrad(x, affine ? weight : null, affine ? bias : null, centred, inv, scale, axes, syncProcesses));
            return y;
        }
    }

    /** torch.nn.GroupNorm's default epsilon. */
    public static final float GN_EPS = 1e-5f;

    /**
     * GroupNorm over [N, C, H, W] (torch.nn.GroupNorm(groups, C), eps 1e-5, affine): per sample
     * and group of C/groups channels, the mean and biased variance over those channels and all
     * positions normalise the input, then a per-channel weight and bias ("name.weight" ones,
     * "name.bias" zeros). Unlike BN it has no batch statistics and no running buffers, so it is
     * the same in training and evaluation, and a head applied to several feature maps (FCOS's
     * shared head) normalises each map on its own.
     *
     * <p>Composed from Reshape, ReduceMean, ReduceSumSquare and elementwise ops (the same
     * two-pass variance as training-mode BN), so autodiff differentiates it with the basic rules.
     */
    public Tensor groupNorm(String name, Tensor x, int groups) {
        if (x.rank() != 4) throw new ShapeException("groupNorm '" + g.qualified(name) + "' needs [N,C,H,W], got " + x.describe());
        long n = x.dim(0);
        long c = x.dim(1);
        if (groups < 1 || c % groups != 0) {
            throw new ShapeException("groupNorm '" + g.qualified(name) + "': " + c + " channels do not split into " + groups + " groups");
        }
        try (var s = g.scope(name)) {
            Tensor weight = g.param("weight", Init.ONES, Role.TRAINABLE, c);
            Tensor bias = g.param("bias", Init.ZEROS, Role.TRAINABLE, c);
            long perGroup = x.numel() / (n * groups);
            Tensor xg = Movement.reshape(x, n, groups, perGroup);
            Tensor centred = sub(xg, Reduce.mean(xg, true, 2));
            Tensor var = Elementwise.scale(Reduce.sumSquare(centred, true, 2), 1.0 / perGroup);
            Tensor normed = mul(centred, reciprocal(sqrt(addScalar(var, GN_EPS))));
            Tensor y = Movement.reshape(normed, x.shape());
            return add(mul(y, Movement.reshape(weight, c, 1, 1)), Movement.reshape(bias, c, 1, 1));
        }
    }

    public Tensor relu(Tensor x) { return Elementwise.relu(x); }

    public Tensor maxPool(Tensor x, int k, int stride, int pad) { return ConvPool.maxPool(x, k, stride, pad).values(); }

    /** Nearest-neighbour 2x upsampling (FPN top-down path). */
    public Tensor upsample2x(Tensor x) { return Movement.upsampleNearest(x, 2); }

    /**
     * Bilinear upsampling by an integer factor with torch's {@code F.interpolate(mode="bilinear",
     * align_corners=False)} semantics, as two MatMuls with constant interpolation matrices
     * (columns: x @ Aw^T, rows: Ah @ .), so its gradient is the MatMul rule's (Linear Resize has none).
     */
    public Tensor upsampleBilinear(Tensor x, int factor) {
        if (x.rank() != 4) throw new ShapeException("upsampleBilinear needs [N,C,H,W], got " + x.describe());
        if (factor < 1) throw new IllegalArgumentException("upsampleBilinear factor must be >= 1, got " + factor);
        if (factor == 1) return x;
        int h = (int) x.dim(2);
        int w = (int) x.dim(3);
        Tensor awT = g.constant(transpose(bilinearMatrix(w, factor), w * factor, w), w, (long) w * factor);
        Tensor ah = g.constant(bilinearMatrix(h, factor), (long) h * factor, h);
        return Linalg.matmul(ah, Linalg.matmul(x, awT));
    }

    /**
     * The [in*factor, in] matrix A with out = A @ in along one axis, for align_corners=False:
     * source coordinate s = (o + 0.5) / factor - 0.5 clamped at 0, weights (1 - l, l) on
     * floor(s) and min(floor(s) + 1, in - 1), l = s - floor(s) (torch's upsample_bilinear2d).
     */
    public static float[] bilinearMatrix(int in, int factor) {
        int out = in * factor;
        float[] a = new float[out * in];
        for (int o = 0; o < out; o++) {
            double s = Math.max(0.0, (o + 0.5) / factor - 0.5);
            int i0 = Math.min((int) Math.floor(s), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            double l1 = s - i0;
            a[o * in + i0] += (float) (1 - l1);
            a[o * in + i1] += (float) l1;
        }
        return a;
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
        }
        return t;
    }

    /** [N,C,H,W] -> [N,C]. */
    public Tensor globalAvgPool(Tensor x) { return Movement.flatten(ConvPool.globalAveragePool(x)); }

    /** Mean over each non-overlapping w x w window: [N,C,H,W] -> [N,C,H/w,W/w]. */
    public Tensor windowAvgPool(Tensor x, int w) {
        if (x.dim(2) % w != 0 || x.dim(3) % w != 0) throw new ShapeException("windowAvgPool: " + x.describe() + " is not a whole number of " + w + "x" + w + " windows");
        return ConvPool.averagePool(x, w, w);
    }

    /** Linear layer y = x W^T + b: "name.weight" [out, in], "name.bias" [out] (PyTorch default init). */
    public Tensor linear(String name, Tensor x, int out, boolean bias, Init weightInit, Init biasInit) {
        if (x.rank() != 2) throw new ShapeException("linear '" + g.qualified(name) + "' needs [N, in], got " + x.describe());
        try (var s = g.scope(name)) {
            Tensor w = g.param("weight", weightInit, Role.TRAINABLE, out, x.dim(1));
            Tensor b = bias ? g.param("bias", biasInit, Role.TRAINABLE, out) : null;
            return Linalg.gemm(x, w, b, false, true);
        }
    }

    public Tensor flatten(Tensor x) { return Movement.flatten(x); }

    public Tensor matmul(Tensor a, Tensor b) { return Linalg.matmul(a, b); }

    /** x / max(||x||_2, eps) along axis 1, as torch.nn.functional.normalize. */
    public Tensor l2Normalize(Tensor x) {
        Tensor norm = sqrt(Reduce.sum(mul(x, x), true, 1));
        return div(x, max(norm, g.scalar(1e-12, x.dtype())));
    }

    public Tensor logSoftmax(Tensor x) { return Norm.logSoftmax(x, 1); }

    /** Mean cross-entropy of logits [N, K] against integer labels [N] (torch F.cross_entropy). */
    public Tensor crossEntropy(Tensor logits, Tensor labels) {
        if (logits.rank() != 2 || labels.rank() != 1 || labels.dtype() != DType.INT64 || labels.dim(0) != logits.dim(0)) {
            throw new ShapeException("crossEntropy needs logits [N,K] and int64 labels [N], got " + logits.describe() + " and " + labels.describe());
        }
        Tensor logp = logSoftmax(logits);
        Tensor picked = Movement.gatherElements(logp, Movement.reshape(labels, labels.dim(0), 1), 1);
        return neg(Reduce.mean(Movement.reshape(picked, 1, labels.dim(0)), false, 0, 1));
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
