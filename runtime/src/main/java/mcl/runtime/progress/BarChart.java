package mcl.runtime.progress;

import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.ScatterRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.DefaultMultiValueCategoryDataset;

/**
 * A grouped bar chart as one PNG (JFreeChart): per group (e.g. a label fraction) one bar per
 * series (e.g. a pre-training) at the mean of its runs, and every run as a dot on its bar, so a
 * reader sees the spread behind a mean of a few seeds.
 */
public final class BarChart {
    private static final Color[] COLORS = {new Color(150, 150, 150), new Color(31, 119, 180), new Color(214, 39, 40),
            new Color(44, 160, 44), new Color(255, 127, 14)};
    private static final int W = 900;
    private static final int H = 520;

    /** The runs of one series in one group. */
    public record Cell(String group, String series, double[] values) {
        public double mean() {
            double s = 0;
            for (double v : values) s += v;
            return s / values.length;
        }
    }

    private BarChart() { }

    public static void write(String title, String yLabel, List<String> groups, List<String> series, List<Cell> cells, Path png)
            throws IOException {
        DefaultCategoryDataset means = new DefaultCategoryDataset();
        DefaultMultiValueCategoryDataset runs = new DefaultMultiValueCategoryDataset();
        for (String s : series) {
            for (String g : groups) {
                Cell c = find(cells, g, s);
                if (c == null) continue;
                means.addValue(c.mean(), s, g);
                List<Double> v = new ArrayList<>();
                for (double x : c.values()) v.add(x);
                runs.add(v, s + " (runs)", g);
            }
        }
        NumberAxis y = new NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(true);
        BarRenderer bars = new BarRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setItemMargin(0.05);
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new java.text.DecimalFormat("0.000")));
        bars.setDefaultItemLabelsVisible(true);
        ScatterRenderer dots = new ScatterRenderer();
        dots.setUseSeriesOffset(true);
        dots.setItemMargin(0.05);
        for (int i = 0; i < series.size(); i++) {
            bars.setSeriesPaint(i, COLORS[i % COLORS.length]);
            dots.setSeriesPaint(i, Color.BLACK);
            dots.setSeriesShape(i, new Ellipse2D.Double(-3, -3, 6, 6));
            dots.setSeriesVisibleInLegend(i, false);
        }
        CategoryPlot plot = new CategoryPlot(means, new CategoryAxis(null), y, bars);
        plot.setDataset(1, runs);
        plot.setRenderer(1, dots);
        plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(220, 220, 220));
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        chart.addSubtitle(new TextTitle("bar: mean over runs (value on top); dots: single runs", new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
        chart.setBackgroundPaint(Color.WHITE);
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, W, H);
    }

    private static Cell find(List<Cell> cells, String group, String series) {
        for (Cell c : cells) if (c.group().equals(group) && c.series().equals(series)) return c;
        return null;
    }
}
