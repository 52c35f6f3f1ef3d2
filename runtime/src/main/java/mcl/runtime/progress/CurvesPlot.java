package mcl.runtime.progress;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The training curves of a metrics.jsonl as one PNG: a grid of JFreeChart line plots over the
 * step, each with real axes and a legend; the loss panels carry the chance level (the loss of
 * embeddings that tell the images apart no better than guessing), so a user sees at a glance
 * whether pre-training has started to learn.
 */
public final class CurvesPlot {
    private static final int W = 480;
    private static final int H = 320;
    private static final int COLS = 4;
    private static final int TITLE_H = 40;
    /** Series with at most this many points are drawn with markers too, so one step is visible. */
    private static final int MARKERS_UP_TO = 30;
    private static final Color[] COLORS = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
            new Color(214, 39, 40), new Color(148, 103, 189)};

    /** One line: a metrics key (key[i] for an array element) and its legend name. */
    private record Line(String key, String name) { }

    /** One panel: title, y-axis label, its lines, whether a moving average is drawn over the raw values, and a chance level. */
    private record Panel(String title, String yLabel, boolean smooth, boolean chance, Line... lines) { }

    private static final List<Panel> PANELS = List.of(
            new Panel("loss", "loss", true, true, new Line("loss", "loss")),
            new Panel("loss per level (unweighted)", "loss", true, true,
                    new Line("loss_levels[0]", "level 0 (full size)"), new Line("loss_levels[1]", "level 1 (1/2 size)"),
                    new Line("loss_levels[2]", "level 2 (1/4 size)"), new Line("loss_levels[3]", "level 3 (1/8 size)")),
            new Panel("cosine of embeddings to targets", "cosine", true, false,
                    new Line("pos_cos", "own target (positive)"), new Line("neg_cos", "other images (negatives)")),
            new Panel("k-NN top-1 of frozen features (Fashion-MNIST validation garments)", "top-1", false, false, new Line("probe_knn_top1", "k-NN top-1")),
            new Panel("learning rate", "lr", false, false, new Line("lr", "lr")),
            new Panel("gradient norm (before clipping)", "norm", true, false, new Line("grad_norm", "gradient norm")),
            new Panel("throughput", "images / s", true, false, new Line("images_per_s", "images / s")),
            new Panel("seconds per step", "s", true, false, new Line("data_wait_s", "waiting for data"), new Line("target_s", "target forward"),
                    new Line("online_s", "online forward+backward"), new Line("optim_s", "optimiser")));

    private CurvesPlot() { }

    /** Curves without a chance level (when the run's batch and temperature are unknown). */
    public static void write(List<JsonNode> metrics, String title, Path png) throws IOException {
        write(metrics, title, png, Double.NaN);
    }

    /**
     * @param chanceLoss the loss at chance for the run's batch and temperature (see
     *                   {@code TrainConfig#chanceLoss}); NaN draws no chance line
     */
    public static void write(List<JsonNode> metrics, String title, Path png, double chanceLoss) throws IOException {
        if (metrics.isEmpty()) throw new IllegalArgumentException("no metrics to plot (metrics.jsonl holds no steps yet)");
        int rows = (PANELS.size() + COLS - 1) / COLS;
        BufferedImage img = new BufferedImage(COLS * W, rows * H + TITLE_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(title, 12, 27);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString("noisy metrics: faint = every step, line = moving average; dashed = the loss at chance (4 T ln B)",
                12 + g.getFontMetrics(new Font(Font.SANS_SERIF, Font.BOLD, 18)).stringWidth(title) + 24, 27);
        for (int i = 0; i < PANELS.size(); i++) {
            JFreeChart chart = chart(PANELS.get(i), metrics, chanceLoss);
            chart.draw(g, new Rectangle2D.Double((i % COLS) * W, TITLE_H + (i / COLS) * H, W, H));
        }
        g.dispose();
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (!ImageIO.write(img, "png", png.toFile())) throw new IOException("no PNG writer available");
    }

    private static JFreeChart chart(Panel p, List<JsonNode> m, double chanceLoss) {
        XYSeriesCollection data = new XYSeriesCollection();
        int points = 0;
        for (Line line : p.lines()) {
            XYSeries raw = series(m, line.key(), p.smooth() && m.size() > MARKERS_UP_TO ? line.name() + " (per step)" : line.name());
            if (raw.getItemCount() == 0) continue;
            points = Math.max(points, raw.getItemCount());
            data.addSeries(raw);
        }
        boolean smoothed = p.smooth() && points > MARKERS_UP_TO;
        int rawCount = data.getSeriesCount();
        if (smoothed) {
            for (int s = 0; s < rawCount; s++) data.addSeries(movingAverage(data.getSeries(s), Math.max(2, points / 25)));
        }
        NumberAxis x = new NumberAxis("step");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setAutoRangeIncludesZero(false);
        NumberAxis y = new NumberAxis(p.yLabel());
        y.setAutoRangeIncludesZero(false);
        // A constant series (one step, a fixed lr) would get a zero-height axis with unreadable ticks.
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < rawCount; s++) {
            lo = Math.min(lo, data.getSeries(s).getMinY());
            hi = Math.max(hi, data.getSeries(s).getMaxY());
        }
        if (rawCount > 0 && hi - lo <= 1e-9 * Math.max(1, Math.abs(hi))) y.setAutoRangeMinimumSize(Math.abs(hi) > 0 ? Math.abs(hi) * 0.2 : 1);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, points <= MARKERS_UP_TO);
        for (int s = 0; s < data.getSeriesCount(); s++) {
            Color c = COLORS[(s % rawCount) % COLORS.length];
            boolean average = smoothed && s >= rawCount;
            r.setSeriesPaint(s, average || !smoothed ? c : new Color(c.getRed(), c.getGreen(), c.getBlue(), 70));
            r.setSeriesStroke(s, new BasicStroke(average ? 2.2f : 1.2f));
            if (smoothed && !average) r.setSeriesVisibleInLegend(s, false);
        }
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(220, 220, 220));
        plot.setRangeGridlinePaint(new Color(220, 220, 220));
        if (p.chance() && Double.isFinite(chanceLoss)) {
            ValueMarker chance = new ValueMarker(chanceLoss, Color.DARK_GRAY, new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                    1f, new float[] {6f, 4f}, 0f));
            chance.setLabel(String.format("chance %.2f", chanceLoss));
            chance.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            chance.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            chance.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
            plot.addRangeMarker(chance);
            // Keep the chance line in view when the loss is far from it.
            double low = Math.min(y.getLowerBound(), chanceLoss);
            double high = Math.max(y.getUpperBound(), chanceLoss);
            double pad = Math.max(1e-6, (high - low) * 0.05);
            y.setRange(low - pad, high + pad);
        }
        JFreeChart chart = new JFreeChart(p.title(), new Font(Font.SANS_SERIF, Font.PLAIN, 13), plot, rawCount > 1);
        if (chart.getLegend() != null) chart.getLegend().setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** The values of {@code key} ("name" or "name[i]") over the steps, skipping missing and non-finite ones; "name_init" at step 0. */
    static XYSeries series(List<JsonNode> m, String key, String name) {
        XYSeries s = new XYSeries(name, false, true);
        int bracket = key.indexOf('[');
        for (JsonNode rec : m) {
            // "<key>_init": the value before the first step (the probe of the initial weights), drawn at step 0.
            JsonNode init = bracket < 0 ? rec.get(key + "_init") : null;
            if (init != null && init.isNumber() && Double.isFinite(init.asDouble())) s.add(0.0, init.asDouble());
            JsonNode v = bracket < 0 ? rec.get(key) : rec.path(key.substring(0, bracket)).get(Integer.parseInt(key.substring(bracket + 1, key.length() - 1)));
            if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) s.add(rec.path("step").asDouble(), v.asDouble());
        }
        return s;
    }

    /** A trailing moving average over {@code window} points, named as the series' average. */
    private static XYSeries movingAverage(XYSeries raw, int window) {
        XYSeries avg = new XYSeries(raw.getKey().toString().replace(" (per step)", ""), false, true);
        double sum = 0;
        for (int i = 0; i < raw.getItemCount(); i++) {
            sum += raw.getY(i).doubleValue();
            if (i >= window) sum -= raw.getY(i - window).doubleValue();
            avg.add(raw.getX(i), sum / Math.min(i + 1, window));
        }
        return avg;
    }
}
