package mcl.runtime.transfer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import mcl.runtime.progress.BarChart;

/**
 * The transfer comparison as people read it: a markdown table (mean, standard deviation and the
 * single runs of the task's main score, e.g. mIoU or box AP, and of its second score, e.g. pixel
 * accuracy or AP50, per pre-training and label fraction), a bar chart PNG and the raw results as JSON.
 */
public final class SuiteReport {
    /**
     * One fine-tuning result and the pre-training it started from ("random", "image-level", "MCL").
     *
     * @param json the run's whole result, kept in the JSON report
     */
    public record Entry(String series, double labels, double score, double second, double seconds, ObjectNode json) {
        /** A segmentation fine-tune: mIoU and pixel accuracy. */
        public static Entry of(String series, TransferResult r) {
            return new Entry(series, r.labels(), r.miou(), r.pixelAccuracy(), r.seconds(), r.toJson());
        }
    }

    /** The names of a task's two scores, its file names (stem.md, stem.png, stem.json) and the chart's axis. */
    public record Scores(String stem, String score, String second) {
        public static final Scores SEG = new Scores("suite", "mIoU", "pixel acc.");
        public static final Scores DET = new Scores("det-suite", "box AP", "AP50");
    }

    private SuiteReport() { }

    /** Segmentation: writes suite.md, suite.png and suite.json into {@code dir}; returns the markdown. */
    public static String write(Path dir, String title, List<String> seriesOrder, List<Entry> entries, List<String> notes) throws IOException {
        return write(dir, Scores.SEG, title, seriesOrder, entries, notes);
    }

    /** Writes stem.md, stem.png and stem.json into {@code dir}; returns the markdown. */
    public static String write(Path dir, Scores names, String title, List<String> seriesOrder, List<Entry> entries, List<String> notes) throws IOException {
        Files.createDirectories(dir);
        List<String> groups = new ArrayList<>();
        for (Entry e : entries) {
            String g = TransferConfig.labelsName(e.labels()) + " labels";
            if (!groups.contains(g)) groups.add(g);
        }
        Map<String, List<Entry>> cells = new LinkedHashMap<>();
        for (Entry e : entries) cells.computeIfAbsent(key(e), k -> new ArrayList<>()).add(e);

        StringBuilder md = new StringBuilder();
        md.append(String.format("| labels | pre-training | %1$s mean ± std | %2$s mean ± std | %1$s per seed | fine-tune s/run |%n", names.score(), names.second()));
        md.append("|---|---|---|---|---|---|\n");
        List<BarChart.Cell> bars = new ArrayList<>();
        for (String g : groups) {
            for (String s : seriesOrder) {
                List<Entry> runs = cells.get(g + "|" + s);
                if (runs == null) continue;
                double[] miou = runs.stream().mapToDouble(Entry::score).toArray();
                double[] acc = runs.stream().mapToDouble(Entry::second).toArray();
                double secs = runs.stream().mapToDouble(Entry::seconds).average().orElse(Double.NaN);
                StringBuilder per = new StringBuilder();
                for (Entry e : runs) per.append(per.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", e.score()));
                md.append(String.format(Locale.ROOT, "| %s | %s | %.4f ± %.4f | %.4f ± %.4f | %s | %.0f |%n",
                        g.replace(" labels", ""), s, mean(miou), std(miou), mean(acc), std(acc), per, secs));
                bars.add(new BarChart.Cell(g, s, miou));
            }
        }
        for (String n : notes) md.append("\n").append(n).append("\n");
        Files.writeString(dir.resolve(names.stem() + ".md"), md.toString());
        BarChart.write(title, names.score() + " on held-out scenes", groups, seriesOrder, bars, dir.resolve(names.stem() + ".png"));
        ObjectNode json = TransferResult.JSON.createObjectNode();
        json.put("title", title);
        ArrayNode arr = json.putArray("runs");
        for (Entry e : entries) {
            ObjectNode o = e.json().deepCopy();
            o.put("series", e.series());
            arr.add(o);
        }
        TransferResult.JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(names.stem() + ".json").toFile(), json);
        return md.toString();
    }

    private static String key(Entry e) {
        return TransferConfig.labelsName(e.labels()) + " labels|" + e.series();
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    /** Sample standard deviation (n - 1); 0 for a single run. */
    static double std(double[] v) {
        if (v.length < 2) return 0;
        double m = mean(v);
        double s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }
}
