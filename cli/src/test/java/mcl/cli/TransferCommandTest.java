package mcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `mcl transfer` end to end: a real tiny pre-training on Fashion-MNIST scenes hands its backbone +
 * FPN to a segmentation fine-tune; bad flags are explained.
 */
class TransferCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Main main = new Main(new PrintStream(out, true), new PrintStream(err, true));

    @TempDir
    Path dir;

    @Test
    void fineTunesFromAPretrainingRunAndSavesTheScores() throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, main.run("pretrain", "--steps", "2", "--warmup-steps", "1", "--batch", "4", "--data", "fashion-scenes:16:0:64",
                "--out", run.toString()), out + "\n" + err);
        out.reset();
        Path scores = dir.resolve("scores.json");
        int rc = main.run("transfer", "--init", run.toString(), "--labels", "100%", "--pool", "8", "--test-scenes", "6", "--steps", "3",
                "--batch", "4", "--out", scores.toString());
        assertEquals(0, rc, out + "\n" + err);
        String o = out.toString();
        // every backbone.body.* and backbone.fpn.* tensor of the tiny preset (weights and BN buffers), nothing of the MCL head
        assertTrue(o.contains("loaded 100 backbone + FPN tensors") && o.contains("(online encoder, step 2)"), o);
        assertTrue(o.contains("mIoU ") && o.contains("scores: " + scores), o);
        var json = new ObjectMapper().readTree(scores.toFile());
        assertEquals(run.toString(), json.get("init").asText());
        assertEquals("100%", json.get("labels").asText());
        assertEquals(8, json.get("labelled_scenes").asInt());
        double miou = json.get("miou").asDouble();
        assertTrue(miou >= 0 && miou <= 1, "mIoU " + miou);
        assertEquals(11, json.get("class_iou").size(), "background + 10 Fashion-MNIST classes");
    }

    @Test
    void detectionFineTunesFromAPretrainingRunAndWritesCocoFiles() throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, main.run("pretrain", "--steps", "2", "--warmup-steps", "1", "--batch", "4", "--data", "fashion-scenes:16:0:64",
                "--out", run.toString()), out + "\n" + err);
        out.reset();
        Path det = dir.resolve("det");
        int rc = main.run("transfer", "--task", "det", "--init", run.toString(), "--labels", "100%", "--pool", "64", "--test-scenes", "48",
                "--steps", "60", "--batch", "8", "--threads", "1", "--out", det.toString());
        assertEquals(0, rc, out + "\n" + err);
        String o = out.toString();
        assertTrue(o.contains("loaded 100 backbone + FPN tensors") && o.contains("box AP "), o);
        ObjectMapper json = new ObjectMapper();
        var r = json.readTree(det.resolve("result.json").toFile());
        assertEquals("det", r.get("task").asText());
        // A short run scores above its starting point (the fresh head's detections match nothing).
        assertTrue(r.get("ap50").asDouble() > r.get("start_ap50").asDouble(), r.toString());
        var scores = json.readTree(det.resolve("scores.json").toFile());
        for (String k : new String[] {"ap", "ap50", "ap75", "ap_small", "ap_medium", "ap_large"}) assertTrue(scores.has(k), k + " in " + scores);
        assertEquals(r.get("ap").asDouble(), scores.get("ap").asDouble(), 1e-12);
        var gt = json.readTree(det.resolve("ground_truth.json").toFile());
        assertEquals(48, gt.get("images").size());
        assertEquals(10, gt.get("categories").size(), "the 10 Fashion-MNIST classes, no background");
        assertTrue(gt.get("annotations").size() >= 48 * 3 - 10, "3-8 garments per scene, a few hidden: " + gt.get("annotations").size());
        var dets = json.readTree(det.resolve("detections.json").toFile());
        assertTrue(dets.isArray() && dets.size() > 0 && dets.size() <= 48 * 100 * 10);
        assertEquals(4, dets.get(0).get("bbox").size());
    }

    @Test
    void suitePreTrainsEverySeedFineTunesEveryArmAndContinuesWhereItStopped() throws Exception {
        Path suite = dir.resolve("suite");
        java.nio.file.Files.writeString(dir.resolve("small.json"), "{\"batch\": 8, \"eval_every\": 0}");
        String[] args = {"transfer", "--suite", "--suite-tasks", "seg", "--no-probes", "--pretrain-steps", "2", "--pretrain-seeds", "2", "--seeds", "1",
                "--suite-labels", "100%", "--pretrain-scenes", "16", "--pretrain-config", dir.resolve("small.json").toString(), "--pool", "8",
                "--test-scenes", "6", "--steps", "2", "--batch", "4", "--threads", "1", "--out", suite.toString()};
        assertEquals(0, main.run(args), out + "\n" + err);
        String md = java.nio.file.Files.readString(suite.resolve("suite.md"));
        for (String series : new String[] {"random init", "image-level (L=1), pre-training seed 1", "MCL (L=3), pre-training seed 1",
                "image-level (L=1), pre-training seed 2", "MCL (L=3), pre-training seed 2"}) {
            assertTrue(md.contains("| 100% | " + series + " |"), series + " in\n" + md);
        }
        ObjectMapper json = new ObjectMapper();
        for (int k = 1; k <= 2; k++) {
            var config = json.readTree(suite.resolve("pretrain-mcl-seed" + k).resolve("config.json").toFile());
            assertEquals(k, config.get("seed").asInt(), "pre-training seed " + k);
            assertEquals(3, config.get("levels").asInt());
            assertEquals(1, json.readTree(suite.resolve("pretrain-image-level-seed" + k).resolve("config.json").toFile()).get("levels").asInt());
        }
        out.reset();
        assertEquals(0, main.run(args), out + "\n" + err);
        assertTrue(!out.toString().contains(", into " + suite), "the pre-trainings are reused: " + out);
        assertTrue(!out.toString().contains("fine-tune (seg)"), "every piece is reused: " + out);
    }

    @Test
    void badFlagsAreExplained() throws Exception {
        assertEquals(Main.USAGE, main.run("transfer", "--labels", "150%"));
        assertTrue(err.toString().contains("1%, 10% or 100%"), err.toString());
        err.reset();
        assertEquals(Main.USAGE, main.run("transfer", "--task", "pose"));
        assertTrue(err.toString().contains("valid tasks: seg, det"), err.toString());
        err.reset();
        assertEquals(Main.USAGE, main.run("transfer", "--suite", "--seed", "3"));
        assertTrue(err.toString().contains("--seed is chosen by --suite"), err.toString());
        err.reset();
        assertEquals(Main.USAGE, main.run("transfer", "--suite", "--pretrain-config", dir.resolve("none.json").toString()));
        assertTrue(err.toString().contains("--pretrain-config " + dir.resolve("none.json") + ": cannot read"), err.toString());
        err.reset();
        java.nio.file.Files.writeString(dir.resolve("bad.json"), "{\"temprature\": 0.2}");
        assertEquals(Main.USAGE, main.run("transfer", "--suite", "--pretrain-config", dir.resolve("bad.json").toString()));
        assertTrue(err.toString().contains("temperature"), "the closest setting is named: " + err);
        err.reset();
        assertEquals(Main.USAGE, main.run("transfer", "--suite", "--pretrain-seeds", "0"));
        assertTrue(err.toString().contains("--pretrain-seeds and --seeds must be at least 1"), err.toString());
        err.reset();
        assertEquals(Main.USAGE, main.run("transfer", "--suite", "--suite-tasks", "seg,pose"));
        assertTrue(err.toString().contains("suite tasks are seg and det"), err.toString());
        err.reset();
        assertEquals(Main.USAGE, main.run("transfer", "--size", "100"));
        assertTrue(err.toString().contains("multiple of 32"), err.toString());
        err.reset();
        assertEquals(Main.USAGE, main.run("transfer", "--lables", "1%"));
        assertTrue(err.toString().contains("--labels"), "the closest flag is named: " + err);
        err.reset();
        int rc = main.run("transfer", "--init", dir.resolve("nothing-here").toString(), "--steps", "1", "--pool", "4", "--test-scenes", "4", "--batch", "4");
        assertTrue(rc != 0);
        assertTrue(err.toString().contains("--init " + dir.resolve("nothing-here") + ": no such run or checkpoint folder"), err.toString());
    }
}
