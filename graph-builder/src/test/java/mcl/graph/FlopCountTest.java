package mcl.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import mcl.graph.init.Init;
import mcl.graph.ops.ConvPool;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Linalg;
import org.junit.jupiter.api.Test;

class FlopCountTest {
    @Test
    void convAndMatrixProductsAreCountedByHand() {
        Graph g = new Graph("t");
        Tensor x = g.input("x", DType.FLOAT, 2, 3, 8, 8);
        Tensor w = g.param("w", Init.ONES, Param.Role.TRAINABLE, 4, 3, 3, 3);
        Tensor y = ConvPool.conv(x, w, null, 2, 1, 1); // [2, 4, 4, 4]: 128 outputs x 27 products
        Tensor a = g.input("a", DType.FLOAT, 5, 6);
        Tensor b = g.input("b", DType.FLOAT, 6, 7);
        Tensor m = Linalg.matmul(a, b);                 // 35 outputs x 6 products
        Tensor gm = Linalg.gemm(a, b, null, false, false);
        g.output("y", Elementwise.relu(y));
        g.output("m", m);
        g.output("gm", gm);
        Elementwise.relu(Linalg.matmul(a, b));          // nothing reads it: not counted
        assertEquals(2.0 * (128 * 27 + 35 * 6 + 35 * 6), FlopCount.matrixFlops(g));
    }
}
