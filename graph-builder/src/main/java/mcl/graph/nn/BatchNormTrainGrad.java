package mcl.graph.nn;

import static mcl.graph.ops.Elementwise.mul;
import static mcl.graph.ops.Elementwise.scale;
import static mcl.graph.ops.Elementwise.sub;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mcl.graph.Graph;
import mcl.graph.Tensor;
import mcl.graph.ops.Collective;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Norm;
import mcl.graph.ops.Reduce;

/**
 * The closed-form backward of training-mode batch norm from the forward's centred input
 * xc = x - mean, inv = 1/sqrt(var+eps) and scale = gamma * inv ([C]):
 * <pre>
 *   dbeta = sum(dy)      dgamma = inv * sum(dy * xc)
 *   dx    = scale * dy - (xc * slope + shift),   slope = scale * inv^2 * sum(dy * xc) / n,
 *                                                shift = scale * sum(dy) / n
 * </pre>
 * (sums over every axis but the channel axis, n values per channel). The affine part
 * xc * slope + shift is one pass of the fused BatchNormalization kernel (mean 0, variance 1,
 * epsilon 0), so dx costs three full passes and its statistics two.
 *
 * <p>Synchronized BN ({@code processes} > 1): dx needs the sums over the whole job (n counts every
 * process's values), so both are summed over processes at a collective point; dgamma and dbeta
 * stay this process's sums, which the gradient exchange then averages like every other weight
 * gradient.
 */
final class BatchNormTrainGrad implements Graph.CustomGradient {
    private final Tensor x;
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor centred;
    private final Tensor inv;
    private final Tensor scale;
    private final int[] axes;
    private final int processes;

    /** {@code inv}, {@code scale}: [C]; weight and bias null for a BN without affine parameters. */
    BatchNormTrainGrad(Tensor x, Tensor weight, Tensor bias, Tensor centred, Tensor inv, Tensor scale, int[] axes, int processes) {
        this.processes = processes;
        this.x = x;
        this.weight = weight;
        this.bias = bias;
        this.centred = centred;
        this.inv = inv;
        this.scale = scale;
        this.axes = axes;
    }

    @Override
    public List<Tensor> inputs() {
        return weight == null ? List.of(x) : Arrays.asList(x, weight, bias);
    }

    @Override
    public List<Tensor> backward(Tensor gy) {
        Graph g = x.graph();
        long c = x.dim(1);
        double n = (double) x.numel() / c * processes;
        Tensor sumDy = Reduce.sum(gy, false, axes);                                   // [C]
        Tensor sumDyXc = Reduce.sum(mul(gy, centred), false, axes);                  // [C]
        Tensor allDy = processes == 1 ? sumDy : Collective.allReduceSum(sumDy);
        Tensor allDyXc = processes == 1 ? sumDyXc : Collective.allReduceSum(sumDyXc);
        Tensor shift = scale(mul(scale, allDy), 1.0 / n);
        Tensor slope = scale(mul(mul(scale, mul(inv, inv)), allDyXc), 1.0 / n);
        Tensor zeros = g.constant(new float[(int) c], c);
        Tensor ones = g.constant(filled((int) c, 1f), c);
        Tensor affine = Norm.batchNormInference(centred, slope, shift, zeros, ones, 0f);
        long[] bshape = new long[x.rank()];
        Arrays.fill(bshape, 1);
        bshape[1] = c;
        Tensor dx = sub(mul(gy, Movement.reshape(scale, bshape)), affine);
        List<Tensor> out = new ArrayList<>();
        out.add(dx);
        if (weight != null) {
            out.add(mul(inv, sumDyXc));
            out.add(sumDy);
        }
        return out;
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }
}
