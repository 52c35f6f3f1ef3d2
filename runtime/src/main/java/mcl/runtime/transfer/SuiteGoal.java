package mcl.runtime.transfer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The suite's verdict per pre-training seed: MCL > image-level > random init by at least
 * {@link #MARGIN} mIoU points on the dense probe and on fine-tuning at every label fraction
 * (fine-tuning scores are means over the fine-tuning seeds). Written as goal.md.
 */
final class SuiteGoal {
    /** The margin asked for, in mIoU points (mIoU x 100). */
    static final double MARGIN = 2.0;

    private SuiteGoal() { }

    static String write(Path dir, List<SuiteProbes.Row> probes, List<SuiteReport.Entry> fineTunes, List<TransferSuite.Arm> pretrained,
                        List<Double> labelFractions) throws IOException {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "| pre-training seed | score (mIoU points) | random init | image-level | MCL | MCL − image-level | image-level − random | both ≥ %.0f |%n",
                MARGIN));
        md.append("|---|---|---|---|---|---|---|---|\n");
        int met = 0;
        int rows = 0;
        for (int i = 0; i + 1 < pretrained.size(); i += 2) {
            TransferSuite.Arm image = pretrained.get(i);
            TransferSuite.Arm mcl = pretrained.get(i + 1);
            int k = image.pretrainSeed();
            double r = 100 * probe(probes, TransferSuite.RANDOM, k);
            double im = 100 * probe(probes, image.series(), k);
            double m = 100 * probe(probes, mcl.series(), k);
            met += row(md, k, "dense probe", r, im, m) ? 1 : 0;
            rows++;
            for (double labels : labelFractions) {
                met += row(md, k, "fine-tune, " + TransferConfig.labelsName(labels) + " labels", 100 * mean(fineTunes, TransferSuite.RANDOM, labels),
                        100 * mean(fineTunes, image.series(), labels), 100 * mean(fineTunes, mcl.series(), labels)) ? 1 : 0;
                rows++;
            }
        }
        md.append(String.format(Locale.ROOT, "%nGoal (MCL > image-level > random init by ≥ %.0f mIoU points on every score, for every pre-training seed): "
                + "%s (%d of %d rows).%n", MARGIN, met == rows ? "met" : "not met", met, rows));
        Files.writeString(dir.resolve("goal.md"), md.toString());
        return md.toString();
    }

    private static boolean row(StringBuilder md, int seed, String score, double random, double image, double mcl) {
        boolean ok = mcl - image >= MARGIN && image - random >= MARGIN;
        md.append(String.format(Locale.ROOT, "| %d | %s | %.2f | %.2f | %.2f | %+.2f | %+.2f | %s |%n", seed, score, random, image, mcl, mcl - image,
                image - random, ok ? "yes" : "no"));
        return ok;
    }

    private static double probe(List<SuiteProbes.Row> rows, String series, int seed) {
        return rows.stream().filter(r -> r.series().equals(series) && r.pretrainSeed() == seed).mapToDouble(SuiteProbes.Row::miou).findFirst()
                .orElse(Double.NaN);
    }

    private static double mean(List<SuiteReport.Entry> entries, String series, double labels) {
        return entries.stream().filter(e -> e.series().equals(series) && e.labels() == labels).mapToDouble(SuiteReport.Entry::score).average()
                .orElse(Double.NaN);
    }
}
