package mcl.checkpoints.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import mcl.checkpoints.Checkpoint;
import mcl.checkpoints.CheckpointFixture;
import mcl.checkpoints.CheckpointReader;
import mcl.checkpoints.Part;
import mcl.checkpoints.Which;
import mcl.graphs.Preset;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.onnx.OnnxProto.TensorShapeProto.Dimension;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;
import mcl.testing.Oracle;
import mcl.testing.OrtHarness;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * torchvision .pth and ONNX exports of one fixture checkpoint, proven by the real loaders:
 * torch.load(weights_only=True), load_state_dict into torchvision's detectors and ResNets, and
 * the FPN outputs of torchvision's model.backbone against our ONNX export run in ORT at two
 * batch sizes (the batch dimension is symbolic).
 */
class TorchvisionOnnxExportTest {
    static final int SIZE = 64;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"r50", "r18"})
    void loadsIntoTorchvisionAndOnnxMatchesItsFpn(String presetName) throws Exception {
        Oracle.require();
        Preset preset = Preset.named(presetName);
        CheckpointFixture.writeRun(dir.resolve("run"), preset, 1234, 21);
        Checkpoint ck = CheckpointReader.open(dir.resolve("run"));
        Set<Part> all = EnumSet.allOf(Part.class);
        Export.run(ck, Format.TORCHVISION, Which.ONLINE, all, 1, dir.resolve("detection.pth"), SIZE);
        Export.run(ck, Format.TORCHVISION, Which.ONLINE, Set.of(Part.BACKBONE), 1, dir.resolve("backbone.pth"), SIZE);
        List<String> notes = Export.run(ck, Format.ONNX, Which.ONLINE, all, 1, dir.resolve("model.onnx"), SIZE);
        assertTrue(String.join("\n", notes).contains("head embedding is not in the ONNX graph yet"), notes.toString());
        Files.copy(ck.dir().resolve("online.safetensors"), dir.resolve("online.safetensors"));

        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
        assertEquals(0, m.getGraph().getInputList().stream().filter(v -> v.getName().contains(".")).count(),
                "weights are embedded as initializers, not inputs");
        for (var v : List.of(m.getGraph().getInput(0), m.getGraph().getOutput(0))) {
            Dimension d0 = v.getType().getTensorType().getShape().getDim(0);
            assertEquals(OnnxExporter.BATCH_DIM, d0.getDimParam(), v.getName() + " batch dim");
        }

        for (int batch : new int[] {2, 1}) {
            float[] images = CheckpointFixture.uniform(new SplittableRandom(100 + batch), batch * 3 * SIZE * SIZE, -2, 2);
            HostTensor x = HostTensor.of(images, batch, 3, SIZE, SIZE);
            Map<String, HostTensor> out = OrtHarness.run(m, Map.of("images", x));
            for (int l = 0; l < 4; l++) {
                long s = SIZE >> (l + 2);
                assertArrayEquals(new long[] {batch, 256, s, s}, out.get("p" + (l + 2)).shape(), "p" + (l + 2) + " at batch " + batch);
            }
            SafeTensors.write(dir.resolve("images_b" + batch + ".safetensors"), Map.of("images", x), Map.of());
            SafeTensors.write(dir.resolve("ours_b" + batch + ".safetensors"), out, Map.of());
        }
        Oracle.run("export_torchvision.py", dir.toString(), preset.backbone().name());
        Oracle.run("check_onnx.py", dir.resolve("model.onnx").toString());
    }
}
