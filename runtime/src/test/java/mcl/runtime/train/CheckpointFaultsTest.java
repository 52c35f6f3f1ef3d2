package mcl.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import mcl.checkpoints.InvalidCheckpointException;
import mcl.checkpoints.TrainingCheckpoints;
import mcl.runtime.progress.PlainLines;
import mcl.runtime.train.FixtureGraphs;
import mcl.runtime.train.TrainLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged checkpoints are rejected with the reason and the previous one is used; a failed save loses nothing. */
class CheckpointFaultsTest {
    @TempDir
    Path tmp;

    @Test
    void damagedNewestCheckpointFallsBackToThePreviousOne() throws Exception {
        Path run = tmp.resolve("run");
        var keep3 = mcl.runtime.train.TrainConfig.JSON.createObjectNode().put("keep_checkpoints", 3);
        FixtureRun.start(run, mcl.runtime.train.TrainConfig.merge(FixtureRun.config(3, 1), keep3, "test"), FixtureRun.never());
        Path newest = run.resolve("checkpoints/step-00000003");
        byte[] b = Files.readAllBytes(newest.resolve("online.safetensors"));
        b[b.length - 3] ^= 0x40; // one flipped bit in the weights: still a well-formed safetensors file
        Files.write(newest.resolve("online.safetensors"), b);

        var loaded = TrainingCheckpoints.loadNewestGood(run);
        assertEquals(2, loaded.state().step());
        assertEquals(1, loaded.rejected().size());
        assertTrue(loaded.rejected().get(0).contains("online.safetensors is damaged"), loaded.rejected().get(0));

        Files.writeString(run.resolve("checkpoints/step-00000002/state.json"), "{\"preset\": \"tiny\", \"step\": 2, "); // cut short
        loaded = TrainingCheckpoints.loadNewestGood(run);
        assertEquals(1, loaded.state().step(), loaded.rejected().toString());
        assertTrue(loaded.rejected().get(1).contains("state.json is not valid JSON"), loaded.rejected().toString());

        // a resume goes on from step 1 and completes
        assertEquals(TrainLoop.Outcome.COMPLETED, FixtureRun.resume(run, FixtureRun.never()).outcome());
        assertEquals(3, TrainingCheckpoints.loadNewestGood(run).state().step());
    }

    @Test
    void aFolderWithoutCheckpointsIsRefusedClearly() {
        var e = assertThrows(InvalidCheckpointException.class, () -> TrainingCheckpoints.loadNewestGood(tmp));
        assertTrue(e.getMessage().contains("no checkpoints/ folder"), e.getMessage());
    }

    @Test
    void diskFullDuringASaveKeepsThePreviousCheckpoint() throws Exception {
        Path run = tmp.resolve("run");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var pr = new PretrainRun(run, (c, split) -> FixtureGraphs.build(c.dataConfig()), new PlainLines(new PrintStream(out, true), 1), (file, step) -> {
            if (step == 2 && file.getFileName().toString().equals("target.safetensors")) throw new IOException("No space left on device");
        });
        TrainLoop.Result r = pr.start(FixtureRun.config(3, 1), FixtureRun.never());
        assertEquals(TrainLoop.Outcome.COMPLETED, r.outcome(), out.toString());
        String log = out.toString();
        assertTrue(log.contains("could not save the checkpoint of step 2 (No space left on device)")
                && log.contains("step-00000001 is intact"), log);
        Path ck = run.resolve("checkpoints");
        try (Stream<Path> s = Files.list(ck)) {
            assertEquals(java.util.List.of("latest", "step-00000001", "step-00000003"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(1, TrainingCheckpoints.load(ck.resolve("step-00000001")).step());
    }
}
