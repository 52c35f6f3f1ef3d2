package mcl.graph.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mcl.graph.Graph;
import mcl.graph.Node;
import mcl.graph.Shapes;
import mcl.graph.Tensor;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Reduce;

/**
 * Reverse-mode differentiation that appends the backward nodes to the same graph.
 *
 * <p>The engine does the shared work once: it keeps only nodes on a path from the targets to the
 * loss, walks them in reverse creation order (creation order is topological, so no recursion),
 * accumulates gradients of tensors used more than once, sums broadcast gradients back to each
 * operand's shape, honours stop-gradient and custom (closed-form) gradients, and names the op and
 * the path from the loss when a rule is missing.
 */
public final class Autodiff {
    private Autodiff() { }

    /** d loss / d t for every t in {@code wrt} (zeros for a target the loss does not depend on). */
    public static Map<Tensor, Tensor> gradients(Tensor loss, List<Tensor> wrt) {
        Graph g = loss.graph();
        if (loss.numel() != 1 || !loss.dtype().isFloating()) {
            throw new IllegalArgumentException("the loss must be a floating scalar, got " + loss.describe());
        }
        Set<Tensor> dependsOnWrt = forwardReach(g, wrt);
        Map<Node, Node> consumerOnPath = new HashMap<>();
        Set<Node> needed = backwardReach(loss, dependsOnWrt, consumerOnPath);

        Map<Tensor, Tensor> grads = new HashMap<>();
        grads.put(loss, Movement.expand(g.scalar(1.0, loss.dtype()), loss.shape()));
        List<Node> nodes = g.nodes();
        Set<Node> insideCustom = new HashSet<>();
        for (int k = nodes.size() - 1; k >= 0; k--) {
            Node n = nodes.get(k);
            if (!needed.contains(n) || insideCustom.contains(n)) continue;
            Tensor y = n.output(0);
            Tensor gy = grads.get(y);
            if (gy == null) continue;
            Graph.CustomGradient custom = g.customGradientOf(y);
            List<Tensor> targets;
            List<Tensor> inGrads;
            if (custom != null) {
                targets = custom.inputs();
                inGrads = custom.backward(gy);
                insideCustom.addAll(between(g, custom.inputs(), y));
            } else {
                targets = n.inputs();
                inGrads = switch (GradRules.kind(n.op())) {
                    case NOT_DIFFERENTIABLE -> null;
                    case MISSING -> throw new UnsupportedOperationException("no gradient rule for " + n.op().onnxName
                            + " (node '" + n.name() + "'); the loss depends on it through: " + path(n, consumerOnPath, loss));
                    case RULE -> GradRules.rule(n.op()).backward(n, gy);
                };
                if (inGrads == null) continue;
            }
            if (inGrads.size() != targets.size()) throw new IllegalStateException(n.op() + " rule returned " + inGrads.size() + " gradients for " + targets.size() + " inputs");
            for (int i = 0; i < targets.size(); i++) {
                Tensor x = targets.get(i);
                Tensor gx = inGrads.get(i);
                if (x == null || gx == null || !dependsOnWrt.contains(x)) continue;
                accumulate(grads, x, unbroadcast(gx, x.shape()));
            }
        }
        Map<Tensor, Tensor> out = new LinkedHashMap<>();
        for (Tensor t : wrt) {
            Tensor gt = grads.get(t);
            // Zero for a target the loss does not reach, computed from the target itself so that
            // it stays a graph input and grad.<name> keeps its parameter beside it.
            out.put(t, gt != null ? gt : Elementwise.mul(t, g.scalar(0, t.dtype())));
        }
        return out;
    }

    /**
     * Differentiates {@code loss} with respect to every trainable parameter of its graph and adds
     * each gradient as the graph output "grad.&lt;parameter name&gt;" (the training graphs' convention).
     */
    public static void outputParamGradients(Tensor loss) {
        Graph g = loss.graph();
        List<mcl.graph.Param> trainable = g.params().stream().filter(mcl.graph.Param::trainable).toList();
        Map<Tensor, Tensor> grads = gradients(loss, trainable.stream().map(mcl.graph.Param::tensor).toList());
        for (mcl.graph.Param p : trainable) g.output("grad." + p.name(), grads.get(p.tensor()));
    }

    private static void accumulate(Map<Tensor, Tensor> grads, Tensor x, Tensor gx) {
        grads.merge(x, gx, Elementwise::add);
    }

    /** Sums a broadcast gradient back to the operand's shape. */
    static Tensor unbroadcast(Tensor g, long[] shape) {
        if (Arrays.equals(g.shape(), shape)) return g;
        int lead = g.rank() - shape.length;
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < g.rank(); i++) {
            if (i < lead || (shape[i - lead] == 1 && g.dim(i) != 1)) axes.add(i);
        }
        Tensor r = axes.isEmpty() ? g : Reduce.sum(g, true, axes.stream().mapToInt(Integer::intValue).toArray());
        if (Shapes.numel(shape) != r.numel()) throw new IllegalStateException("gradient " + g.describe() + " does not reduce to " + Shapes.str(shape));
        return Movement.reshape(r, shape);
    }

    private static Set<Tensor> forwardReach(Graph g, List<Tensor> wrt) {
        Set<Tensor> reach = new HashSet<>(wrt);
        for (Node n : g.nodes()) {
            boolean any = false;
            for (Tensor t : n.inputs()) any |= t != null && reach.contains(t);
            if (any && !(n.attrs() instanceof Elementwise.StopGradient)) reach.addAll(n.outputs());
        }
        return reach;
    }

    /** Nodes the loss depends on that also depend on a target; records one consumer per node for error paths. */
    private static Set<Node> backwardReach(Tensor loss, Set<Tensor> dependsOnWrt, Map<Node, Node> consumerOnPath) {
        Set<Node> seen = new HashSet<>();
        Deque<Node> stack = new ArrayDeque<>();
        if (loss.producer() != null) stack.push(loss.producer());
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (!seen.add(n)) continue;
            for (Tensor t : n.inputs()) {
                if (t != null && t.producer() != null && dependsOnWrt.contains(t) && !seen.contains(t.producer())) {
                    consumerOnPath.putIfAbsent(t.producer(), n);
                    stack.push(t.producer());
                }
            }
        }
        return seen;
    }

    /** Nodes strictly inside a custom-gradient composite (between its inputs and its output). */
    private static Set<Node> between(Graph g, List<Tensor> inputs, Tensor output) {
        Set<Tensor> fromInputs = new HashSet<>(inputs);
        fromInputs.remove(null);
        Set<Node> inside = new HashSet<>();
        Deque<Node> stack = new ArrayDeque<>();
        stack.push(output.producer());
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (!inside.add(n)) continue;
            for (Tensor t : n.inputs()) {
                if (t != null && t.producer() != null && !fromInputs.contains(t)) stack.push(t.producer());
            }
        }
        return inside;
    }

    private static String path(Node n, Map<Node, Node> consumerOnPath, Tensor loss) {
        List<String> steps = new ArrayList<>();
        for (Node cur = n; cur != null; cur = consumerOnPath.get(cur)) {
            steps.add(cur.op().onnxName + " '" + cur.name() + "'");
            if (cur == loss.producer()) break;
        }
        java.util.Collections.reverse(steps);
        return "loss <- " + String.join(" <- ", steps.subList(0, steps.size()));
    }
}
