package mcl.graphs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.Param;
import mcl.graph.Tensor;
import mcl.graph.init.Initializer;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graphs.nets.ResNet;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;
import mcl.testing.Oracle;
import mcl.testing.TestWeights;
import mcl.testing.OrtHarness;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Forward parity with torchvision: same weights, same images, ResNet bodies (C2..C5) and the v2
 * backbone+FPN (P2..P5), in train-mode and eval-mode BN. Criterion max|ours-ref|/max|ref| <= 1e-4.
 */
class ForwardParityTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} bn={1}")
    @CsvSource({
        "resnet18, train", "resnet18, eval", "resnet50, train", "resnet50, eval",
        "fpn_r18, train", "fpn_r18, eval", "fpn_r50, train", "fpn_r50, eval"
    })
    void matchesTorchvision(String model, String bn) throws Exception {
        Oracle.require();
        BnMode mode = bn.equals("train") ? BnMode.TRAIN : BnMode.EVAL;
        int batch = 2;
        int size = 96;
        Graph g;
        if (model.startsWith("fpn_")) {
            g = BackboneFpn.graph(Preset.named(model.substring(4)), mode, batch, size);
        } else {
            g = new Graph(model);
            Tensor x = g.input(BackboneFpn.IMAGES, DType.FLOAT, batch, 3, size, size);
            List<Tensor> c = ResNet.body(new Nn(g, mode), ResNet.variant(model), x);
            for (int i = 0; i < 4; i++) g.output("c" + (i + 2), c.get(i));
        }
        Map<String, HostTensor> weights = TestWeights.random(g.params(), 7);
        float[] images = TestWeights.uniform(new SplittableRandom(11), batch * 3 * size * size, -2, 2);

        Map<String, HostTensor> feed = new LinkedHashMap<>(weights);
        feed.put(BackboneFpn.IMAGES, HostTensor.of(images, batch, 3, size, size));
        ModelProto m = OnnxExport.toModel(g);
        Map<String, HostTensor> out = OrtHarness.run(m, feed);
        Map<String, HostTensor> ours = new LinkedHashMap<>();
        for (String k : g.outputs().keySet()) {
            if (k.matches("[cp][2-5]")) ours.put(k, out.get(k));
        }
        assertTrue(ours.size() == 4, "expected four feature maps, got " + ours.keySet());

        SafeTensors.write(dir.resolve("weights.safetensors"), weights, Map.of());
        SafeTensors.write(dir.resolve("input.safetensors"), Map.of("images", HostTensor.of(images, batch, 3, size, size)), Map.of());
        SafeTensors.write(dir.resolve("ours.safetensors"), ours, Map.of());
        Files.write(dir.resolve("model.onnx"), m.toByteArray());
        Oracle.run("forward_parity.py", dir.toString(), model, bn);
        Oracle.run("check_onnx.py", dir.resolve("model.onnx").toString());
    }
}
