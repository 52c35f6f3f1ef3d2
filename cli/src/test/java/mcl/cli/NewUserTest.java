package mcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import mcl.data.pipeline.DataConfig;
import mcl.runtime.train.FixtureGraphs;
import mcl.runtime.train.MetricsLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a new user hit (issue 12): settings checked before anything is written, honest help, extending a run, the launcher. */
class NewUserTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Main main = new Main(new PrintStream(out, true), new PrintStream(err, true));

    @TempDir
    Path dir;

    private List<String> errLines() { return err.toString().lines().toList(); }

    @Test
    void everyBadSettingIsOneLineNamingTheFlagAndNothingIsWritten() {
        Path run = dir.resolve("run");
        assertEquals(2, main.run("pretrain", "--steps", "abc", "--batch", "-3", "--size", "50", "--momentum", "1.5", "--out", run.toString()));
        List<String> lines = errLines();
        assertEquals(4, lines.size(), err.toString());
        assertTrue(lines.get(0).startsWith("mcl pretrain: --steps 'abc': not a whole number"), lines.get(0));
        assertTrue(lines.get(1).startsWith("mcl pretrain: --batch -3: must be at least 2"), lines.get(1));
        assertTrue(lines.get(2).contains("--size 50: must be a positive multiple of 32") && lines.get(2).contains("--size 32 or 64"), lines.get(2));
        assertTrue(lines.get(3).contains("--momentum 1.5: must be in [0, 1)"), lines.get(3));
        for (String l : lines) {
            assertFalse(l.contains("Exception") || l.contains("`") || l.contains("Cannot construct") || l.contains("mcl.runtime"), "Java internals: " + l);
        }
        assertTrue(Files.notExists(run), "a refused run writes nothing");
    }

    @Test
    void aMissingDataSourceIsReportedNotTheWarmUp() {
        Path run = dir.resolve("run");
        assertEquals(2, main.run("pretrain", "--data", dir.resolve("nonexistent").toString(), "--steps", "1", "--out", run.toString()));
        assertEquals(1, errLines().size(), err.toString());
        assertTrue(err.toString().startsWith("mcl pretrain: --data ") && err.toString().contains("not found"), err.toString());
        assertTrue(Files.notExists(run));
    }

    @Test
    void outputPlacesThatCannotHoldARunAreNamed() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertEquals(2, main.run("pretrain", "--out", file.toString(), "--steps", "1"));
        assertTrue(err.toString().contains("--out " + file + ": is a file, not a folder"), err.toString());
        err.reset();
        assertEquals(2, main.run("pretrain", "--out", file.resolve("sub").toString(), "--steps", "1"));
        assertTrue(err.toString().contains("cannot be created, " + file + " is a file"), err.toString());
        err.reset();
        Files.createDirectories(dir.resolve("old"));
        Files.writeString(dir.resolve("old/config.json"), "{}");
        assertEquals(2, main.run("pretrain", "--out", dir.resolve("old").toString(), "--steps", "1"));
        assertTrue(err.toString().contains("already holds a run; continue it with ./mcl pretrain --resume"), err.toString());
    }

    @Test
    void aWarmUpLongerThanTheRunIsShortenedWithANoteAndAnExplicitOneIsRefused() throws Exception {
        Path graphs = fixtureGraphs();
        Path run = dir.resolve("run");
        assertEquals(0, main.run(fixtureRun(graphs, run, "3")), out + "\n" + err);
        assertTrue(out.toString().contains("note: the preset's warm-up of 30 steps is longer than the run; using 0"), out.toString());
        assertEquals(0, new ObjectMapper().readTree(run.resolve("config.json").toFile()).get("warmup_steps").asInt());
        err.reset();
        assertEquals(2, main.run("pretrain", "--steps", "5", "--warmup-steps", "9", "--out", dir.resolve("r2").toString()));
        assertTrue(err.toString().contains("--warmup-steps 9: longer than the run (5 steps)"), err.toString());
    }

    @Test
    void aStartThatFailsLeavesNothingBehindSoTheSameCommandCanBeRetried() throws Exception {
        Path graphs = fixtureGraphs();
        Path run = dir.resolve("run");
        Main failing = new Main(new PrintStream(out, true), new PrintStream(err, true));
        failing.replace(new PretrainCommand(new PrintStream(out, true), (c, split) -> { throw new IllegalStateException("graphs could not be built"); }));
        assertEquals(1, failing.run(fixtureRun(graphs, run, "2")));
        assertTrue(err.toString().contains("graphs could not be built"), err.toString());
        assertTrue(Files.notExists(run), "the failed start's folder is removed");
        assertEquals(0, main.run(fixtureRun(graphs, run, "2")), err.toString());
    }

    @Test
    void resumeWithStepsExtendsAFinishedRun() throws Exception {
        Path graphs = fixtureGraphs();
        Path run = dir.resolve("run");
        assertEquals(0, main.run(fixtureRun(graphs, run, "4")), err.toString());
        assertEquals(2, main.run("pretrain", "--resume", run.toString(), "--steps", "3"));
        assertTrue(err.toString().contains("--steps 3: the run has already taken 4 steps"), err.toString());
        err.reset();
        assertEquals(2, main.run("pretrain", "--resume", run.toString(), "--batch", "8"));
        assertTrue(err.toString().contains("--batch cannot be combined with --resume"), err.toString());
        out.reset();
        assertEquals(0, main.run("pretrain", "--resume", run.toString(), "--steps", "6"), err.toString());
        assertTrue(out.toString().contains("extending " + run + " from 4 to 6 steps (4 taken)"), out.toString());
        assertTrue(out.toString().contains("finished 6 steps"), out.toString());
        assertEquals(6, new ObjectMapper().readTree(run.resolve("config.json").toFile()).get("steps").asInt());
        var metrics = MetricsLog.read(run.resolve(MetricsLog.FILE));
        assertEquals(6, metrics.size());
        for (int i = 0; i < 6; i++) assertEquals(i + 1, metrics.get(i).get("step").asInt(), "metrics count steps as the console does, from 1");
        assertEquals("step-00000006", Files.readString(run.resolve("checkpoints/latest")).strip());
    }

    @Test
    void helpExplainsEveryFlagWithTheChosenPresetsValue() {
        assertEquals(0, main.run("help", "pretrain", "--preset", "r50"));
        String h = out.toString().replaceAll("\\s+", " ");
        assertTrue(h.startsWith("usage: mcl pretrain [flags]"), h);
        assertTrue(h.contains("[r50 preset: 224]") && h.contains("[r50 preset: 10000]") && !h.contains("tiny preset:"), h);
        for (String flag : List.of("--eta", "--mode", "--warmup-ratio", "--max-bad-steps", "--threads", "--base-lr")) {
            assertTrue(h.contains(flag + " <"), flag);
        }
        assertTrue(h.contains("LARS trust coefficient") && h.contains("0 = all cores") && h.contains("per 256 images"), h);
        out.reset();
        assertEquals(0, main.run("pretrain", "--help"));
        assertTrue(out.toString().contains("[tiny preset: 64]"), out.toString());
        out.reset();
        assertEquals(0, main.run("--version"));
        assertTrue(out.toString().matches("mcl \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R"), out.toString());
        for (String[] cmd : new String[][] {{"validate", "PATH"}, {"report", "RUN_DIR"}, {"bench", "grad|step|data|mpi"}}) {
            out.reset();
            assertEquals(0, main.run("help", cmd[0]));
            assertTrue(out.toString().startsWith("usage: mcl " + cmd[0] + " " + cmd[1] + " [flags]"), out.toString());
        }
        assertEquals(2, main.run("help", "pretrian"));
        assertTrue(err.toString().contains("did you mean 'pretrain'"), err.toString());
    }

    @Test
    void transferChecksItsWarmUpAndInitBeforeRunning() {
        assertEquals(2, main.run("transfer", "--steps", "10", "--warmup-steps", "20"));
        assertTrue(err.toString().contains("--warmup-steps 20: must be in 0..10"), err.toString());
        err.reset();
        assertEquals(2, main.run("transfer", "--init", dir.resolve("nope").toString()));
        assertTrue(err.toString().contains("no such run or checkpoint folder"), err.toString());
    }

    @Test
    void slowWorkSaysItIsStillRunning() throws Exception {
        assertEquals("done", Waiting.run(new PrintStream(out, true), "still decoding", 40, () -> {
            Thread.sleep(200);
            return "done";
        }));
        assertTrue(out.toString().lines().filter(l -> l.startsWith("still decoding ... ")).count() >= 3, out.toString());
        assertEquals(0, main.run("preview", "--data", "synthetic:64", "--out", dir.resolve("p.png").toString()), err.toString());
        assertTrue(out.toString().contains("decoding one batch from"), out.toString());
    }

    @Test
    void dataPrepareWritesADatasetThatDataReadsAndBenchDataMeasuresIt() throws Exception {
        Path prepared = dir.resolve("prepared");
        assertEquals(0, main.run("data", "prepare", "synthetic:6", "--out", prepared.toString(), "--workers", "1"), err.toString());
        assertTrue(out.toString().contains("wrote 6 images") && out.toString().contains("use it with --data " + prepared), out.toString());
        assertTrue(out.toString().contains("6/6 images"), "progress with a count: " + out);
        out.reset();
        assertEquals(0, main.run("data", "prepare", "synthetic:6", "--out", prepared.toString()), err.toString());
        assertTrue(out.toString().contains("wrote 0 images, kept 6 from an earlier run"), out.toString());
        out.reset();
        assertEquals(0, main.run("bench", "data", "--data", prepared.toString(), "--batch", "4", "--reps", "1", "--no-torch"), err.toString());
        assertTrue(out.toString().contains("| prepared dataset " + prepared + " (6 images) | tiny | 4 | 2 |"), out.toString());
        assertEquals(2, main.run("data", "prepare", "synthetic:6"));
        assertTrue(err.toString().contains("--out DIR is required"), err.toString());
        err.reset();
        assertEquals(2, main.run("data", "convert", "x", "--out", "y"));
        assertTrue(err.toString().contains("usage: mcl data prepare SRC --out DIR"), err.toString());
        err.reset();
        out.reset();
        Path profile = dir.resolve("profiles").resolve("step.json");
        assertEquals(0, main.run("bench", "step", "--preset", "tiny", "--reps", "1", "--no-torch", "--data", "synthetic", "--profile", profile.toString()), err.toString());
        assertTrue(out.toString().contains("| mcl (ONNX Runtime), fixed batch |") && out.toString().contains("target fwd (2 views)"), out.toString());
        assertTrue(out.toString().contains("data synthetic:"), out.toString());
        assertTrue(Files.size(profile) > 0 && out.toString().contains("online_train's profile written to " + profile), out.toString());
        assertTrue(out.toString().contains("forward pass") && out.toString().contains("conv dW"), "the profile is summarised per gradient rule: " + out);
        try (var left = Files.list(profile.getParent())) {
            assertEquals(List.of(profile), left.toList(), "only the requested file is left");
        }
        assertEquals(2, main.run("bench", "data"));
        assertTrue(err.toString().contains("bench data needs --data SPEC"), err.toString());
    }

    @Test
    void probeScoresFrozenFeaturesOfARunOrRandomInit() throws Exception {
        mcl.testing.Oracle.require(); // CI installs dataset-fashion-mnist with the oracles; fails there rather than skipping
        assertEquals(0, main.run("probe", "--init", "random", "--task", "knn", "--train", "300", "--test", "100", "--json"), err.toString());
        var j = new ObjectMapper().readTree(out.toString());
        assertEquals("knn", j.get("task").asText());
        assertTrue(j.get("top1").asDouble() > 0.3, "random conv features of garments are far above chance (0.1): " + j);
        out.reset();
        assertEquals(0, main.run("probe", "--task", "linear", "--train", "300", "--test", "100"), err.toString());
        assertTrue(out.toString().startsWith("linear top-1 "), out.toString());
        out.reset();
        assertEquals(0, main.run("probe", "--train", "300", "--test", "100", "--validation", "--json"), err.toString());
        var v = new ObjectMapper().readTree(out.toString());
        assertEquals("validation", v.get("scored_on").asText());
        assertTrue(v.get("top1").asDouble() > 0.3, v.toString());
        assertEquals(2, main.run("probe", "--train", "59950", "--test", "100", "--validation"));
        assertTrue(err.toString().contains("exceeds its 60000"), err.toString());
        assertEquals(2, main.run("probe", "--task", "seg", "--size", "50"));
        assertTrue(err.toString().contains("--size 50: image size 50 is not a positive multiple of 32"), err.toString());
        assertEquals(2, main.run("probe", "--task", "segment"));
        assertTrue(err.toString().contains("valid tasks are knn, linear and seg"), err.toString());
        out.reset();
        assertEquals(0, main.run("probe", "--task", "seg", "--train", "16", "--test", "8", "--validation", "--json"), err.toString());
        var s = new ObjectMapper().readTree(out.toString());
        assertEquals("seg", s.get("task").asText());
        assertEquals("validation", s.get("scored_on").asText());
        assertEquals(11, s.get("iou").size(), "background and 10 garment classes: " + s);
        // 16 scenes are a smoke test (the probe's default is 500): 256 whitened channels over 4,096 pixels overfit.
        assertEquals(16 * 16 * 16, s.get("train_pixels").asInt());
        assertTrue(s.get("pixel_acc").asDouble() > 0 && s.get("pixel_acc").asDouble() <= 1 && s.get("miou").asDouble() > 0 && s.get("miou").asDouble() < 1, s.toString());
    }

    @Test
    void graphsDefaultsToTheTinyPresetLikeEverythingElse() throws Exception {
        Path g = dir.resolve("g");
        assertEquals(0, main.run("graphs", "--out", g.toString()), err.toString());
        assertEquals("tiny", new ObjectMapper().readTree(g.resolve("manifest.json").toFile()).path("preset").asText());
    }

    @Test
    void theLauncherRebuildsWhenASourceIsNewerThanTheJar() throws Exception {
        Path repo = Path.of(System.getProperty("mcl.repo.root", "..")).toAbsolutePath();
        Path copy = dir.resolve("repo");
        Files.createDirectories(copy.resolve("cli/target"));
        Files.createDirectories(copy.resolve("data/src/main/java"));
        Files.copy(repo.resolve("mcl"), copy.resolve("mcl"));
        Path jar = Files.writeString(copy.resolve("cli/target/mcl.jar"), "jar");
        Path src = Files.writeString(copy.resolve("data/src/main/java/A.java"), "class A {}");
        Files.setLastModifiedTime(src, FileTime.from(Instant.now().minusSeconds(60)));
        assertEquals("fresh", launcherCheck(copy));
        Files.setLastModifiedTime(src, FileTime.from(Instant.now().plusSeconds(60)));
        assertEquals("stale", launcherCheck(copy), "a source newer than the jar triggers a build");
        Files.delete(jar);
        assertEquals("stale", launcherCheck(copy));
    }

    private static String launcherCheck(Path repo) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", repo.resolve("mcl").toString()).redirectErrorStream(true);
        pb.environment().put("MCL_LAUNCHER_CHECK", "1");
        Process q = pb.start();
        String o = new String(q.getInputStream().readAllBytes()).strip();
        q.waitFor();
        return o;
    }

    private Path fixtureGraphs() throws Exception {
        Path graphs = dir.resolve("graphs");
        if (!Files.exists(graphs)) FixtureGraphs.build(DataConfig.of(32, 4, 2)).write(graphs);
        return graphs;
    }

    private static String[] fixtureRun(Path graphs, Path run, String steps) {
        return new String[] {"pretrain", "--graphs", graphs.toString(), "--size", "32", "--batch", "4", "--levels", "2", "--threads", "1",
                "--data", "synthetic:16", "--steps", steps, "--out", run.toString()};
    }
}
