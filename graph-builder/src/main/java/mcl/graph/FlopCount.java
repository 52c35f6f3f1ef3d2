package mcl.graph;

import mcl.graph.ops.ConvPool;
import mcl.graph.ops.Linalg;

/**
 * Multiply-add work of a graph's matrix ops (Conv, ConvTranspose, MatMul, Gemm), counted as 2
 * FLOPs per multiply-add over the nodes its outputs depend on; the one-hot grouped convs that
 * gather conv windows (im2col) are data movement and count 0. Elementwise, reduction and data
 * movement nodes are left out: they are memory-bound, and the figure is compared with a GEMM rate.
 */
public final class FlopCount {
    private FlopCount() { }

    public static double matrixFlops(Graph g) {
        double total = 0;
        for (Node n : OnnxExport.liveNodes(g)) total += flops(n);
        return total;
    }

    static double flops(Node n) {
        Tensor a = n.inputs().get(0);
        return switch (n.op()) {
            case CONV -> { // weight [Cout, Cin/group, kh, kw]: each output sums Cin/group * kh * kw products
                if (n.attrs() instanceof ConvPool.GroupedConvAttrs) yield 0; // im2col: a gather written as a one-hot conv
                Tensor w = n.inputs().get(1);
                yield 2.0 * n.output(0).numel() * w.dim(1) * w.dim(2) * w.dim(3);
            }
            case CONV_TRANSPOSE -> { // weight [Cin, Cout/group, kh, kw]: each input feeds Cout/group * kh * kw outputs
                Tensor w = n.inputs().get(1);
                yield 2.0 * a.numel() * w.dim(1) * w.dim(2) * w.dim(3);
            }
            case MATMUL -> 2.0 * n.output(0).numel() * a.dim(a.rank() - 1);
            case GEMM -> 2.0 * n.output(0).numel() * (n.attrs(Linalg.GemmAttrs.class).transA() ? a.dim(0) : a.dim(1));
            default -> 0;
        };
    }
}
