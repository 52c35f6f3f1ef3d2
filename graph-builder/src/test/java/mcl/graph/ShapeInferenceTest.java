package mcl.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import mcl.graph.init.Init;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graph.ops.ConvPool;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Linalg;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Reduce;
import org.junit.jupiter.api.Test;

class ShapeInferenceTest {
    private final Graph g = new Graph("t");

    @Test
    void broadcastingBinaryOps() {
        Tensor a = g.input("a", DType.FLOAT, 2, 3, 4);
        Tensor b = g.input("b", DType.FLOAT, 3, 1);
        assertArrayEquals(new long[] {2, 3, 4}, Elementwise.add(a, b).shape());
        Tensor bad = g.input("bad", DType.FLOAT, 5);
        ShapeException e = assertThrows(ShapeException.class, () -> Elementwise.mul(a, bad));
        assertTrue(e.getMessage().contains("Mul"), e.getMessage());
        assertTrue(e.getMessage().contains("'a' float[2,3,4]") && e.getMessage().contains("'bad' float[5]"), e.getMessage());
    }

    @Test
    void convOutputShapeAndChannelMismatch() {
        Tensor x = g.input("x", DType.FLOAT, 2, 3, 224, 224);
        Tensor w = g.input("w", DType.FLOAT, 64, 3, 7, 7);
        assertArrayEquals(new long[] {2, 64, 112, 112}, ConvPool.conv(x, w, null, 2, 3, 1).shape());
        Tensor w2 = g.input("w2", DType.FLOAT, 64, 4, 3, 3);
        ShapeException e = assertThrows(ShapeException.class, () -> ConvPool.conv(x, w2, null, 1, 1, 1));
        assertTrue(e.getMessage().startsWith("Conv"), e.getMessage());
        assertTrue(e.getMessage().contains("3 channels") && e.getMessage().contains("'w2' float[64,4,3,3]"), e.getMessage());
    }

    @Test
    void poolingAndResize() {
        Tensor x = g.input("x", DType.FLOAT, 1, 8, 112, 112);
        var mp = ConvPool.maxPool(x, 3, 2, 1);
        assertArrayEquals(new long[] {1, 8, 56, 56}, mp.values().shape());
        assertEquals(DType.INT64, mp.indices().dtype());
        assertArrayEquals(new long[] {1, 8, 224, 224}, Movement.upsampleNearest(x, 2).shape());
        assertArrayEquals(new long[] {1, 8, 16, 16}, ConvPool.averagePool(x, 7, 7).shape());
        assertArrayEquals(new long[] {1, 8, 1, 1}, ConvPool.globalAveragePool(x).shape());
    }

    @Test
    void reductionsAndMatmul() {
        Tensor x = g.input("x", DType.FLOAT, 4, 5, 6);
        assertArrayEquals(new long[] {1, 5, 1}, Reduce.mean(x, true, 0, 2).shape());
        assertArrayEquals(new long[] {5}, Reduce.sum(x, false, 0, -1).shape());
        ShapeException e = assertThrows(ShapeException.class, () -> Reduce.sum(x, false, 3));
        assertTrue(e.getMessage().contains("axis 3 out of range"), e.getMessage());
        Tensor m = g.input("m", DType.FLOAT, 6, 7);
        assertArrayEquals(new long[] {4, 5, 7}, Linalg.matmul(x, m).shape());
        ShapeException e2 = assertThrows(ShapeException.class, () -> Linalg.matmul(m, x));
        assertTrue(e2.getMessage().contains("inner dimensions 7 and 5 differ"), e2.getMessage());
        assertArrayEquals(new long[] {6, 4}, Linalg.gemm(m, g.input("b", DType.FLOAT, 4, 7), null, false, true).shape());
    }

    @Test
    void movementOps() {
        Tensor x = g.input("x", DType.FLOAT, 2, 3, 4);
        assertArrayEquals(new long[] {4, 2, 3}, Movement.transpose(x, 2, 0, 1).shape());
        assertSame(x, Movement.transpose(x, 0, 1, 2), "identity permutation adds no node");
        assertArrayEquals(new long[] {6, 4}, Movement.reshape(x, 6, 4).shape());
        ShapeException e = assertThrows(ShapeException.class, () -> Movement.reshape(x, 5, 5));
        assertTrue(e.getMessage().contains("cannot reshape 24 elements to [5,5]"), e.getMessage());
        assertArrayEquals(new long[] {2, 3, 2}, Movement.slice(x, new long[] {1}, new long[] {4}, new int[] {2}, new long[] {2}).shape());
        assertArrayEquals(new long[] {2, 6, 4}, Movement.concat(1, List.of(x, x)).shape());
        assertArrayEquals(new long[] {2, 3, 6}, Movement.pad(x, 0, 0, 1, 0, 0, 1).shape());
        Tensor idx = g.input("i", DType.INT64, 2, 3, 1);
        assertArrayEquals(new long[] {2, 3, 1}, Movement.gatherElements(x, idx, 2).shape());
        ShapeException e2 = assertThrows(ShapeException.class, () -> Movement.gatherElements(x, g.input("f", DType.FLOAT, 2, 3, 1), 2));
        assertTrue(e2.getMessage().contains("expects int64"), e2.getMessage());
    }

    @Test
    void layersNameParametersByScope() {
        Nn nn = new Nn(g, BnMode.TRAIN);
        Tensor x = g.input("x", DType.FLOAT, 2, 3, 32, 32);
        try (var s = g.scope("layer1"); var b = g.scope("0")) {
            Tensor y = nn.batchNorm2d("bn1", nn.conv2d("conv1", x, 8, 3, 1, 1, new Init.KaimingNormalFanOut()));
            assertArrayEquals(new long[] {2, 8, 32, 32}, y.shape());
            g.output("y", y);
        }
        assertEquals(List.of("layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias",
                "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var"), g.params().stream().map(Param::name).toList());
        assertTrue(g.outputs().containsKey("layer1.0.bn1.batch_mean"));
        assertTrue(g.outputs().containsKey("layer1.0.bn1.batch_var"));
        assertEquals(Param.Role.BUFFER, g.param("layer1.0.bn1.running_var").role());
        // Train-mode BN reads no running statistics, so they do not become graph inputs.
        assertEquals(3, OnnxExport.usedParams(g).size());
        // Nodes no output depends on are not exported.
        Tensor unused = Elementwise.relu(x);
        assertTrue(OnnxExport.liveNodes(g).stream().noneMatch(n -> n.outputs().contains(unused)));
    }

    @Test
    void duplicateNamesAndScopeOrderAreRejected() {
        g.param("w", Init.ZEROS, Param.Role.TRAINABLE, 2);
        assertThrows(IllegalArgumentException.class, () -> g.param("w", Init.ZEROS, Param.Role.TRAINABLE, 2));
        var outer = g.scope("a");
        var inner = g.scope("b");
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        outer.close();
        assertEquals("x", g.qualified("x"));
    }

    @Test
    void initialisersHaveTheirStatistics() {
        var rng = new java.util.SplittableRandom(1);
        float[] k = new Init.KaimingNormalFanOut().sample(new long[] {64, 32, 3, 3}, rng);
        assertEquals(Math.sqrt(2.0 / (64 * 9)), std(k), 0.03 * Math.sqrt(2.0 / (64 * 9)));
        float[] xu = new Init.XavierUniform().sample(new long[] {256, 512, 1, 1}, rng);
        double bound = Math.sqrt(6.0 / (256 + 512));
        for (float v : xu) assertTrue(Math.abs(v) <= bound);
        assertEquals(bound / Math.sqrt(3), std(xu), 0.03 * bound);
        assertEquals(0.01, std(new Init.Normal(0.01).sample(new long[] {2048, 256}, rng)), 3e-4);
    }

    private static double std(float[] a) {
        double s = 0, s2 = 0;
        for (float v : a) { s += v; s2 += v * v; }
        double m = s / a.length;
        return Math.sqrt(s2 / a.length - m * m);
    }
}
