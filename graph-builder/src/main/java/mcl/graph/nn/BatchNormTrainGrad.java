package mcl.graph.nn;

import static mcl.graph.ops.Elementwise.mul;
import static mcl.graph.ops.Elementwise.scale;
import static mcl.graph.ops.Elementwise.sub;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mcl.graph.Graph;
import mcl.graph.Tensor;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Reduce;

/**
 * The closed-form backward of training-mode batch norm, reusing the forward's centred input,
 * 1/sqrt(var+eps) and gamma/sqrt(var+eps) instead of differentiating its elementary ops:
 * <pre>
 *   dbeta  = sum(dy)          dgamma = inv * sum(dy * (x - mean))
 *   dx     = scale * dy - scale * mean(dy) - (x - mean) * scale * inv^2 * mean(dy * (x - mean))
 * </pre>
 * (sums and means over every axis but the channel axis; scale = gamma * inv).
 */
final class BatchNormTrainGrad implements Graph.CustomGradient {
    private final Tensor x;
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor centred;
    private final Tensor inv;
    private final Tensor scale;
    private final int[] axes;

    BatchNormTrainGrad(Tensor x, Tensor weight, Tensor bias, Tensor centred, Tensor inv, Tensor scale, int[] axes) {
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
        long count = x.numel() / x.dim(1);
        long c = x.dim(1);
        Tensor sumDy = Reduce.sum(gy, true, axes);                 // [1,C,(1,1)]
        Tensor sumDyXc = Reduce.sum(mul(gy, centred), true, axes); // [1,C,(1,1)]
        // Per-channel coefficients on tiny tensors; only three full-size products and two subtractions.
        Tensor shift = scale(mul(scale, sumDy), 1.0 / count);
        Tensor slope = scale(mul(mul(scale, mul(inv, inv)), sumDyXc), 1.0 / count);
        Tensor dx = sub(sub(mul(gy, scale), mul(centred, slope)), shift);
        List<Tensor> out = new ArrayList<>();
        out.add(dx);
        if (weight != null) {
            out.add(Movement.reshape(mul(inv, sumDyXc), c));
            out.add(Movement.reshape(sumDy, c));
        }
        return out;
    }
}
