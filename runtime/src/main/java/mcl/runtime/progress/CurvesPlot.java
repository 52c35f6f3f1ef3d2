package mcl.runtime.progress;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** The training curves of a metrics.jsonl as one PNG (Java2D): a grid of small line plots over the step. */
public final class CurvesPlot {
    private static final int W = 460;
    private static final int H = 300;
    private static final Color[] COLORS = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
            new Color(214, 39, 40), new Color(148, 103, 189)};

    /** One panel: a title and the metric keys it draws (key[i] for an array element). */
    private record Panel(String title, boolean smooth, String... keys) { }

    private static final List<Panel> PANELS = List.of(
            new Panel("loss (thin: per step, thick: moving average)", true, "loss"),
            new Panel("loss per level", true, "loss_levels[0]", "loss_levels[1]", "loss_levels[2]", "loss_levels[3]"),
            new Panel("cosine to own target (pos) / others (neg)", true, "pos_cos", "neg_cos"),
            new Panel("learning rate", false, "lr"),
            new Panel("EMA momentum", false, "ema_momentum"),
            new Panel("gradient norm (before clipping)", true, "grad_norm"),
            new Panel("images / s", true, "images_per_s"),
            new Panel("seconds per step: data wait, target, online f+b, optimiser", true, "data_wait_s", "target_s", "online_s", "optim_s"));

    private CurvesPlot() { }

    public static void write(List<JsonNode> metrics, String title, Path png) throws IOException {
        if (metrics.isEmpty()) throw new IllegalArgumentException("no metrics to plot (metrics.jsonl is empty)");
        int cols = 4;
        int rows = (PANELS.size() + cols - 1) / cols;
        BufferedImage img = new BufferedImage(cols * W, rows * H + 36, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(title, 12, 24);
        for (int i = 0; i < PANELS.size(); i++) panel(g, PANELS.get(i), metrics, (i % cols) * W, 36 + (i / cols) * H);
        g.dispose();
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) java.nio.file.Files.createDirectories(parent);
        if (!ImageIO.write(img, "png", png.toFile())) throw new IOException("no PNG writer available");
    }

    private static void panel(Graphics2D g, Panel p, List<JsonNode> m, int x0, int y0) {
        int left = x0 + 62;
        int right = x0 + W - 14;
        int top = y0 + 28;
        int bottom = y0 + H - 34;
        double[] steps = new double[m.size()];
        for (int i = 0; i < steps.length; i++) steps[i] = m.get(i).path("step").asDouble();
        double[][] series = new double[p.keys().length][];
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < series.length; k++) {
            series[k] = values(m, p.keys()[k]);
            for (double v : series[k]) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(p.title(), x0 + 10, y0 + 18);
        g.setColor(new Color(225, 225, 225));
        g.fillRect(left, top, right - left, bottom - top);
        if (!(hi >= lo)) {
            g.setColor(Color.GRAY);
            g.drawString("(not recorded)", left + 10, top + 20);
            return;
        }
        if (hi == lo) {
            hi += Math.abs(hi) * 0.05 + 1e-12;
            lo -= Math.abs(lo) * 0.05 + 1e-12;
        }
        double s0 = steps[0];
        double s1 = Math.max(steps[steps.length - 1], s0 + 1);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setColor(Color.DARK_GRAY);
        for (int t = 0; t <= 4; t++) {
            double v = lo + (hi - lo) * t / 4;
            int y = (int) (bottom - (bottom - top) * t / 4.0);
            g.setColor(Color.WHITE);
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(fmt(v), x0 + 4, y + 4);
        }
        g.drawString("step " + (long) s0, left, bottom + 16);
        String end = "step " + (long) s1;
        g.drawString(end, right - g.getFontMetrics().stringWidth(end), bottom + 16);
        for (int k = 0; k < series.length; k++) {
            if (Double.isNaN(series[k][0]) && allNaN(series[k])) continue;
            Color c = COLORS[k % COLORS.length];
            if (p.smooth() && series.length == 1) {
                g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 90));
                g.setStroke(new BasicStroke(1f));
                g.draw(path(steps, series[k], s0, s1, lo, hi, left, right, top, bottom));
                g.setColor(c);
                g.setStroke(new BasicStroke(2.2f));
                g.draw(path(steps, movingAverage(series[k], Math.max(1, steps.length / 20)), s0, s1, lo, hi, left, right, top, bottom));
            } else {
                g.setColor(c);
                g.setStroke(new BasicStroke(1.6f));
                double[] v = p.smooth() ? movingAverage(series[k], Math.max(1, steps.length / 40)) : series[k];
                g.draw(path(steps, v, s0, s1, lo, hi, left, right, top, bottom));
            }
            if (series.length > 1) {
                g.drawString(p.keys()[k], right - 110, top + 14 + 13 * k);
            }
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static Path2D path(double[] xs, double[] ys, double x0, double x1, double lo, double hi, int l, int r, int t, int b) {
        Path2D.Double path = new Path2D.Double();
        boolean pen = false;
        for (int i = 0; i < xs.length; i++) {
            if (!Double.isFinite(ys[i])) {
                pen = false;
                continue;
            }
            double x = l + (r - l) * (xs[i] - x0) / (x1 - x0);
            double y = b - (b - t) * (ys[i] - lo) / (hi - lo);
            if (pen) path.lineTo(x, y);
            else path.moveTo(x, y);
            pen = true;
        }
        return path;
    }

    static double[] values(List<JsonNode> m, String key) {
        double[] v = new double[m.size()];
        int br = key.indexOf('[');
        for (int i = 0; i < v.length; i++) {
            JsonNode n = br < 0 ? m.get(i).get(key) : m.get(i).path(key.substring(0, br)).get(Integer.parseInt(key.substring(br + 1, key.length() - 1)));
            v[i] = n == null || !n.isNumber() || m.get(i).path("skipped").asBoolean() ? Double.NaN : n.asDouble();
        }
        return v;
    }

    static double[] movingAverage(double[] v, int window) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double s = 0;
            int n = 0;
            for (int j = Math.max(0, i - window + 1); j <= i; j++) {
                if (Double.isFinite(v[j])) {
                    s += v[j];
                    n++;
                }
            }
            out[i] = n == 0 ? Double.NaN : s / n;
        }
        return out;
    }

    private static boolean allNaN(double[] v) {
        for (double d : v) if (!Double.isNaN(d)) return false;
        return true;
    }

    private static String fmt(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e5)) return String.format("%.2e", v);
        return String.format(a < 1 ? "%.4f" : "%.3f", v);
    }
}
