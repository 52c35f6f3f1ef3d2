package mcl.runtime.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's numbers are the runs' mean and sample standard deviation, and every output is written. */
class SuiteReportTest {
    @TempDir
    Path dir;

    private static TransferResult result(String init, double labels, long seed, double miou) {
        return new TransferResult(init, labels, 50, seed, 10, miou, miou + 0.3, List.of("background", "a"), new double[] {0.9, miou},
                2.0, 1.0, Double.NaN, 0.9, 12, "test scenes");
    }

    @Test
    void tableChartAndJsonHoldTheRuns() throws Exception {
        List<SuiteReport.Entry> entries = new ArrayList<>();
        double[] random = {0.10, 0.20, 0.30};
        double[] mcl = {0.40, 0.50, 0.60};
        for (int s = 0; s < 3; s++) {
            entries.add(SuiteReport.Entry.of("random init", result("random", 0.01, s + 1, random[s])));
            entries.add(SuiteReport.Entry.of("MCL", result("runs/mcl", 0.01, s + 1, mcl[s])));
            entries.add(SuiteReport.Entry.of("MCL", result("runs/mcl", 0.10, s + 1, mcl[s] + 0.1)));
        }
        String md = SuiteReport.write(dir, "test", List.of("random init", "MCL"), entries, List.of("a note"));
        // mean 0.2, sample std 0.1
        assertTrue(md.contains("| 1% | random init | 0.2000 ± 0.1000 |"), md);
        assertTrue(md.contains("| 1% | MCL | 0.5000 ± 0.1000 |"), md);
        assertTrue(md.contains("| 10% | MCL | 0.6000 ± 0.1000 |"), md);
        assertTrue(md.contains("0.4000, 0.5000, 0.6000"), md);
        assertTrue(md.contains("a note"));
        assertEquals(md, Files.readString(dir.resolve("suite.md")));
        BufferedImage png = ImageIO.read(dir.resolve("suite.png").toFile());
        assertTrue(png.getWidth() > 400 && png.getHeight() > 300);
        var json = TransferResult.JSON.readTree(dir.resolve("suite.json").toFile());
        assertEquals(9, json.get("runs").size());
        TransferResult back = TransferResult.fromJson(json.get("runs").get(0));
        assertEquals(0.10, back.miou(), 1e-15);
        assertEquals(0.01, back.labels(), 1e-15);
    }

    @Test
    void detectionRowsGoToTheirOwnFilesWithBoxApColumns() throws Exception {
        List<SuiteReport.Entry> entries = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            var json = TransferResult.JSON.createObjectNode().put("task", "det").put("ap", 0.1 * (s + 1));
            entries.add(new SuiteReport.Entry("MCL", 0.01, 0.1 * (s + 1), 0.3, 20, json));
        }
        String md = SuiteReport.write(dir, SuiteReport.Scores.DET, "det", List.of("MCL"), entries, List.of());
        assertTrue(md.startsWith("| labels | pre-training | box AP mean ± std | AP50 mean ± std | box AP per seed |"), md);
        assertTrue(md.contains("| 1% | MCL | 0.1500 ± 0.0707 | 0.3000 ± 0.0000 | 0.1000, 0.2000 | 20 |"), md);
        assertTrue(Files.isRegularFile(dir.resolve("det-suite.png")));
        var back = TransferResult.JSON.readTree(dir.resolve("det-suite.json").toFile());
        assertEquals("MCL", back.get("runs").get(1).get("series").asText());
        assertEquals(0.2, back.get("runs").get(1).get("ap").asDouble(), 1e-15);
        assertTrue(!Files.exists(dir.resolve("suite.md")), "the segmentation report is not touched");
    }

    @Test
    void sampleStandardDeviation() {
        assertEquals(0, SuiteReport.std(new double[] {0.5}), 0);
        assertEquals(Math.sqrt(2.0 / 3.0), SuiteReport.std(new double[] {1, 2, 3, 2}), 1e-12);
    }
}
