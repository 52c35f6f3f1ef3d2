package mcl.graph.autodiff;

import static mcl.graph.ops.Elementwise.add;
import static mcl.graph.ops.Elementwise.mul;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.Op;
import mcl.graph.OnnxExport;
import mcl.graph.Tensor;
import mcl.graph.init.Init;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graph.ops.ConvPool;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Linalg;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Norm;
import mcl.graph.ops.Reduce;
import mcl.testing.GradCheck;
import mcl.testing.GradCheck.Spec;
import org.junit.jupiter.api.Test;

/** One finite-difference check per gradient rule (float64 where ORT runs the op in double). */
class GradRulesTest {
    private static final Spec F64 = Spec.float64();
    private static final Spec F32 = Spec.float32();

    private static double[] positive(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = 0.5 + r.nextDouble();
        return a;
    }

    /** Distinct values at least 0.05 apart, so a 1e-2 probe never changes a max-pool argmax. */
    private static double[] spaced(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = i * 0.05;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            double t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    private static float[] floats(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }

    @Test
    void elementwise() {
        GradCheck.check("add_broadcast", F64, (g, x) -> add(x.get(0), x.get(1)), null, new long[] {2, 3, 4}, new long[] {3, 1});
        GradCheck.check("sub", F64, (g, x) -> Elementwise.sub(x.get(0), x.get(1)), null, new long[] {3, 4}, new long[] {4});
        GradCheck.check("mul_broadcast", F64, (g, x) -> mul(x.get(0), x.get(1)), null, new long[] {2, 3}, new long[] {2, 1});
        GradCheck.check("div", F64, (g, x) -> Elementwise.div(x.get(0), x.get(1)), List.of(new double[0].length == 0 ? positive(6, 1) : null, positive(3, 2)), new long[] {2, 3}, new long[] {3});
        GradCheck.check("neg", F64, (g, x) -> Elementwise.neg(x.get(0)), null, new long[] {5});
        GradCheck.check("relu", F64, (g, x) -> Elementwise.relu(x.get(0)), null, new long[] {4, 5});
        GradCheck.check("sqrt", F64, (g, x) -> Elementwise.sqrt(x.get(0)), List.of(positive(6, 3)), new long[] {6});
        GradCheck.check("reciprocal", F64, (g, x) -> Elementwise.reciprocal(x.get(0)), List.of(positive(6, 4)), new long[] {6});
        GradCheck.check("exp", F64, (g, x) -> Elementwise.exp(x.get(0)), null, new long[] {6});
        GradCheck.check("log", F64, (g, x) -> Elementwise.log(x.get(0)), List.of(positive(6, 5)), new long[] {6});
        GradCheck.check("max", F64, (g, x) -> Elementwise.max(x.get(0), x.get(1)), null, new long[] {3, 4}, new long[] {3, 4});
        GradCheck.check("max_scalar_clamp", F64, (g, x) -> Elementwise.max(x.get(0), g.scalar(0.1, DType.DOUBLE)), null, new long[] {8});
        GradCheck.check("where", F64, (g, x) -> Elementwise.where(Elementwise.greater(x.get(0), g.scalar(0, DType.DOUBLE)), x.get(0), mul(x.get(1), x.get(1))),
                null, new long[] {7}, new long[] {7});
    }

    @Test
    void reductionsAndLinalg() {
        GradCheck.check("reduce_mean", F64, (g, x) -> Reduce.mean(x.get(0), true, 0, 2), null, new long[] {2, 3, 4});
        GradCheck.check("reduce_sum", F64, (g, x) -> Reduce.sum(x.get(0), false, 1), null, new long[] {2, 3, 4});
        GradCheck.check("reduce_sum_square", F64, (g, x) -> Reduce.sumSquare(x.get(0), true, 0, 2), null, new long[] {2, 3, 4});
        GradCheck.check("matmul_batched_broadcast", F64, (g, x) -> Linalg.matmul(x.get(0), x.get(1)), null, new long[] {2, 3, 4}, new long[] {4, 5});
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                long[] a = ta ? new long[] {4, 3} : new long[] {3, 4};
                long[] b = tb ? new long[] {5, 4} : new long[] {4, 5};
                GradCheck.check("gemm_" + ta + "_" + tb, F64, (g, x) -> Linalg.gemm(x.get(0), x.get(1), x.get(2), ta, tb), null, a, b, new long[] {5});
            }
        }
    }

    @Test
    void movement() {
        GradCheck.check("reshape", F64, (g, x) -> Movement.reshape(x.get(0), 6, 4), null, new long[] {2, 3, 4});
        GradCheck.check("transpose", F64, (g, x) -> Movement.transpose(x.get(0), 2, 0, 1), null, new long[] {2, 3, 4});
        GradCheck.check("slice", F64, (g, x) -> Movement.slice(x.get(0), new long[] {1, 0}, new long[] {3, 2}, new int[] {1, 2}, new long[] {1, 1}), null, new long[] {2, 4, 3});
        GradCheck.check("flip", F64, (g, x) -> mul(Movement.flip(x.get(0), 1, 2), x.get(0)), null, new long[] {2, 3, 3});
        GradCheck.check("concat", F64, (g, x) -> Movement.concat(1, List.of(x.get(0), x.get(1), x.get(0))), null, new long[] {2, 3}, new long[] {2, 2});
        GradCheck.check("expand", F64, (g, x) -> Movement.expand(x.get(0), 3, 2, 4), null, new long[] {2, 1});
        GradCheck.check("pad", F64, (g, x) -> Movement.pad(x.get(0), 0, 1, 2, 1, 0, 1), null, new long[] {2, 2, 3});
        GradCheck.check("gather_elements", F64, (g, x) -> Movement.gatherElements(x.get(0), g.constant(new long[] {2, 0, 2, 1, 1, 1}, 3, 2), 1), null, new long[] {3, 4});
        GradCheck.check("softmax", F64, (g, x) -> Norm.softmax(x.get(0), 1), null, new long[] {3, 5});
        GradCheck.check("log_softmax", F64, (g, x) -> Norm.logSoftmax(x.get(0), 1), null, new long[] {3, 5});
    }

    @Test
    void convolutions() {
        // (k, stride, pad) over odd and even sizes: stride-2 convs that drop the last row need output_padding.
        int[][] cases = {{3, 1, 1}, {3, 2, 1}, {1, 1, 0}, {1, 2, 0}, {7, 2, 3}, {3, 1, 0}};
        for (int[] c : cases) {
            for (int size : new int[] {7, 8}) {
                GradCheck.check("conv_k" + c[0] + "s" + c[1] + "p" + c[2] + "_" + size, F32,
                        (g, x) -> ConvPool.conv(x.get(0), x.get(1), null, c[1], c[2], 1), null,
                        new long[] {2, 3, size, size}, new long[] {4, 3, c[0], c[0]});
            }
        }
        // 3 input channels take the stem's dW (one dilated conv); 6 take the per-image products.
        GradCheck.check("conv_k3s1p1_6ch", F32, (g, x) -> ConvPool.conv(x.get(0), x.get(1), null, 1, 1, 1), null,
                new long[] {2, 6, 5, 5}, new long[] {4, 6, 3, 3});
        GradCheck.check("conv_k3s2p1_6ch", F32, (g, x) -> ConvPool.conv(x.get(0), x.get(1), null, 2, 1, 1), null,
                new long[] {2, 6, 6, 6}, new long[] {4, 6, 3, 3});
        GradCheck.check("conv_bias", F32, (g, x) -> ConvPool.conv(x.get(0), x.get(1), x.get(2), 1, 1, 1), null,
                new long[] {1, 2, 5, 5}, new long[] {3, 2, 3, 3}, new long[] {3});
    }

    /** A conv on a map of a few pixels as one dense product, its kernel gathered into a matrix. */
    @Test
    void denseConv() {
        int[][] cases = {{3, 1, 2, 2}, {3, 1, 1, 2}, {5, 2, 2, 1}}; // k, pad, H, W
        for (int[] c : cases) {
            GradCheck.check("conv_dense_k" + c[0] + "_" + c[2] + "x" + c[3], F32, (g, x) -> ConvPool.convDense(x.get(0), x.get(1), c[1]), null,
                    new long[] {3, 2, c[2], c[3]}, new long[] {4, 2, c[0], c[0]});
        }
    }

    @Test
    void denseConvEqualsConv() {
        Graph g = new Graph("dense");
        Tensor x = g.input("x", DType.FLOAT, 3, 2, 3, 4); // 12 pixels: convDense is called directly
        Tensor w = g.input("w", DType.FLOAT, 4, 2, 3, 3);
        Tensor small = new Graph("shapes").input("small", DType.FLOAT, 3, 2, 2, 2);
        assertTrue(ConvPool.runsDense(small, 4, 3, 1, 1) && !ConvPool.runsDense(x, 4, 3, 1, 1), "2x2 maps run dense, 3x4 ones do not");
        assertTrue(!ConvPool.runsDense(small, 4, 3, 2, 1) && !ConvPool.runsDense(small, 4, 3, 1, 0) && !ConvPool.runsDense(small, 4, 1, 1, 0),
                "strided, shrinking and 1x1 convs keep the plain Conv");
        Tensor wide = new Graph("shapes").input("wide", DType.FLOAT, 3, 512, 2, 2);
        assertTrue(!ConvPool.runsDense(wide, 512, 3, 1, 1), "a 2048 x 2048 matrix is past the measured sizes");
        g.output("plain", ConvPool.conv(x, w, null, 1, 1, 1));
        g.output("dense", ConvPool.convDense(x, w, 1));
        var out = mcl.testing.OrtHarness.run(OnnxExport.toModel(g), java.util.Map.of(
                "x", mcl.tensors.HostTensor.of(floats(3 * 2 * 3 * 4, 1), 3, 2, 3, 4), "w", mcl.tensors.HostTensor.of(floats(4 * 2 * 9, 2), 4, 2, 3, 3)));
        float[] b = out.get("plain").floats();
        float[] d = out.get("dense").floats();
        assertEquals(b.length, d.length);
        for (int i = 0; i < b.length; i++) assertEquals(b[i], d[i], 1e-5, "element " + i);
    }

    @Test
    void pooling() {
        GradCheck.check("max_pool_3s2p1", F32, (g, x) -> ConvPool.maxPool(x.get(0), 3, 2, 1).values(), List.of(spaced(2 * 3 * 9 * 9, 7)), new long[] {2, 3, 9, 9});
        GradCheck.check("average_pool_window", F32, (g, x) -> ConvPool.averagePool(x.get(0), 3, 3), null, new long[] {2, 2, 6, 9});
        GradCheck.check("global_average_pool", F32, (g, x) -> ConvPool.globalAveragePool(x.get(0)), null, new long[] {2, 3, 4, 5});
        GradCheck.check("upsample_nearest_2x", F32, (g, x) -> Movement.upsampleNearest(x.get(0), 2), null, new long[] {2, 3, 3, 4});
    }

    @Test
    void batchNorm() {
        // Running statistics are constants of inference-mode BN: no gradient flows to them.
        GradCheck.check("bn_inference", F32, (g, x) -> Norm.batchNormInference(x.get(0), x.get(1), x.get(2),
                g.constant(new float[] {0.1f, -0.2f, 0.3f}, 3), g.constant(new float[] {0.5f, 1.5f, 0.8f}, 3), 1e-5f),
                null, new long[] {2, 3, 4, 4}, new long[] {3}, new long[] {3});
        // Training mode goes through the closed-form custom gradient; the affine parameters are
        // differentiated through a multiply-by-input so the check also covers d/dgamma and d/dbeta.
        GradCheck.check("bn2d_train", F32, (g, x) -> {
            Tensor y = new Nn(g, BnMode.TRAIN).batchNorm2d("bn", x.get(0));
            return mul(y, x.get(1));
        }, null, new long[] {3, 2, 3, 3}, new long[] {3, 2, 3, 3});
        GradCheck.check("bn1d_train_no_affine", F32, (g, x) -> new Nn(g, BnMode.TRAIN).batchNorm1d("bn", x.get(0), false), null, new long[] {6, 4});
    }

    @Test
    void compositesNeedNoRule() {
        GradCheck.check("l2_normalize", F64, (g, x) -> new Nn(g, BnMode.TRAIN).l2Normalize(x.get(0)), null, new long[] {3, 5});
        GradCheck.check("cross_entropy", F64, (g, x) -> new Nn(g, BnMode.TRAIN).crossEntropy(x.get(0), g.constant(new long[] {1, 0, 4}, 3)), null, new long[] {3, 5});
    }

    @Test
    void everyOpIsClassified() {
        for (Op op : Op.values()) {
            GradRules.Kind k = GradRules.kind(op);
            if (k == GradRules.Kind.RULE) assertNotNull(GradRules.rule(op), op.name());
            else assertNull(GradRules.rule(op), op.name());
        }
    }

    @Test
    void fanOutAccumulatesAndUnusedTargetsGetZeros() {
        GradCheck.check("fan_out", F64, (g, x) -> add(mul(x.get(0), x.get(0)), x.get(0)), null, new long[] {5});
        Graph g = new Graph("t");
        Tensor a = g.input("a", DType.FLOAT, 3);
        Tensor unused = g.input("u", DType.FLOAT, 2);
        Tensor loss = Reduce.sum(mul(a, a), false, 0);
        var grads = Autodiff.gradients(loss, List.of(a, unused));
        assertEquals(Op.MUL, grads.get(unused).producer().op());
        assertTrue(grads.get(unused).producer().inputs().contains(unused), "the zero gradient reads its target, which stays an input");
    }

    @Test
    void stopGradientPassesNothing() {
        Graph g = new Graph("t");
        Tensor a = g.input("a", DType.FLOAT, 3);
        Tensor b = g.input("b", DType.FLOAT, 3);
        // loss = sum(a + stop(a) * b): d/da is exactly 1, d/db is a.
        Tensor loss = Reduce.sum(add(a, mul(Elementwise.stopGradient(a), b)), false, 0);
        var grads = Autodiff.gradients(loss, List.of(a, b));
        g.output("ga", grads.get(a));
        g.output("gb", grads.get(b));
        var out = mcl.testing.OrtHarness.run(OnnxExport.toModel(g), java.util.Map.of(
                "a", mcl.tensors.HostTensor.of(new float[] {1, 2, 3}, 3), "b", mcl.tensors.HostTensor.of(new float[] {4, 5, 6}, 3)));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {1, 1, 1}, out.get("ga").floats());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {1, 2, 3}, out.get("gb").floats());
    }

    @Test
    void missingRuleNamesTheOpAndThePath() {
        Graph g = new Graph("t");
        Tensor a = g.input("a", DType.FLOAT, 3, 4);
        Tensor loss;
        try (var s = g.scope("head")) {
            loss = Reduce.sum(Elementwise.exp(Reduce.max(a, false, 1)), false, 0);
        }
        var e = assertThrows(UnsupportedOperationException.class, () -> Autodiff.gradients(loss, List.of(a)));
        assertTrue(e.getMessage().contains("no gradient rule for ReduceMax"), e.getMessage());
        assertTrue(e.getMessage().contains("ReduceSum 'head/ReduceSum_0' <- Exp 'head/Exp_0' <- ReduceMax 'head/ReduceMax_0'"), e.getMessage());
    }

    @Test
    void trainingGraphHoldsDefaultDomainOpsOnly() {
        Graph g = new Graph("t");
        Nn nn = new Nn(g, BnMode.TRAIN);
        Tensor x = g.input("x", DType.FLOAT, 2, 3, 8, 8);
        Tensor y = nn.relu(nn.batchNorm2d("bn", nn.conv2d("conv", x, 4, 3, 2, 1, new Init.KaimingNormalFanOut())));
        y = nn.maxPool(y, 3, 2, 1);
        Tensor loss = Reduce.mean(nn.globalAvgPool(y), false, 0, 1);
        var grads = Autodiff.gradients(loss, g.params().stream().filter(p -> p.trainable()).map(p -> p.tensor()).toList());
        grads.forEach((p, gp) -> g.output("grad." + p.name(), gp));
        var model = OnnxExport.toModel(g);
        for (var n : model.getGraph().getNodeList()) assertEquals("", n.getDomain(), n.getOpType());
        assertEquals(1, model.getOpsetImportCount());
        assertEquals("", model.getOpsetImport(0).getDomain());
    }
}
