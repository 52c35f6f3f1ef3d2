package mcl.checkpoints.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mcl.checkpoints.Checkpoint;
import mcl.checkpoints.CheckpointFixture;
import mcl.checkpoints.CheckpointReader;
import mcl.checkpoints.Part;
import mcl.checkpoints.Which;
import mcl.graphs.Preset;
import mcl.tensors.HostTensor;
import mcl.testing.Oracle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** detectron2, mmdetection and safetensors exports of one ResNet-18 fixture checkpoint. */
class FrameworkExportTest {
    static final Set<Part> ALL = EnumSet.allOf(Part.class);

    @TempDir
    static Path shared;
    static Checkpoint ck;
    static Path online;

    @TempDir
    Path dir;

    @BeforeAll
    static void fixture() throws Exception {
        CheckpointFixture.writeRun(shared.resolve("run"), Preset.R18, 777, 5);
        ck = CheckpointReader.open(shared.resolve("run"));
        online = ck.dir().resolve(Which.ONLINE.fileName);
    }

    @Test
    void detectron2PklAndPthHaveDetectron2NamesAndOurValues() throws Exception {
        Oracle.require();
        List<String> config = Export.run(ck, Format.DETECTRON2, Which.ONLINE, ALL, 1, dir.resolve("d2.pkl"), 224);
        Export.run(ck, Format.DETECTRON2, Which.ONLINE, ALL, 1, dir.resolve("d2.pth"), 224);
        Export.run(ck, Format.DETECTRON2, Which.ONLINE, EnumSet.of(Part.BACKBONE, Part.FPN), 1, dir.resolve("d2_nohead.pkl"), 224);
        Oracle.run("export_detectron2.py", online.toString(), "backbone,fpn,head", dir.resolve("d2.pkl").toString(), dir.resolve("d2.pth").toString());
        Oracle.run("export_detectron2.py", online.toString(), "backbone,fpn", dir.resolve("d2_nohead.pkl").toString());

        String c = String.join("\n", config);
        for (String must : List.of("PIXEL_MEAN: [123.675, 116.28, 103.53]", "PIXEL_STD: [58.395, 57.12, 57.375]", "FORMAT: \"RGB\"",
                "STRIDE_IN_1X1: False", "DEPTH: 18", "RES2_OUT_CHANNELS: 64", "FPN:\n    NORM: \"SyncBN\"", "NUM_CONV: 4", "NAME: \"FastRCNNConvFCHead\"")) {
            assertTrue(c.contains(must), "config lacks " + must + ":\n" + c);
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> Export.run(ck, Format.DETECTRON2, Which.ONLINE, ALL, 1, dir.resolve("d2.bin"), 224));
        assertTrue(e.getMessage().contains(".pkl") && e.getMessage().contains(".pth"), e.getMessage());
    }

    @Test
    void mmdetHasMmdetectionNamesAndOurValues() throws Exception {
        Oracle.require();
        List<String> config = Export.run(ck, Format.MMDET, Which.ONLINE, ALL, 1, dir.resolve("mm.pth"), 224);
        Oracle.run("export_mmdet.py", online.toString(), "backbone,fpn,head", dir.resolve("mm.pth").toString());
        String c = String.join("\n", config);
        for (String must : List.of("bgr_to_rgb=True", "depth=18", "in_channels=[64, 128, 256, 512]", "Shared4Conv1FCBBoxHead", "load_from = '")) {
            assertTrue(c.contains(must), "config lacks " + must + ":\n" + c);
        }
    }

    @Test
    void safetensorsReadByAnIndependentReader() throws Exception {
        Path f = dir.resolve("w.safetensors");
        Export.run(ck, Format.SAFETENSORS, Which.TARGET, ALL, 1, f, 224);
        Map<String, HostTensor> target = ck.weights(Which.TARGET);
        Parsed p = parse(Files.readAllBytes(f));
        assertEquals("r18", p.meta.get("preset").asText());
        assertEquals("777", p.meta.get("step").asText());
        assertEquals("target", p.meta.get("encoder").asText());
        List<String> expected = CheckpointFixture.namesUnder(target, "backbone.", "roi_heads.box_head.");
        assertEquals(expected, new ArrayList<>(p.tensors.keySet()), "canonical names in checkpoint order, no projector/predictor");
        for (String n : expected) assertArrayEquals(target.get(n).floats(), p.tensors.get(n), n);
        assertFalse(java.util.Arrays.equals(ck.weights(Which.ONLINE).get(expected.get(0)).floats(), p.tensors.get(expected.get(0))),
                "--which target must not give the online weights");
    }

    @Test
    void divDividesNonNormWeightsAndKeepsEvalBnOutputs() throws Exception {
        Path f = dir.resolve("div.safetensors");
        Export.run(ck, Format.SAFETENSORS, Which.ONLINE, ALL, 2, f, 224);
        Map<String, float[]> div = parse(Files.readAllBytes(f)).tensors;
        Map<String, HostTensor> w = ck.weights(Which.ONLINE);
        assertScaled(w, div, "backbone.body.layer1.0.conv1.weight", 0.5);
        assertScaled(w, div, "backbone.fpn.layer_blocks.2.0.weight", 0.5);
        assertScaled(w, div, "roi_heads.box_head.3.0.weight", 0.5);
        assertScaled(w, div, "backbone.body.layer1.0.bn1.weight", 1);
        assertScaled(w, div, "backbone.body.layer2.0.downsample.1.bias", 1);
        assertScaled(w, div, "backbone.body.bn1.running_mean", 0.5);
        assertScaled(w, div, "backbone.body.layer2.0.downsample.1.running_var", 0.25);
        assertScaled(w, div, "backbone.fpn.inner_blocks.0.1.running_var", 0.25);
        assertScaled(w, div, "roi_heads.box_head.0.1.running_mean", 0.5);

        // Eval-mode outputs stay put: each BN sees (Wx/k - m/k) / sqrt(v/k^2 + eps), i.e. eps
        // grows to k^2 eps = 4e-5 against running_var >= 0.5, a relative change below 1e-4 per layer.
        HostTensor images = HostTensor.of(CheckpointFixture.uniform(new java.util.SplittableRandom(3), 3 * 64 * 64, -2, 2), 1, 3, 64, 64);
        Map<String, HostTensor> plain = runOnnx(1, images);
        Map<String, HostTensor> divided = runOnnx(2, images);
        for (String level : List.of("p2", "p3", "p4", "p5")) {
            double err = relErr(divided.get(level).floats(), plain.get(level).floats());
            System.out.printf("div 2 vs 1, %s: max abs diff / max abs = %.2e%n", level, err);
            assertTrue(err < 1e-3, level + ": Div changed eval outputs by " + err);
        }
    }

    private Map<String, HostTensor> runOnnx(double div, HostTensor images) throws Exception {
        Path f = dir.resolve("div" + div + ".onnx");
        Export.run(ck, Format.ONNX, Which.ONLINE, EnumSet.of(Part.BACKBONE, Part.FPN), div, f, 64);
        return mcl.testing.OrtHarness.run(mcl.onnx.OnnxProto.ModelProto.parseFrom(Files.readAllBytes(f)), Map.of("images", images));
    }

    private static double relErr(float[] ours, float[] ref) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < ref.length; i++) {
            diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
            scale = Math.max(scale, Math.abs(ref[i]));
        }
        return diff / scale;
    }

    private static void assertScaled(Map<String, HostTensor> w, Map<String, float[]> div, String name, double s) {
        float[] a = w.get(name).floats();
        float[] b = div.get(name);
        for (int i = 0; i < a.length; i++) assertEquals((float) (a[i] * s), b[i], 0f, name + "[" + i + "]");
    }

    record Parsed(JsonNode meta, Map<String, float[]> tensors) { }

    /** A safetensors reader written from the format description only (not mcl.tensors.SafeTensors). */
    static Parsed parse(byte[] file) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        JsonNode header = new ObjectMapper().readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8));
        int dataStart = 8 + (int) n;
        Map<String, float[]> out = new LinkedHashMap<>();
        List<long[]> spans = new ArrayList<>();
        for (var it = header.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) {
                e.getValue().fields().forEachRemaining(m -> assertTrue(m.getValue().isTextual(), "metadata values are strings"));
                continue;
            }
            JsonNode t = e.getValue();
            assertEquals("F32", t.get("dtype").asText(), e.getKey());
            long numel = 1;
            for (JsonNode d : t.get("shape")) numel *= d.asLong();
            long begin = t.get("data_offsets").get(0).asLong();
            long end = t.get("data_offsets").get(1).asLong();
            assertEquals(numel * 4, end - begin, e.getKey() + " size");
            float[] v = new float[(int) numel];
            b.position(dataStart + (int) begin);
            b.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            out.put(e.getKey(), v);
            spans.add(new long[] {begin, end});
        }
        spans.sort((x, y) -> Long.compare(x[0], y[0]));
        long expect = 0;
        for (long[] s : spans) {
            assertEquals(expect, s[0], "offsets contiguous from 0, no gaps");
            expect = s[1];
        }
        assertEquals(file.length - dataStart, expect, "data ends at the end of the file");
        return new Parsed(header.get("__metadata__"), out);
    }
}
