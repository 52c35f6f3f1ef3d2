package mcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import mcl.data.pipeline.DataConfig;
import mcl.runtime.train.FixtureGraphs;
import mcl.runtime.train.MetricsLog;
import mcl.tensors.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `mcl pretrain`, `mcl report`, `mcl preview` end to end, on the fixture graphs written to a folder. */
class PretrainCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Main main = new Main(new PrintStream(out, true), new PrintStream(err, true));

    @TempDir
    Path dir;

    @Test
    void pretrainWritesTheRunFolderAndReportDrawsIt() throws Exception {
        Path graphs = dir.resolve("graphs");
        FixtureGraphs.build(DataConfig.of(32, 4, 2)).write(graphs);
        Path config = dir.resolve("c.json");
        Files.writeString(config, "{\"size\": 32, \"batch\": 4, \"levels\": 2, \"steps\": 50, \"threads\": 1}");
        Path run = dir.resolve("run");
        int rc = main.run("pretrain", "--config", config.toString(), "--graphs", graphs.toString(), "--steps", "6", "--warmup-steps", "1",
                "--data", "synthetic:16", "--out", run.toString());
        assertEquals(0, rc, out + "\n" + err);
        String o = out.toString();
        assertTrue(o.contains("finished 6 steps") && o.contains("checkpoint: ") && o.contains("backbone.safetensors"), o);
        var saved = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals(6, saved.get("steps").asInt(), "flags override the config file");
        assertEquals(32, saved.get("size").asInt(), "the config file overrides the preset");
        assertEquals(64 / 2, saved.get("size").asInt());
        var metrics = MetricsLog.read(run.resolve(MetricsLog.FILE));
        assertEquals(6, metrics.size());
        for (String k : new String[] {"step", "epoch", "loss", "loss_levels", "pos_cos", "neg_cos", "lr", "ema_momentum", "grad_norm",
                "images_per_s", "data_wait_s", "target_s", "online_s", "optim_s", "ema_s"}) {
            assertTrue(metrics.get(5).has(k), "metrics lack " + k);
        }
        assertEquals("step-00000006", Files.readString(run.resolve("checkpoints/latest")).strip());
        var exported = SafeTensors.read(run.resolve("backbone.safetensors"));
        assertTrue(exported.containsKey("backbone.body.conv1.weight") && !exported.containsKey("projector.0.weight"), exported.keySet().toString());
        assertTrue(ImageIO.read(run.resolve("curves.png").toFile()).getWidth() > 1000);

        out.reset();
        Path png = dir.resolve("report.png");
        assertEquals(0, main.run("report", run.toString(), "--out", png.toString()), err.toString());
        assertTrue(Files.size(png) > 10_000);

        // a finished run resumed: nothing left to do, the state is kept
        out.reset();
        assertEquals(0, main.run("pretrain", "--resume", run.toString()), err.toString());
        assertEquals(6, MetricsLog.read(run.resolve(MetricsLog.FILE)).size());
    }

    @Test
    void badInputGetsOneClearLine() throws Exception {
        assertEquals(2, main.run("pretrain", "--base-lrr", "2"));
        assertTrue(err.toString().contains("did you mean '--base-lr'"), err.toString());
        err.reset();
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"warmup_step\": 3}");
        assertEquals(2, main.run("pretrain", "--config", bad.toString(), "--out", dir.resolve("r").toString()));
        assertTrue(err.toString().contains("unknown setting \"warmup_step\" (did you mean \"warmup_steps\"?)"), err.toString());
        err.reset();
        assertEquals(2, main.run("pretrain", "--preset", "r99"));
        assertTrue(err.toString().contains("valid presets: tiny, r18, r50"), err.toString());
        err.reset();
        assertEquals(2, main.run("pretrain", "--steps", "ten"));
        assertTrue(err.toString().contains("--steps 'ten': not a whole number"), err.toString());
        err.reset();
        assertEquals(2, main.run("pretrain", "--resume", dir.toString(), "--batch", "3"));
        assertTrue(err.toString().contains("cannot be combined"), err.toString());
        assertTrue(Files.notExists(dir.resolve("r")), "nothing is created for a refused run");
    }

    @Test
    void previewWritesAPng() throws Exception {
        Path png = dir.resolve("p.png");
        assertEquals(0, main.run("preview", "--data", "synthetic:64", "--out", png.toString(), "--seed", "3"), err.toString());
        assertTrue(ImageIO.read(png.toFile()).getHeight() > 64);
        assertEquals(2, main.run("preview", "--out", png.toString()));
        assertTrue(err.toString().contains("--data is required"), err.toString());
    }
}
