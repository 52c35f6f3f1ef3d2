package mcl.graphs.seg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.GraphManifest;
import mcl.graph.OnnxExport;
import mcl.graph.Param;
import mcl.graph.Shapes;
import mcl.graph.Tensor;
import mcl.graph.autodiff.Autodiff;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Reduce;
import mcl.graphs.Preset;
import mcl.testing.TestWeights;
import mcl.graphs.nets.ResNet;
import mcl.tensors.HostTensor;
import mcl.testing.Oracle;
import mcl.testing.OracleCase;
import mcl.testing.OrtHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Semantic-FPN graphs against the PyTorch reference (oracle/seg_reference.py): same weights,
 * images and labels; loss, pixel_correct, every gradient and every BN batch statistic of seg_train,
 * and seg_eval's logits. Also the bilinear upsampling alone, and onnx.checker on both graphs.
 */
class SegGraphParityTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} B={1} S={2} K={3}")
    @CsvSource({"tiny, 4, 64, 11", "r18, 2, 64, 11"})
    void matchesThePytorchReference(String preset, int batch, int size, int classes) throws Exception {
        Oracle.require();
        SegConfig cfg = SegConfig.of(Preset.named(preset), classes, batch, size);
        SegGraphs.Built built = SegGraphs.build(cfg);
        SplittableRandom rng = new SplittableRandom(batch * 131L + size);
        long[] ishape = {batch, 3, size, size};
        long[] labels = new long[batch * size * size];
        for (int i = 0; i < labels.length; i++) labels[i] = rng.nextInt(classes);
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        inputs.put(SegGraphs.IMAGES, HostTensor.of(TestWeights.uniform(rng, (int) Shapes.numel(ishape), -2, 2), ishape));
        inputs.put(SegGraphs.LABELS, HostTensor.ofLongs(labels, batch, size, size));
        Map<String, HostTensor> weights = TestWeights.random(built.train().params(), 7);

        Map<String, HostTensor> feed = new LinkedHashMap<>(weights);
        feed.putAll(inputs);
        Map<String, HostTensor> ours = new LinkedHashMap<>(OrtHarness.run(OnnxExport.toModel(built.train()), feed));
        long trainable = built.train().params().stream().filter(Param::trainable).count();
        assertEquals(trainable, ours.keySet().stream().filter(k -> k.startsWith("grad.")).count());
        assertEquals(2 * built.trainBn().size(), ours.keySet().stream().filter(k -> k.endsWith(".batch_mean") || k.endsWith(".batch_var")).count());
        Map<String, HostTensor> evalFeed = new LinkedHashMap<>(weights);
        evalFeed.put(SegGraphs.IMAGES, inputs.get(SegGraphs.IMAGES));
        HostTensor logits = OrtHarness.run(OnnxExport.toModel(built.eval()), evalFeed).get(SegGraphs.LOGITS);
        assertEquals(java.util.List.of((long) batch, (long) classes, (long) size, (long) size),
                java.util.Arrays.stream(logits.shape()).boxed().toList());
        ours.put("eval:logits", logits);

        ObjectNode config = GraphManifest.JSON.createObjectNode();
        ResNet.Variant b = cfg.preset().backbone();
        config.put("block", b.block() == ResNet.Block.BASIC ? "basic" : "bottleneck");
        var layers = config.putArray("layers");
        for (int n : b.layers()) layers.add(n);
        config.put("width", b.width());
        config.put("fpn_channels", cfg.preset().fpnChannels());
        config.put("head_channels", cfg.headChannels());
        config.put("num_classes", classes);
        OracleCase.write(dir, config, Map.of("weights", weights, "inputs", inputs, "ours", ours));
        if (System.getenv("MCL_KEEP") != null) {
            Path keep = Path.of(System.getenv("MCL_KEEP"), "seg_" + preset + "_" + batch + "_" + size);
            Files.createDirectories(keep);
            for (var f : Files.list(dir).toList()) Files.copy(f, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Oracle.run("seg_reference.py", "check", dir.toString());
    }

    /** torch F.interpolate(bilinear, align_corners=False) by 2 and 4 on a non-square map: values and input gradient. */
    @ParameterizedTest(name = "factor {0}")
    @ValueSource(ints = {2, 4})
    void bilinearUpsampleMatchesTorch(int factor) throws Exception {
        Oracle.require();
        SplittableRandom rng = new SplittableRandom(factor);
        Graph g = new Graph("bilinear");
        long[] xs = {2, 3, 5, 7};
        long[] ys = {2, 3, 5L * factor, 7L * factor};
        Tensor x = g.input("x", DType.FLOAT, xs);
        Tensor r = g.input("R", DType.FLOAT, ys);
        Tensor y = new Nn(g, BnMode.TRAIN).upsampleBilinear(x, factor);
        assertEquals(java.util.Arrays.toString(ys), java.util.Arrays.toString(y.shape()));
        Tensor loss = Reduce.sum(Elementwise.mul(y, r), false, 0, 1, 2, 3);
        g.output("y", y);
        g.output("grad.x", Autodiff.gradients(loss, java.util.List.of(x)).get(x));
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        inputs.put("x", HostTensor.of(TestWeights.uniform(rng, (int) Shapes.numel(xs), -1, 1), xs));
        inputs.put("R", HostTensor.of(TestWeights.uniform(rng, (int) Shapes.numel(ys), -1, 1), ys));
        Map<String, HostTensor> ours = OrtHarness.run(OnnxExport.toModel(g), inputs);
        ObjectNode config = GraphManifest.JSON.createObjectNode();
        config.put("factor", factor);
        OracleCase.write(dir, config, Map.of("inputs", inputs, "ours", ours));
        Oracle.run("seg_reference.py", "bilinear", dir.toString());
    }

    /** Both graphs pass onnx.checker (full_check, default-domain ops only); the manifest lists what the trainer needs. */
    @Test
    void writtenGraphsPassTheCheckerAndTheManifestIsComplete() throws Exception {
        SegGraphs.Built b = SegGraphs.write(SegConfig.of(Preset.TINY, 11, 2, 64), dir);
        JsonNode m = GraphManifest.JSON.readTree(dir.resolve(SegGraphs.MANIFEST).toFile());
        assertEquals("tiny", m.get("preset").asText());
        assertEquals(11, m.get("num_classes").asInt());
        assertEquals(2, m.get("batch").asInt());
        assertEquals(64, m.get("size").asInt());
        assertEquals(64, m.get("head_channels").asInt());
        Set<String> outs = new HashSet<>();
        m.get("graphs").get(SegGraphs.TRAIN).get("outputs").forEach(o -> outs.add(o.get("name").asText()));
        assertTrue(outs.containsAll(Set.of("loss", "pixel_correct", "grad.seg_head.cls.weight", "grad.backbone.body.conv1.weight",
                "seg_head.scale_heads.3.2.bn.batch_mean", "backbone.fpn.layer_blocks.0.1.batch_var")), outs.toString());
        JsonNode evalOut = m.get("graphs").get(SegGraphs.EVAL).get("outputs").get(0);
        assertEquals("logits", evalOut.get("name").asText());
        assertEquals("[2,11,64,64]", evalOut.get("shape").toString());
        int params = 0;
        for (JsonNode p : m.get("parameters")) {
            params++;
            boolean matrix = p.get("shape").size() > 1;
            assertEquals(matrix, p.get("weight_decay").asBoolean(), p.toString());
            if (p.get("name").asText().equals("seg_head.cls.weight")) assertEquals("normal(0, 0.01)", p.get("init").asText());
            if (p.get("name").asText().startsWith("seg_head.scale_heads.")) assertFalse(p.get("name").asText().contains("cls"));
        }
        assertEquals(b.train().params().size(), params);
        assertEquals(b.trainBn().size(), m.get("bn_stats").get(SegGraphs.TRAIN).size());
        JsonNode s0 = m.get("bn_stats").get(SegGraphs.TRAIN).get(0);
        assertEquals("backbone.body.bn1.batch_mean", s0.get("mean").asText());
        assertEquals("backbone.body.bn1.running_mean", s0.get("running_mean").asText());
        assertEquals(2L * 32 * 32, s0.get("count").asLong());
        // scale heads: P2 1 block, P3 1, P4 2, P5 3 (mmsegmentation's FPNHead)
        assertEquals(7 * 5 + 2, b.train().params().stream().filter(p -> p.name().startsWith("seg_head.")).count());
        Oracle.run("check_onnx.py", dir.resolve(SegGraphs.TRAIN).toString(), dir.resolve(SegGraphs.EVAL).toString());
    }
}
