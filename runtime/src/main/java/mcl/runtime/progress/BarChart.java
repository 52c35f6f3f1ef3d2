package mcl.runtime.progress;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A grouped bar chart as one PNG (Java2D): per group (e.g. a label fraction) one bar per series
 * (e.g. a pre-training), the bar at the mean, a whisker from the smallest to the largest run and
 * each run as a dot, so a reader sees the spread behind a mean of 3 seeds.
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
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
        g.drawString(title, 16, 26);

        int left = 80;
        int right = W - 190;
        int top = 50;
        int bottom = H - 60;
        double hi = 0;
        for (Cell c : cells) for (double v : c.values()) hi = Math.max(hi, v);
        hi = niceCeiling(hi);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int t = 0; t <= 5; t++) {
            double v = hi * t / 5;
            int y = y(v, hi, top, bottom);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format("%.2f", v), left - 44, y + 4);
        }
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(top + bottom) / 2 - g.getFontMetrics().stringWidth(yLabel) / 2, 22);
        g.rotate(Math.PI / 2);

        int groupW = (right - left) / Math.max(1, groups.size());
        int barW = Math.max(8, (int) (groupW * 0.7 / Math.max(1, series.size())));
        for (int gi = 0; gi < groups.size(); gi++) {
            int gx = left + gi * groupW + (groupW - barW * series.size()) / 2;
            for (int si = 0; si < series.size(); si++) {
                Cell c = find(cells, groups.get(gi), series.get(si));
                if (c == null) continue;
                int x = gx + si * barW;
                int yMean = y(c.mean(), hi, top, bottom);
                g.setColor(COLORS[si % COLORS.length]);
                g.fillRect(x + 2, yMean, barW - 4, bottom - yMean);
                double lo = Double.POSITIVE_INFINITY;
                double up = Double.NEGATIVE_INFINITY;
                for (double v : c.values()) {
                    lo = Math.min(lo, v);
                    up = Math.max(up, v);
                }
                int cx = x + barW / 2;
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(1.5f));
                g.drawLine(cx, y(lo, hi, top, bottom), cx, y(up, hi, top, bottom));
                g.drawLine(cx - 5, y(lo, hi, top, bottom), cx + 5, y(lo, hi, top, bottom));
                g.drawLine(cx - 5, y(up, hi, top, bottom), cx + 5, y(up, hi, top, bottom));
                for (double v : c.values()) g.fillOval(cx - 3, y(v, hi, top, bottom) - 3, 6, 6);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                String label = String.format("%.3f", c.mean());
                g.drawString(label, cx - g.getFontMetrics().stringWidth(label) / 2, Math.min(yMean, y(up, hi, top, bottom)) - 6);
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.setColor(Color.BLACK);
            String name = groups.get(gi);
            g.drawString(name, left + gi * groupW + groupW / 2 - g.getFontMetrics().stringWidth(name) / 2, bottom + 22);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawLine(left, bottom, right, bottom);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int si = 0; si < series.size(); si++) {
            int ly = top + 10 + si * 24;
            g.setColor(COLORS[si % COLORS.length]);
            g.fillRect(right + 20, ly - 11, 16, 14);
            g.setColor(Color.BLACK);
            g.drawString(series.get(si), right + 44, ly + 1);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int noteY = top + 20 + series.size() * 24;
        for (String line : new String[] {"bar: mean", "whisker: min to max", "dots: single runs"}) {
            g.drawString(line, right + 20, noteY);
            noteY += 15;
        }
        g.dispose();
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (!ImageIO.write(img, "png", png.toFile())) throw new IOException("no PNG writer available");
    }

    private static Cell find(List<Cell> cells, String group, String series) {
        for (Cell c : cells) if (c.group().equals(group) && c.series().equals(series)) return c;
        return null;
    }

    private static int y(double v, double hi, int top, int bottom) {
        return (int) Math.round(bottom - (bottom - top) * v / hi);
    }

    /** The axis top: the next multiple of 0.05 above the largest value (scores lie in 0..1). */
    private static double niceCeiling(double v) {
        if (!(v > 0)) return 1;
        return Math.min(1, Math.ceil(v / 0.05 + 1e-9) * 0.05 + 0.05);
    }
}
