package mcl.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import mcl.checkpoints.TrainingCheckpoints;
import mcl.runtime.train.TrainLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILL in the middle of writing a checkpoint leaves the previous one intact and resumable. */
class KillTest {
    @TempDir
    Path tmp;

    @Test
    void killDuringSaveResumesFromTheLastGoodCheckpoint() throws Exception {
        Path killed = tmp.resolve("killed");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), KillableRun.class.getName(), killed.toString())
                .redirectErrorStream(true).start();
        boolean sawSave = false;
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                log.append(line).append('\n');
                if (line.equals("SAVING 3")) {
                    sawSave = true;
                    p.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
                    break;
                }
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(sawSave, "the child never reached the save of step 3:\n" + log);
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        Path ck = killed.resolve("checkpoints");
        try (Stream<Path> s = Files.list(ck)) {
            List<String> names = s.map(x -> x.getFileName().toString()).sorted().toList();
            assertTrue(names.stream().anyMatch(n -> n.startsWith(".tmp-step-00000003")), "the interrupted save should be visible: " + names);
            assertTrue(names.contains("step-00000002") && !names.contains("step-00000003"), names.toString());
        }
        assertEquals("step-00000002", Files.readString(ck.resolve("latest")).strip());
        var loaded = TrainingCheckpoints.loadNewestGood(killed);
        assertEquals(2, loaded.state().step());
        assertTrue(loaded.rejected().isEmpty(), loaded.rejected().toString());

        assertEquals(TrainLoop.Outcome.COMPLETED, FixtureRun.resume(killed, FixtureRun.never()).outcome());
        try (Stream<Path> s = Files.list(ck)) {
            assertTrue(s.noneMatch(x -> x.getFileName().toString().startsWith(".tmp-")), "leftovers of the killed save are cleaned up");
        }
        Path straight = tmp.resolve("straight");
        FixtureRun.start(straight, FixtureRun.config(8, 100), FixtureRun.never());
        assertArrayEquals(FixtureRun.losses(straight), FixtureRun.losses(killed), 0.0);
    }
}
