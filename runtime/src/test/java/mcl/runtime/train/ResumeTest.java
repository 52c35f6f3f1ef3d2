package mcl.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import mcl.checkpoints.TrainingCheckpoints;
import mcl.runtime.train.TrainConfig;
import mcl.runtime.train.TrainLoop;
import mcl.checkpoints.TrainState;
import mcl.tensors.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** N steps straight versus N/2, stop, resume, N/2: the same losses and the same final state, bit for bit. */
class ResumeTest {
    @TempDir
    Path tmp;

    @Test
    void stopAndResumeReproducesTheUninterruptedRun() throws Exception {
        TrainConfig c = FixtureRun.config(8, 3);
        Path straight = tmp.resolve("straight");
        assertEquals(TrainLoop.Outcome.COMPLETED, FixtureRun.start(straight, c, FixtureRun.never()).outcome());

        Path split = tmp.resolve("split");
        TrainLoop.Result stopped = FixtureRun.start(split, c, FixtureRun.stopBefore(4));
        assertEquals(TrainLoop.Outcome.STOPPED, stopped.outcome());
        assertEquals(4, stopped.step());
        assertEquals(4, TrainingCheckpoints.loadNewestGood(split).state().step());
        TrainLoop.Result resumed = FixtureRun.resume(split, FixtureRun.never());
        assertEquals(TrainLoop.Outcome.COMPLETED, resumed.outcome());

        double[] a = FixtureRun.losses(straight);
        double[] b = FixtureRun.losses(split);
        assertEquals(8, a.length);
        assertArrayEquals(a, b, 0.0, "losses after the resume differ from the uninterrupted run");
        assertTrue(a[0] != a[7], "the loss never changed: the test would pass with a frozen model");

        TrainState x = TrainingCheckpoints.loadNewestGood(straight).state();
        TrainState y = TrainingCheckpoints.loadNewestGood(split).state();
        assertEquals(8, x.step());
        assertEquals(8, y.step());
        assertSame(x.online(), y.online());
        assertSame(x.target(), y.target());
        assertSame(x.optimizer(), y.optimizer());
        // The target really moved away from the online weights (EMA), and BN buffers moved (running stats).
        assertTrue(!x.online().get("backbone.body.conv1.weight").equals(x.target().get("backbone.body.conv1.weight")));
        assertTrue(x.target().get("backbone.body.bn1.running_mean").floats()[0] != 0f);
    }

    private static void assertSame(Map<String, HostTensor> a, Map<String, HostTensor> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).floats(), b.get(k).floats(), 0f, k);
    }
}
