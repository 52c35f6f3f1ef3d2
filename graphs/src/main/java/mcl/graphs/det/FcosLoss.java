package mcl.graphs.det;

import static mcl.graph.ops.Elementwise.add;
import static mcl.graph.ops.Elementwise.addScalar;
import static mcl.graph.ops.Elementwise.div;
import static mcl.graph.ops.Elementwise.exp;
import static mcl.graph.ops.Elementwise.log;
import static mcl.graph.ops.Elementwise.max;
import static mcl.graph.ops.Elementwise.mul;
import static mcl.graph.ops.Elementwise.neg;
import static mcl.graph.ops.Elementwise.relu;
import static mcl.graph.ops.Elementwise.scale;
import static mcl.graph.ops.Elementwise.sub;

import mcl.graph.ShapeException;
import mcl.graph.Tensor;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Reduce;

/**
 * The FCOS loss from standard ops, over per-location targets that Java assigned (the graph has
 * static shapes and no assignment, decoding or NMS). With P = pos_mask, N = num_pos and
 * Z = ctr_sum (both computed by the caller, so data-parallel shards can use the job's totals):
 * <pre>
 *   loss.cls = sum over all locations and classes of focal(cls_logits, cls_targets) / N
 *   loss.box = sum over locations of P * ctr_targets * (1 - GIoU(box_pred, box_targets)) / Z
 *   loss.ctr = sum over locations of P * BCE(ctr_logits, ctr_targets) / N
 *   loss     = loss.cls + loss.box + loss.ctr
 * </pre>
 * focal is torchvision's sigmoid_focal_loss (alpha 0.25, gamma 2, Lin et al. 2017), BCE is
 * binary_cross_entropy_with_logits and GIoU is torchvision's generalized_box_iou_loss (eps 1e-7)
 * on the boxes the distances (l, t, r, b) span around the same location (Rezatofighi et al. 2019):
 * mmdetection's FCOS (GIoU weighted by the centerness targets and divided by their sum, centerness
 * BCE averaged over positives, focal loss divided by the positives).
 */
public final class FcosLoss {
    public static final double ALPHA = 0.25;
    /** The focal exponent; fixed at 2, computed as a square. */
    public static final int GAMMA = 2;
    /** torchvision's generalized_box_iou_loss epsilon. */
    public static final double GIOU_EPS = 1e-7;

    private FcosLoss() { }

    /** The three terms and their sum, each a scalar. */
    public record Terms(Tensor total, Tensor cls, Tensor box, Tensor ctr) { }

    /**
     * @param out       the head's outputs: cls [B,L,K], box (l,t,r,b) pixels [B,L,4], ctr [B,L]
     * @param clsT      [B,L,K] one-hot classes of positives, zeros elsewhere
     * @param boxT      [B,L,4] (l,t,r,b) pixels of positives (anything, e.g. zeros, elsewhere)
     * @param ctrT      [B,L] centerness targets of positives, zeros elsewhere
     * @param pos       [B,L] 1 for positives, 0 elsewhere
     * @param numPos    [] the normaliser N (positives, clamped to at least 1)
     * @param ctrSum    [] the normaliser Z (sum of the positives' centerness targets, clamped to at least 1e-6)
     */
    public static Terms terms(DetHead.Outputs out, Tensor clsT, Tensor boxT, Tensor ctrT, Tensor pos, Tensor numPos, Tensor ctrSum) {
        Tensor cls = div(sumAll(sigmoidFocal(out.clsLogits(), clsT)), numPos);
        Tensor weight = mul(pos, ctrT);
        Tensor box = div(sumAll(mul(weight, giouLoss(out.boxPred(), safeBoxes(boxT, pos)))), ctrSum);
        Tensor ctr = div(sumAll(mul(pos, bceWithLogits(out.ctrLogits(), ctrT))), numPos);
        return new Terms(add(add(cls, box), ctr), cls, box, ctr);
    }

    /**
     * Negatives' box targets replaced by (1, 1, 1, 1): their loss is multiplied by 0, but a zero box
     * would make it 0/0 and its gradient NaN, and NaN * 0 is NaN.
     */
    static Tensor safeBoxes(Tensor boxT, Tensor pos) {
        Tensor isPos = Elementwise.greater(Movement.reshape(pos, pos.dim(0), pos.dim(1), 1), pos.graph().scalar(0.5, pos.dtype()));
        return Elementwise.where(isPos, boxT, pos.graph().scalar(1, pos.dtype()));
    }

    /** log sigmoid(x) = min(x, 0) - log(1 + exp(-|x|)), finite for every x (and so is its gradient). */
    public static Tensor logSigmoid(Tensor x) {
        return sub(sub(x, relu(x)), softplusOfMinusAbs(x));
    }

    /** log(1 - sigmoid(x)) = log sigmoid(-x) = -max(x, 0) - log(1 + exp(-|x|)). */
    public static Tensor logSigmoidOfMinus(Tensor x) {
        return neg(add(relu(x), softplusOfMinusAbs(x)));
    }

    private static Tensor softplusOfMinusAbs(Tensor x) {
        return log(addScalar(exp(neg(max(x, neg(x)))), 1));
    }

    /** Elementwise binary cross-entropy of logits x against targets t in [0, 1]. */
    public static Tensor bceWithLogits(Tensor x, Tensor t) {
        return neg(add(mul(t, logSigmoid(x)), mul(Elementwise.addScalar(neg(t), 1), logSigmoidOfMinus(x))));
    }

    /**
     * Elementwise sigmoid focal loss: alpha_t * (1 - p_t)^2 * BCE(x, t), p = sigmoid(x),
     * p_t = p t + (1 - p)(1 - t), alpha_t = alpha t + (1 - alpha)(1 - t) (torchvision's formula,
     * also for soft targets). 1 - p comes from exp(log sigmoid(-x)), not 1 - p, for precision.
     */
    public static Tensor sigmoidFocal(Tensor x, Tensor t) {
        Tensor logP = logSigmoid(x);
        Tensor logQ = logSigmoidOfMinus(x);
        Tensor oneMinusT = addScalar(neg(t), 1);
        Tensor ce = neg(add(mul(t, logP), mul(oneMinusT, logQ)));
        Tensor miss = add(mul(exp(logQ), t), mul(exp(logP), oneMinusT)); // 1 - p_t
        Tensor alphaT = addScalar(scale(t, 2 * ALPHA - 1), 1 - ALPHA);
        return mul(alphaT, mul(mul(miss, miss), ce));
    }

    /**
     * 1 - GIoU of the boxes that distances (l, t, r, b) [B,L,4] span around one point, per location
     * [B,L]. Both boxes contain the point, so the intersection is (min(l,l') + min(r,r')) x
     * (min(t,t') + min(b,b')) and never needs clamping; the enclosing box uses the maxima.
     */
    public static Tensor giouLoss(Tensor pred, Tensor target) {
        if (pred.rank() != 3 || pred.dim(2) != 4 || !java.util.Arrays.equals(pred.shape(), target.shape())) {
            throw new ShapeException("giouLoss needs two [B,L,4] distance tensors, got " + pred.describe() + " and " + target.describe());
        }
        Tensor minimum = neg(max(neg(pred), neg(target)));
        Tensor maximum = max(pred, target);
        Tensor inter = area(minimum);
        Tensor union = sub(add(area(pred), area(target)), inter);
        Tensor enclosing = area(maximum);
        Tensor iou = div(inter, addScalar(union, GIOU_EPS));
        Tensor giou = sub(iou, div(sub(enclosing, union), addScalar(enclosing, GIOU_EPS)));
        return Movement.reshape(addScalar(neg(giou), 1), pred.dim(0), pred.dim(1));
    }

    /** Area of the box that (l, t, r, b) [B,L,4] spans: (l + r) * (t + b), as [B,L,1]. */
    private static Tensor area(Tensor ltrb) {
        Tensor pairs = Movement.reshape(ltrb, ltrb.dim(0), ltrb.dim(1), 2, 2); // [[l, t], [r, b]]
        Tensor wh = Reduce.sum(pairs, false, 2); // [B, L, 2] = (width, height)
        return mul(Movement.slice(wh, 2, 0, 1), Movement.slice(wh, 2, 1, 2));
    }

    private static Tensor sumAll(Tensor x) {
        int[] axes = new int[x.rank()];
        for (int i = 0; i < axes.length; i++) axes[i] = i;
        return Reduce.sum(x, false, axes);
    }
}
