package mcl.graph.ops;

import java.util.List;
import mcl.graph.Attrs;
import mcl.graph.Graph;
import mcl.graph.Node;
import mcl.graph.Op;
import mcl.graph.Tensor;

/**
 * Collective points: values summed over the processes of a data-parallel job inside a forward or
 * backward pass (the statistics of synchronized BatchNorm). ONNX Runtime cannot run them: the
 * runtime splits the graph at them ({@link mcl.graph.Stages}), runs the pieces and does the
 * collective itself between them. Graphs of a single process contain none.
 */
public final class Collective {
    private Collective() { }

    /** The element-wise sum of {@code x} over every process (each holds a tensor of the same shape). */
    public static Tensor allReduceSum(Tensor x) {
        return x.graph().node(Op.ALL_REDUCE_SUM, List.of(x), Attrs.NONE, new Graph.Out(x.dtype(), x.shape())).output(0);
    }

    /**
     * Every process's loss depends on every process's x through the sum, so the gradient of the
     * job's summed loss with respect to this process's x is the sum of the output gradients.
     */
    public static List<Tensor> backward(Node n, Tensor gy) {
        return List.of(allReduceSum(gy));
    }
}
