package mcl.runtime.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verdict compares each pre-training seed's arms with random init, in mIoU points, fine-tunes averaged over their seeds. */
class SuiteGoalTest {
    @TempDir
    Path dir;

    private static final String IMAGE = TransferSuite.IMAGE_LEVEL + ", pre-training seed 1";
    private static final String MCL = "MCL (L=3), pre-training seed 1";

    private static SuiteReport.Entry ft(String series, double labels, double miou) {
        TransferResult r = new TransferResult("x", labels, 50, 1, 10, miou, 0.8, List.of("background", "a"), new double[] {0.9, miou},
                2.0, 1.0, Double.NaN, 0.9, 12, "test scenes");
        return SuiteReport.Entry.of(series, r);
    }

    private static List<SuiteProbes.Row> probes(double random, double image, double mcl) {
        return List.of(new SuiteProbes.Row(TransferSuite.RANDOM, 1, random, 0.8, 0.7, 1), new SuiteProbes.Row(IMAGE, 1, image, 0.8, 0.7, 1),
                new SuiteProbes.Row(MCL, 1, mcl, 0.8, 0.7, 1));
    }

    private static final List<TransferSuite.Arm> ARMS = List.of(new TransferSuite.Arm(IMAGE, "runs/i", 1), new TransferSuite.Arm(MCL, "runs/m", 1));

    @Test
    void marginsOfTwoPointsEverywhereMeetTheGoal() throws Exception {
        List<SuiteReport.Entry> e = new ArrayList<>();
        // random 10.0 (one run), image-level mean of 12.0 and 13.0 = 12.5, MCL 15.0: margins +2.5 and +2.5
        e.add(ft(TransferSuite.RANDOM, 0.01, 0.10));
        e.add(ft(IMAGE, 0.01, 0.12));
        e.add(ft(IMAGE, 0.01, 0.13));
        e.add(ft(MCL, 0.01, 0.15));
        String md = SuiteGoal.write(dir, probes(0.10, 0.12, 0.14), e, ARMS, List.of(0.01));
        assertTrue(md.contains("| 1 | dense probe | 10.00 | 12.00 | 14.00 | +2.00 | +2.00 | yes |"), md);
        assertTrue(md.contains("| 1 | fine-tune, 1% labels | 10.00 | 12.50 | 15.00 | +2.50 | +2.50 | yes |"), md);
        assertTrue(md.contains(": met (2 of 2 rows)"), md);
        assertEquals(md, Files.readString(dir.resolve("goal.md")));
    }

    @Test
    void aSmallerMarginOrAWrongOrderIsNotMet() throws Exception {
        List<SuiteReport.Entry> e = List.of(ft(TransferSuite.RANDOM, 0.1, 0.20), ft(IMAGE, 0.1, 0.15), ft(MCL, 0.1, 0.30));
        String md = SuiteGoal.write(dir, probes(0.10, 0.119, 0.20), e, ARMS, List.of(0.1));
        assertTrue(md.contains("| 1 | dense probe | 10.00 | 11.90 | 20.00 | +8.10 | +1.90 | no |"), md);
        assertTrue(md.contains("| 1 | fine-tune, 10% labels | 20.00 | 15.00 | 30.00 | +15.00 | -5.00 | no |"), md);
        assertTrue(md.contains(": not met (0 of 2 rows)"), md);
    }
}
