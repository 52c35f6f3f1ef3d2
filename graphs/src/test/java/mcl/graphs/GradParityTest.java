package mcl.graphs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.Param;
import mcl.graph.Tensor;
import mcl.graph.autodiff.Autodiff;
import mcl.graph.init.Init;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Reduce;
import mcl.graphs.nets.ResNet;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;
import mcl.testing.Oracle;
import mcl.testing.TestWeights;
import mcl.testing.OrtHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Loss and EVERY parameter gradient of our autodiff graphs against PyTorch autograd (float64
 * reference): residual blocks, ResNet-18/50 + v2 FPN, an MLP with BN1d, and L2 normalisation
 * followed by softmax cross-entropy over a similarity matrix.
 */
class GradParityTest {
    @TempDir
    Path dir;

    private final Map<String, HostTensor> inputs = new LinkedHashMap<>();
    private final SplittableRandom rng = new SplittableRandom(5);

    private Tensor dataInput(Graph g, String name, long... shape) {
        inputs.put(name, HostTensor.of(TestWeights.uniform(rng, (int) mcl.graph.Shapes.numel(shape), -1, 1), shape));
        return g.input(name, DType.FLOAT, shape);
    }

    /** L = sum_o sum(out_o * R.o) with random R, so every output element carries gradient. */
    private Tensor weightedSum(Graph g, Map<String, Tensor> outs) {
        Tensor loss = null;
        for (var e : outs.entrySet()) {
            Tensor r = dataInput(g, "R." + e.getKey(), e.getValue().shape());
            int[] all = new int[e.getValue().rank()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            Tensor term = Reduce.sum(Elementwise.mul(e.getValue(), r), false, all);
            loss = loss == null ? term : Elementwise.add(loss, term);
        }
        return loss;
    }

    @ParameterizedTest
    @ValueSource(strings = {"basic_s1", "basic_s2", "bottleneck_s1", "bottleneck_s2", "mlp_bn1d", "fpn_r18", "fpn_r50"})
    void moduleGradientsMatchAutograd(String model) throws Exception {
        Oracle.require();
        Graph g = new Graph(model);
        Nn nn = new Nn(g, BnMode.TRAIN);
        Map<String, Tensor> outs = new LinkedHashMap<>();
        switch (model) {
            case "basic_s1" -> outs.put("y", ResNet.block(nn, ResNet.Block.BASIC, dataInput(g, "x", 4, 8, 12, 12), 8, 1));
            case "basic_s2" -> outs.put("y", ResNet.block(nn, ResNet.Block.BASIC, dataInput(g, "x", 4, 8, 12, 12), 16, 2));
            case "bottleneck_s1" -> outs.put("y", ResNet.block(nn, ResNet.Block.BOTTLENECK, dataInput(g, "x", 4, 16, 10, 10), 4, 1));
            case "bottleneck_s2" -> outs.put("y", ResNet.block(nn, ResNet.Block.BOTTLENECK, dataInput(g, "x", 4, 16, 11, 11), 8, 2));
            case "mlp_bn1d" -> {
                Tensor h = nn.linear("0", dataInput(g, "x", 6, 16), 32, true, new Init.KaimingNormalFanIn(), new Init.Normal(0.1));
                h = nn.relu(nn.batchNorm1d("1", h, true));
                h = nn.linear("3", h, 8, true, new Init.KaimingNormalFanIn(), new Init.Normal(0.1));
                outs.put("y", nn.batchNorm1d("4", h, false));
            }
            default -> {
                List<Tensor> p = BackboneFpn.apply(nn, ResNet.variant(model.substring(4)), 256, dataInput(g, "x", 2, 3, 96, 96));
                for (int i = 0; i < 4; i++) outs.put(BackboneFpn.LEVEL_NAMES.get(i), p.get(i));
            }
        }
        Tensor loss = weightedSum(g, outs);
        // Every trainable parameter, and the data input (so input-gradient rules are compared too).
        List<Param> trainable = g.params().stream().filter(Param::trainable).toList();
        List<Tensor> wrt = new ArrayList<>(trainable.stream().map(Param::tensor).toList());
        List<String> names = new ArrayList<>(trainable.stream().map(Param::name).toList());
        wrt.add(g.inputs().get(0));
        names.add("x");
        runAndCompare(g, model, loss, wrt, names);
    }

    @Test
    void l2NormalisedSimilarityCrossEntropy() throws Exception {
        Oracle.require();
        Graph g = new Graph("l2_ce");
        Nn nn = new Nn(g, BnMode.TRAIN);
        Tensor q = dataInput(g, "q", 6, 8);
        Tensor k = dataInput(g, "k", 4, 8);
        long[] labels = {0, 3, 1, 1, 2, 0};
        inputs.put("labels", HostTensor.ofLongs(labels, 6));
        Tensor sim = nn.matmul(nn.l2Normalize(q), mcl.graph.ops.Movement.transposeLast2(nn.l2Normalize(k)));
        Tensor loss = nn.crossEntropy(Elementwise.scale(sim, 1 / 0.2), g.constant(labels, 6));
        runAndCompare(g, "l2_ce", loss, List.of(q, k), List.of("q", "k"));
    }

    private void runAndCompare(Graph g, String model, Tensor loss, List<Tensor> wrt, List<String> names) throws Exception {
        g.output("loss", loss);
        Map<Tensor, Tensor> grads = Autodiff.gradients(loss, wrt);
        for (int i = 0; i < wrt.size(); i++) g.output("grad." + names.get(i), grads.get(wrt.get(i)));
        Map<String, HostTensor> weights = TestWeights.random(g.params(), 3);
        Map<String, HostTensor> feed = new LinkedHashMap<>(weights);
        inputs.forEach((n, t) -> { if (!n.equals("labels")) feed.put(n, t); });
        Map<String, HostTensor> out = OrtHarness.run(OnnxExport.toModel(g), feed);
        Map<String, HostTensor> ours = new LinkedHashMap<>();
        for (String k : new ArrayList<>(out.keySet())) {
            if (k.equals("loss") || k.startsWith("grad.")) ours.put(k, out.get(k));
        }
        SafeTensors.write(dir.resolve("weights.safetensors"), weights, Map.of());
        SafeTensors.write(dir.resolve("inputs.safetensors"), inputs, Map.of());
        SafeTensors.write(dir.resolve("ours.safetensors"), ours, Map.of());
        // MCL_KEEP=DIR keeps the tensors of each comparison for debugging with the oracle script.
        if (System.getenv("MCL_KEEP") != null) {
            Path keep = Path.of(System.getenv("MCL_KEEP"), model);
            java.nio.file.Files.createDirectories(keep);
            for (String f : List.of("weights.safetensors", "inputs.safetensors", "ours.safetensors")) {
                java.nio.file.Files.copy(dir.resolve(f), keep.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Oracle.run("grad_parity.py", dir.toString(), model);
    }
}
