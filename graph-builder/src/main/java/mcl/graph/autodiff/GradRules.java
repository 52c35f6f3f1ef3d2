package mcl.graph.autodiff;

import java.util.List;
import mcl.graph.Node;
import mcl.graph.Op;
import mcl.graph.Tensor;
import mcl.graph.ops.Collective;
import mcl.graph.ops.ConvPool;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Linalg;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Norm;
import mcl.graph.ops.Reduce;

/**
 * The one table that maps every op to its gradient rule (kept in the op's family class, beside its
 * shape rule), to NOT_DIFFERENTIABLE (no gradient flows, by definition), or to MISSING (a gap,
 * reported loudly if a loss ever depends on it). The switch is exhaustive: a new Op does not
 * compile until it is classified here.
 */
public final class GradRules {
    /** Returns one gradient per input of the node (null = no gradient to that input). */
    @FunctionalInterface
    public interface Rule {
        List<Tensor> backward(Node node, Tensor outputGrad);
    }

    public enum Kind { RULE, NOT_DIFFERENTIABLE, MISSING }

    private GradRules() { }

    public static Kind kind(Op op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, NEG, RELU, SQRT, RECIPROCAL, EXP, LOG, MAX, WHERE, IDENTITY,
                 REDUCE_MEAN, REDUCE_SUM, REDUCE_SUM_SQUARE, MATMUL, GEMM,
                 RESHAPE, TRANSPOSE, SLICE, CONCAT, EXPAND, PAD, GATHER_ELEMENTS, RESIZE,
                 CONV, MAX_POOL, AVERAGE_POOL, GLOBAL_AVERAGE_POOL,
                 BATCH_NORM, SOFTMAX, LOG_SOFTMAX, ALL_REDUCE_SUM -> Kind.RULE;
            // Comparisons and casts produce booleans/indices: no gradient exists.
            case GREATER, EQUAL, CAST -> Kind.NOT_DIFFERENTIABLE;
            // Emitted only by backward passes (no second derivatives) or not needed by any layer.
            case REDUCE_MAX, SCATTER_ELEMENTS, CONV_TRANSPOSE -> Kind.MISSING;
        };
    }

    public static Rule rule(Op op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, NEG, RELU, SQRT, RECIPROCAL, EXP, LOG, MAX, WHERE, IDENTITY -> Elementwise::backward;
            case REDUCE_MEAN, REDUCE_SUM, REDUCE_SUM_SQUARE -> Reduce::backward;
            case MATMUL, GEMM -> Linalg::backward;
            case RESHAPE, TRANSPOSE, SLICE, CONCAT, EXPAND, PAD, GATHER_ELEMENTS, RESIZE -> Movement::backward;
            case CONV, MAX_POOL, AVERAGE_POOL, GLOBAL_AVERAGE_POOL -> ConvPool::backward;
            case BATCH_NORM, SOFTMAX, LOG_SOFTMAX -> Norm::backward;
            case ALL_REDUCE_SUM -> Collective::backward;
            case GREATER, EQUAL, CAST, REDUCE_MAX, SCATTER_ELEMENTS, CONV_TRANSPOSE -> null;
        };
    }
}
