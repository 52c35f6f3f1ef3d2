package mcl.checkpoints.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mcl.checkpoints.Checkpoint;
import mcl.checkpoints.CheckpointFixture;
import mcl.checkpoints.CheckpointReader;
import mcl.checkpoints.Part;
import mcl.checkpoints.Which;
import mcl.graphs.Preset;
import mcl.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Load the weights in torchvision (any preset)" block, taken from README.md as it
 * is, run on torchvision exports of tiny, r18 and r50 checkpoints: README and exporter cannot
 * drift apart. And the hints `mcl export` prints follow each preset's real body and widths.
 */
class TorchvisionReadmeTest {
    private static final String SECTION = "### Load the weights in torchvision (any preset)";

    @TempDir
    Path dir;

    @Test
    void theReadmeSnippetLoadsTinyR18AndR50Exports() throws Exception {
        Oracle.require();
        String snippet = readmeBlock();
        assertTrue(snippet.contains("preset = \"tiny\""), snippet);
        for (Preset p : List.of(Preset.TINY, Preset.R18, Preset.R50)) {
            Checkpoint ck = CheckpointReader.open(CheckpointFixture.writeRun(dir.resolve("run-" + p.name()), p, 3, 11).getParent().getParent());
            Export.run(ck, Format.TORCHVISION, Which.ONLINE, EnumSet.allOf(Part.class), 1, dir.resolve("mcl_" + p.name() + ".pth"), 64);
            Path script = dir.resolve("load_" + p.name() + ".py");
            Files.writeString(script, snippet.replace("preset = \"tiny\"", "preset = \"" + p.name() + "\"")
                    + "\nprint('loaded', preset, len(model.state_dict()) - len(missing), 'tensors; missing', sorted({k.split('.')[0] + '.' + k.split('.')[1] for k in missing}))\n");
            String out = python(script);
            assertTrue(out.contains("loaded " + p.name()), out);
            assertTrue(out.contains("missing ['roi_heads.box_head', 'roi_heads.box_predictor', 'rpn.head']"), "only the parts MCL does not train are missing: " + out);
        }
    }

    @Test
    void exportHintsFollowThePreset() throws Exception {
        Checkpoint tiny = CheckpointReader.open(CheckpointFixture.writeRun(dir.resolve("t"), Preset.TINY, 3, 1).getParent().getParent());
        String tv = String.join("\n", Export.run(tiny, Format.TORCHVISION, Which.ONLINE, EnumSet.allOf(Part.class), 1, dir.resolve("t.pth"), 64));
        assertTrue(tv.contains("mcl_detector(BasicBlock, [1, 1, 1, 1], 16, 64)"), tv);
        assertTrue(tv.contains("README, 'Load the weights in torchvision'") && readme().contains(SECTION), tv);
        assertFalse(tv.contains("resnet10_w16") || tv.contains("see README ("), tv);
        String d2 = String.join("\n", Export.run(tiny, Format.DETECTRON2, Which.ONLINE, EnumSet.allOf(Part.class), 1, dir.resolve("t.pkl"), 64));
        assertTrue(d2.contains("DEPTH: 10") && d2.contains("RES2_OUT_CHANNELS: 16") && d2.contains("OUT_CHANNELS: 64") && d2.contains("CONV_DIM: 64"), d2);
        assertTrue(d2.contains("NOTE: detectron2 builds ResNets from RESNETS.DEPTH in {18, 34, 50, 101, 152} only"), d2);
        assertFalse(d2.contains("1016"), d2);
        String mm = String.join("\n", Export.run(tiny, Format.MMDET, Which.ONLINE, EnumSet.allOf(Part.class), 1, dir.resolve("t_mm.pth"), 64));
        assertTrue(mm.contains("R-10-FPN") && mm.contains("in_channels=[16, 32, 64, 128], out_channels=64") && mm.contains("conv_out_channels=64"), mm);
        assertFalse(mm.contains("[256, 512, 1024, 2048]") || mm.contains("1016"), mm);
        String onnx = String.join("\n", Export.run(tiny, Format.ONNX, Which.ONLINE, EnumSet.of(Part.BACKBONE, Part.FPN), 1, dir.resolve("t.onnx"), 64));
        assertTrue(onnx.contains("64 channels") && !onnx.contains("256 channels"), onnx);

        Checkpoint r50 = CheckpointReader.open(CheckpointFixture.writeRun(dir.resolve("r"), Preset.R50, 3, 1).getParent().getParent());
        String d2r = String.join("\n", Export.run(r50, Format.DETECTRON2, Which.ONLINE, EnumSet.allOf(Part.class), 1, dir.resolve("r.pkl"), 64));
        assertTrue(d2r.contains("DEPTH: 50") && !d2r.contains("NOTE") && !d2r.contains("RES2_OUT_CHANNELS") && !d2r.contains("OUT_CHANNELS"), d2r);
        String mmr = String.join("\n", MmdetExporter.config(new ExportRequest(r50, Which.ONLINE, EnumSet.allOf(Part.class), 1, java.util.Map.of(), dir.resolve("x"), 64)));
        assertTrue(mmr.contains("in_channels=[256, 512, 1024, 2048]") && mmr.contains("conv_out_channels=256") && !mmr.contains(", out_channels="), mmr);
        String tvr = String.join("\n", TorchvisionExporterHints.of(r50, dir));
        assertTrue(tvr.contains("maskrcnn_resnet50_fpn_v2"), tvr);
    }

    /** The first python block under the README section. */
    private static String readmeBlock() throws Exception {
        String md = readme();
        int at = md.indexOf(SECTION);
        assertTrue(at >= 0, "README lacks the section " + SECTION);
        Matcher m = Pattern.compile("```python\\n(.*?)```", Pattern.DOTALL).matcher(md.substring(at));
        assertTrue(m.find(), "no python block under " + SECTION);
        return m.group(1);
    }

    private static String readme() throws Exception { return Files.readString(Oracle.repoRoot().resolve("README.md")); }

    private String python(Path script) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Oracle.PYTHON, script.toString()));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), script.getFileName() + " failed:\n" + out);
        return out;
    }

    /** The torchvision exporter's printed lines for a checkpoint (writes a throwaway file). */
    private static final class TorchvisionExporterHints {
        static List<String> of(Checkpoint ck, Path dir) throws Exception {
            return Export.run(ck, Format.TORCHVISION, Which.ONLINE, EnumSet.allOf(Part.class), 1, dir.resolve("hint.pth"), 64);
        }
    }
}
