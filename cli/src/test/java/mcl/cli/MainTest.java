package mcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import mcl.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Main main = new Main(new PrintStream(out, true), new PrintStream(err, true));

    @TempDir
    Path dir;

    @Test
    void helpListsCommands() {
        assertEquals(0, main.run("--help"));
        assertTrue(out.toString().contains("graphs"), out.toString());
        assertEquals(0, main.run("graphs", "--help"));
        assertTrue(out.toString().contains("--preset"), out.toString());
    }

    @Test
    void unknownCommandAndFlagGetOneLineAndExit2() {
        assertEquals(2, main.run("grpahs"));
        String e = err.toString().strip();
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.contains("did you mean 'graphs'") && e.contains("valid commands"), e);
        err.reset();
        assertEquals(2, main.run("graphs", "--prest", "r18", "--out", dir.toString()));
        e = err.toString().strip();
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.contains("'--prest'") && e.contains("did you mean '--preset'") && e.contains("valid flags"), e);
    }

    @Test
    void unknownPresetAndBadSizeNameTheValidOnes() {
        assertEquals(2, main.run("graphs", "--preset", "r99", "--out", dir.toString()));
        assertTrue(err.toString().contains("valid presets: r50, r18"), err.toString());
        err.reset();
        assertEquals(2, main.run("graphs", "--preset", "r18", "--size", "100", "--out", dir.toString()));
        assertTrue(err.toString().contains("multiple of 32"), err.toString());
    }

    @Test
    void graphsWritesACheckedModelAndManifest() throws Exception {
        assertEquals(0, main.run("graphs", "--preset", "r18", "--out", dir.toString(), "--batch", "2", "--size", "64"), err.toString());
        Path model = dir.resolve("backbone_fpn.onnx");
        assertTrue(Files.size(model) > 0);
        JsonNode m = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        assertEquals("r18", m.get("preset").asText());
        JsonNode g = m.get("graphs").get("backbone_fpn.onnx");
        assertEquals(4, g.get("outputs").size());
        JsonNode first = g.get("parameters").get(0);
        assertEquals("backbone.body.conv1.weight", first.get("name").asText());
        assertEquals("kaiming_normal(fan_out, relu)", first.get("init").asText());
        assertEquals("[64,3,7,7]", first.get("shape").toString());
        assertTrue(m.get("graphs").has("online_train.onnx") && m.get("graphs").has("target_forward.onnx"));
        assertTrue(m.get("bn_stats").get("online_train.onnx").size() > 0);
        // Every emitted graph passes onnx.checker's full check and holds default-domain ops only.
        Oracle.run("check_onnx.py", model.toString(), dir.resolve("online_train.onnx").toString(), dir.resolve("target_forward.onnx").toString());
    }
}
