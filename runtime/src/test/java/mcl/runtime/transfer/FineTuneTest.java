package mcl.runtime.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import mcl.runtime.progress.Progress;
import org.junit.jupiter.api.Test;

/** A short fine-tune from random weights learns: its held-out mIoU beats its own starting point and its loss falls. */
class FineTuneTest {
    @Test
    void aShortFineTuneImprovesOverItsStartingPoint() {
        TransferConfig c = new TransferConfig("tiny", TransferConfig.RANDOM, "online", 1.0, 60, 1, 8, 64, 0.02, 0.9, 1e-4, 6, 64, 24,
                "fashion-scenes", 0, 2, 0, true, false);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TransferResult r = FineTune.run(c, Progress.forStream(new PrintStream(log, true), false, 20), true, () -> false);
        assertEquals(64, r.labelledScenes());
        assertTrue(r.lastLoss() < 0.6 * r.firstLoss(), "loss " + r.firstLoss() + " -> " + r.lastLoss());
        assertTrue(r.miou() > r.startMiou() + 0.02, "mIoU " + r.startMiou() + " -> " + r.miou());
        assertTrue(r.pixelAccuracy() > 0.5, "pixel accuracy " + r.pixelAccuracy());
        assertTrue(log.toString().contains("step 60/60"), log.toString());
    }
}
