package mcl.graphs.det;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
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
import mcl.graphs.nets.ResNet;
import mcl.tensors.HostTensor;
import mcl.testing.Oracle;
import mcl.testing.OracleCase;
import mcl.testing.OrtHarness;
import mcl.testing.TestWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The FCOS graphs against the PyTorch reference (oracle/det_reference.py): same weights, images
 * and per-location targets; loss, each loss term, every gradient and every BN batch statistic of
 * det_train, and det_eval's three outputs. Also the loss alone on wide-ranged head outputs, the
 * GroupNorm layer alone, and onnx.checker on both written graphs.
 *
 * <p>The graphs module cannot use the runtime's target assignment, so targets are drawn directly:
 * about one location in eight positive, with a random class and distances of 0.3-3.5 strides
 * (centerness from them, as FCOS defines it), zeros elsewhere (so the zero-box guard of the GIoU
 * term is exercised).
 */
class DetGraphParityTest {
    private static final int CLASSES = 10;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} B={1} S={2}")
    @CsvSource({"tiny, 3, 64", "r18, 2, 64"})
    void matchesThePytorchReference(String preset, int batch, int size) throws Exception {
        Oracle.require();
        DetConfig cfg = DetConfig.of(Preset.named(preset), CLASSES, batch, size);
        DetGraphs.Built built = DetGraphs.build(cfg);
        SplittableRandom rng = new SplittableRandom(batch * 131L + size);
        long[] ishape = {batch, 3, size, size};
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        inputs.put(DetGraphs.IMAGES, HostTensor.of(TestWeights.uniform(rng, (int) Shapes.numel(ishape), -2, 2), ishape));
        inputs.putAll(randomTargets(rng, batch, size, CLASSES));
        Map<String, HostTensor> weights = TestWeights.random(built.train().params(), 7);

        Map<String, HostTensor> feed = new LinkedHashMap<>(weights);
        feed.putAll(inputs);
        Map<String, HostTensor> ours = new LinkedHashMap<>(OrtHarness.run(OnnxExport.toModel(built.train()), feed));
        long trainable = built.train().params().stream().filter(Param::trainable).count();
        assertEquals(trainable, ours.keySet().stream().filter(k -> k.startsWith("grad.")).count());
        assertEquals(2 * built.trainBn().size(), ours.keySet().stream().filter(k -> k.endsWith(".batch_mean") || k.endsWith(".batch_var")).count());
        Map<String, HostTensor> evalFeed = new LinkedHashMap<>(weights);
        evalFeed.put(DetGraphs.IMAGES, inputs.get(DetGraphs.IMAGES));
        Map<String, HostTensor> eval = OrtHarness.run(OnnxExport.toModel(built.eval()), evalFeed);
        long l = cfg.locations();
        assertEquals(List.of((long) batch, l, (long) CLASSES), shape(eval.get(DetGraphs.CLS_LOGITS)));
        assertEquals(List.of((long) batch, l, 4L), shape(eval.get(DetGraphs.BOX_PRED)));
        assertEquals(List.of((long) batch, l), shape(eval.get(DetGraphs.CTR_LOGITS)));
        for (String k : List.of(DetGraphs.CLS_LOGITS, DetGraphs.BOX_PRED, DetGraphs.CTR_LOGITS)) ours.put("eval:" + k, eval.get(k));

        ObjectNode config = GraphManifest.JSON.createObjectNode();
        ResNet.Variant b = cfg.preset().backbone();
        config.put("block", b.block() == ResNet.Block.BASIC ? "basic" : "bottleneck");
        var layers = config.putArray("layers");
        for (int n : b.layers()) layers.add(n);
        config.put("width", b.width());
        config.put("fpn_channels", cfg.preset().fpnChannels());
        config.put("head_channels", cfg.headChannels());
        config.put("num_classes", CLASSES);
        config.put("convs", DetHead.CONVS);
        config.put("gn_groups", DetHead.GN_GROUPS);
        config.put("size", size);
        var strides = config.putArray("strides");
        for (int s : DetHead.STRIDES) strides.add(s);
        OracleCase.write(dir, config, Map.of("weights", weights, "inputs", inputs, "ours", ours));
        keep("det_" + preset + "_" + batch + "_" + size);
        Oracle.run("det_reference.py", "check", dir.toString());
    }

    /**
     * The loss alone on head outputs over a wide range (logits in +-12, distances from 0 to 4
     * strides, so predicted boxes are inside, around and beside the targets): the four values and
     * the gradients of the total with respect to the three head outputs.
     */
    @Test
    void lossMatchesTorchvisionOps() throws Exception {
        Oracle.require();
        int batch = 2;
        int size = 64;
        int l = DetHead.locations(size);
        SplittableRandom rng = new SplittableRandom(5);
        Graph g = new Graph("fcos_loss");
        Tensor cls = g.input("cls_logits", DType.FLOAT, batch, l, CLASSES);
        Tensor box = g.input("box_pred", DType.FLOAT, batch, l, 4);
        Tensor ctr = g.input("ctr_logits", DType.FLOAT, batch, l);
        FcosLoss.Terms t = FcosLoss.terms(new DetHead.Outputs(cls, box, ctr),
                g.input(DetGraphs.CLS_TARGETS, DType.FLOAT, batch, l, CLASSES), g.input(DetGraphs.BOX_TARGETS, DType.FLOAT, batch, l, 4),
                g.input(DetGraphs.CTR_TARGETS, DType.FLOAT, batch, l), g.input(DetGraphs.POS_MASK, DType.FLOAT, batch, l),
                g.input(DetGraphs.NUM_POS, DType.FLOAT), g.input(DetGraphs.CTR_SUM, DType.FLOAT));
        g.output("loss", t.total());
        g.output("loss.cls", t.cls());
        g.output("loss.box", t.box());
        g.output("loss.ctr", t.ctr());
        Map<Tensor, Tensor> grads = Autodiff.gradients(t.total(), List.of(cls, box, ctr));
        g.output("grad.cls_logits", grads.get(cls));
        g.output("grad.box_pred", grads.get(box));
        g.output("grad.ctr_logits", grads.get(ctr));
        Map<String, HostTensor> inputs = new LinkedHashMap<>(randomTargets(rng, batch, size, CLASSES));
        inputs.put("cls_logits", HostTensor.of(TestWeights.uniform(rng, batch * l * CLASSES, -12, 12), batch, l, CLASSES));
        float[] dist = new float[batch * l * 4];
        for (int i = 0; i < dist.length; i++) dist[i] = (float) (rng.nextDouble() * 4 * strideOf(i / 4 % l, size));
        inputs.put("box_pred", HostTensor.of(dist, batch, l, 4));
        inputs.put("ctr_logits", HostTensor.of(TestWeights.uniform(rng, batch * l, -6, 6), batch, l));
        Map<String, HostTensor> ours = OrtHarness.run(OnnxExport.toModel(g), inputs);
        ObjectNode config = GraphManifest.JSON.createObjectNode();
        config.put("size", size);
        var strides = config.putArray("strides");
        for (int s : DetHead.STRIDES) strides.add(s);
        OracleCase.write(dir, config, Map.of("inputs", inputs, "ours", ours));
        Oracle.run("det_reference.py", "loss", dir.toString());
    }

    /** Nn.groupNorm against torch.nn.GroupNorm: values and the gradients of input, weight and bias. */
    @Test
    void groupNormMatchesTorch() throws Exception {
        Oracle.require();
        SplittableRandom rng = new SplittableRandom(3);
        long[] xs = {2, 32, 5, 7};
        int groups = 8;
        Graph g = new Graph("gn");
        Tensor x = g.input("x", DType.FLOAT, xs);
        Tensor r = g.input("R", DType.FLOAT, xs);
        Tensor y = new Nn(g, BnMode.TRAIN).groupNorm("gn", x, groups);
        Tensor loss = Reduce.sum(Elementwise.mul(y, r), false, 0, 1, 2, 3);
        g.output("y", y);
        Tensor w = g.param("gn.weight").tensor();
        Tensor bias = g.param("gn.bias").tensor();
        Map<Tensor, Tensor> grads = Autodiff.gradients(loss, List.of(x, w, bias));
        g.output("grad.x", grads.get(x));
        g.output("grad.weight", grads.get(w));
        g.output("grad.bias", grads.get(bias));
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        // An offset far from 0 checks the two-pass variance (no E[x^2] - E[x]^2 cancellation).
        inputs.put("x", HostTensor.of(TestWeights.uniform(rng, (int) Shapes.numel(xs), 5, 7), xs));
        inputs.put("R", HostTensor.of(TestWeights.uniform(rng, (int) Shapes.numel(xs), -1, 1), xs));
        inputs.put("weight", HostTensor.of(TestWeights.uniform(rng, 32, 0.5, 1.5), 32));
        inputs.put("bias", HostTensor.of(TestWeights.uniform(rng, 32, -0.2, 0.2), 32));
        Map<String, HostTensor> feed = new LinkedHashMap<>(inputs);
        feed.put("gn.weight", inputs.get("weight"));
        feed.put("gn.bias", inputs.get("bias"));
        Map<String, HostTensor> ours = OrtHarness.run(OnnxExport.toModel(g), feed);
        ObjectNode config = GraphManifest.JSON.createObjectNode();
        config.put("groups", groups);
        OracleCase.write(dir, config, Map.of("inputs", inputs, "ours", ours));
        Oracle.run("det_reference.py", "groupnorm", dir.toString());
    }

    /** Both graphs pass onnx.checker (full_check, default-domain ops only); the manifest lists what the trainer needs. */
    @Test
    void writtenGraphsPassTheCheckerAndTheManifestIsComplete() throws Exception {
        DetGraphs.Built b = DetGraphs.write(DetConfig.of(Preset.TINY, CLASSES, 2, 64), dir);
        JsonNode m = GraphManifest.JSON.readTree(dir.resolve(DetGraphs.MANIFEST).toFile());
        assertEquals("tiny", m.get("preset").asText());
        assertEquals(CLASSES, m.get("num_classes").asInt());
        assertEquals(2, m.get("batch").asInt());
        assertEquals(64, m.get("size").asInt());
        assertEquals(64, m.get("head_channels").asInt());
        assertEquals(340, m.get("locations").asInt());
        assertEquals("[256,320,336]", "[" + m.get("levels").get(1).get("offset") + "," + m.get("levels").get(2).get("offset")
                + "," + m.get("levels").get(3).get("offset") + "]");
        Set<String> ins = new HashSet<>();
        m.get("graphs").get(DetGraphs.TRAIN).get("inputs").forEach(o -> ins.add(o.get("name").asText()));
        assertTrue(ins.containsAll(Set.of("images", "cls_targets", "box_targets", "ctr_targets", "pos_mask", "num_pos", "ctr_sum",
                "det_head.scales.3.scale", "backbone.body.conv1.weight")), ins.toString());
        Set<String> outs = new HashSet<>();
        m.get("graphs").get(DetGraphs.TRAIN).get("outputs").forEach(o -> outs.add(o.get("name").asText()));
        assertTrue(outs.containsAll(Set.of("loss", "loss.cls", "loss.box", "loss.ctr", "grad.det_head.conv_cls.bias",
                "grad.det_head.reg_convs.1.gn.weight", "grad.backbone.body.conv1.weight", "backbone.fpn.layer_blocks.0.1.batch_var")), outs.toString());
        assertTrue(outs.stream().noneMatch(o -> o.startsWith("det_head.") && o.endsWith("batch_mean")), "GroupNorm has no batch statistics");
        JsonNode evalOut = m.get("graphs").get(DetGraphs.EVAL).get("outputs");
        assertEquals("cls_logits[2,340,10] box_pred[2,340,4] ctr_logits[2,340]",
                evalOut.get(0).get("name").asText() + evalOut.get(0).get("shape") + " " + evalOut.get(1).get("name").asText()
                        + evalOut.get(1).get("shape") + " " + evalOut.get(2).get("name").asText() + evalOut.get(2).get("shape"));
        int params = 0;
        for (JsonNode p : m.get("parameters")) {
            params++;
            boolean matrix = p.get("shape").size() > 1;
            assertEquals(matrix, p.get("weight_decay").asBoolean(), p.toString());
            if (p.get("name").asText().equals("det_head.conv_cls.bias")) assertEquals("constant(-4.59512)", p.get("init").asText());
            if (p.get("name").asText().equals("det_head.conv_reg.weight")) assertEquals("normal(0, 0.01)", p.get("init").asText());
        }
        assertEquals(b.train().params().size(), params);
        assertEquals(b.trainBn().size(), m.get("bn_stats").get(DetGraphs.TRAIN).size());
        // towers: 2 x 2 x (conv + gn weight + gn bias); 3 output convs x 2; 4 scales
        assertEquals(2 * 2 * 3 + 6 + 4, b.train().params().stream().filter(p -> p.name().startsWith("det_head.")).count());
        assertEquals(b.train().params().stream().map(Param::name).toList(), b.eval().params().stream().map(Param::name).toList());
        Oracle.run("check_onnx.py", dir.resolve(DetGraphs.TRAIN).toString(), dir.resolve(DetGraphs.EVAL).toString());
    }

    /** Level-major, row-major locations: stride of location i of an S-pixel image. */
    private static int strideOf(int location, int size) {
        for (int lvl = DetHead.STRIDES.length - 1; lvl >= 0; lvl--) {
            if (location >= DetHead.offset(lvl, size)) return DetHead.STRIDES[lvl];
        }
        throw new IllegalArgumentException("location " + location);
    }

    /** Per-location targets as the runtime's assignment produces them (see the class comment). */
    static Map<String, HostTensor> randomTargets(SplittableRandom rng, int batch, int size, int classes) {
        int l = DetHead.locations(size);
        float[] cls = new float[batch * l * classes];
        float[] box = new float[batch * l * 4];
        float[] ctr = new float[batch * l];
        float[] pos = new float[batch * l];
        int numPos = 0;
        double ctrSum = 0;
        for (int i = 0; i < batch * l; i++) {
            if (rng.nextInt(8) != 0) continue;
            int s = strideOf(i % l, size);
            double[] d = new double[4];
            for (int k = 0; k < 4; k++) {
                d[k] = (0.3 + 3.2 * rng.nextDouble()) * s;
                box[i * 4 + k] = (float) d[k];
            }
            cls[i * classes + rng.nextInt(classes)] = 1;
            ctr[i] = (float) Math.sqrt(Math.min(d[0], d[2]) / Math.max(d[0], d[2]) * Math.min(d[1], d[3]) / Math.max(d[1], d[3]));
            pos[i] = 1;
            numPos++;
            ctrSum += ctr[i];
        }
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put(DetGraphs.CLS_TARGETS, HostTensor.of(cls, batch, l, classes));
        t.put(DetGraphs.BOX_TARGETS, HostTensor.of(box, batch, l, 4));
        t.put(DetGraphs.CTR_TARGETS, HostTensor.of(ctr, batch, l));
        t.put(DetGraphs.POS_MASK, HostTensor.of(pos, batch, l));
        t.put(DetGraphs.NUM_POS, HostTensor.of(new float[] {Math.max(1, numPos)}));
        t.put(DetGraphs.CTR_SUM, HostTensor.of(new float[] {(float) Math.max(1e-6, ctrSum)}));
        return t;
    }

    private static List<Long> shape(HostTensor t) {
        return Arrays.stream(t.shape()).boxed().toList();
    }

    private void keep(String name) throws java.io.IOException {
        if (System.getenv("MCL_KEEP") == null) return;
        Path keep = Path.of(System.getenv("MCL_KEEP"), name);
        Files.createDirectories(keep);
        for (var f : Files.list(dir).toList()) Files.copy(f, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
