package mcl.checkpoints;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointReaderTest {
    @TempDir
    Path run;

    private Path writeSmall(String step, float onlineValue) throws IOException {
        Path dir = run.resolve("checkpoints").resolve(step);
        Files.createDirectories(dir);
        Map<String, HostTensor> w = new LinkedHashMap<>();
        w.put("backbone.body.conv1.weight", HostTensor.of(new float[] {onlineValue, 2}, 2));
        w.put("predictor.0.0.weight", HostTensor.of(new float[] {3}, 1));
        SafeTensors.write(dir.resolve("online.safetensors"), w, Map.of());
        SafeTensors.write(dir.resolve("target.safetensors"), Map.of("backbone.body.conv1.weight", HostTensor.of(new float[] {-1, -2}, 2)), Map.of());
        Files.writeString(dir.resolve("state.json"), "{\"preset\": \"r18\", \"step\": " + Integer.parseInt(step.substring(5)) + "}");
        return dir;
    }

    @Test
    void runFolderFollowsLatestAndFolderOpensItself() throws IOException {
        writeSmall("step-00000010", 1);
        Path newest = writeSmall("step-00000020", 5);
        Files.writeString(run.resolve("checkpoints/latest"), "step-00000020\n");
        Checkpoint viaRun = CheckpointReader.open(run);
        assertEquals(newest, viaRun.dir());
        assertEquals(20, viaRun.step());
        assertEquals("r18", viaRun.preset());
        assertEquals(224, viaRun.imageSize(), "image_size defaults to 224 when absent");
        assertArrayEquals(new float[] {5, 2}, viaRun.weights(Which.ONLINE).get("backbone.body.conv1.weight").floats());
        assertArrayEquals(new float[] {-1, -2}, viaRun.weights(Which.TARGET).get("backbone.body.conv1.weight").floats());
        assertEquals(10, CheckpointReader.open(run.resolve("checkpoints/step-00000010")).step());
    }

    @Test
    void missingPiecesAreNamed() throws IOException {
        assertTrue(message(run).contains("neither a checkpoint folder"), message(run));
        Path dir = writeSmall("step-00000001", 1);
        Files.writeString(run.resolve("checkpoints/latest"), "step-00000099");
        assertTrue(message(run).contains("names 'step-00000099', which does not exist"), message(run));
        Files.delete(dir.resolve("target.safetensors"));
        assertTrue(message(dir).contains("target.safetensors is missing"), message(dir));
        assertTrue(message(run.resolve("nope")).contains("does not exist"));
    }

    @Test
    void damagedFilesAreRejectedWithTheFileName() throws IOException {
        Path dir = writeSmall("step-00000001", 1);
        Files.writeString(dir.resolve("state.json"), "{\"preset\": \"r18\"");
        assertTrue(message(dir).contains("state.json is not valid JSON"), message(dir));
        Files.writeString(dir.resolve("state.json"), "{\"preset\": \"r18\", \"step\": \"ten\"}");
        assertTrue(message(dir).contains("lacks the integer field \"step\""), message(dir));
        Files.writeString(dir.resolve("state.json"), "{\"preset\": \"r18\", \"step\": 1}");

        Path online = dir.resolve("online.safetensors");
        byte[] bytes = Files.readAllBytes(online);
        Files.write(online, Arrays.copyOf(bytes, bytes.length - 3)); // truncated: last tensor lies past the end
        Checkpoint ck = CheckpointReader.open(dir);
        var e = assertThrows(InvalidCheckpointException.class, () -> ck.weights(Which.ONLINE));
        assertTrue(e.getMessage().contains("online.safetensors is damaged") && e.getMessage().contains("outside the file"), e.getMessage());
        Files.write(online, new byte[] {1, 2, 3});
        e = assertThrows(InvalidCheckpointException.class, () -> ck.weights(Which.ONLINE));
        assertTrue(e.getMessage().contains("online.safetensors is damaged"), e.getMessage());
    }

    private static String message(Path p) {
        return assertThrows(InvalidCheckpointException.class, () -> CheckpointReader.open(p)).getMessage();
    }
}
