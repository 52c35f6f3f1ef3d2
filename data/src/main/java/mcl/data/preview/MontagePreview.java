package mcl.data.preview;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import mcl.data.montage.MontageBatch;
import mcl.data.pipeline.DataConfig;

/**
 * Renders one batch as a person would want to check it: for each view a block per level, the
 * montages side by side (wrapping after {@link #PER_ROW}), de-normalised back to RGB, with
 * every tile outlined and labelled with its source image index.
 */
public final class MontagePreview {
    public static final int PER_ROW = 8;
    static final int GAP = 6;
    static final int LABEL = 22;
    /** Tile outline colour: a saturated yellow that augmentations rarely produce in large areas. */
    public static final Color BORDER = new Color(255, 220, 0);

    private MontagePreview() { }

    public static void write(MontageBatch batch, Path png) throws IOException {
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) java.nio.file.Files.createDirectories(parent);
        if (!ImageIO.write(render(batch), "png", png.toFile())) throw new IOException("no PNG writer available");
    }

    public static BufferedImage render(MontageBatch batch) {
        int h = batch.size();
        int cols = Math.min(PER_ROW, batch.montages(0));
        int width = GAP + cols * (h + GAP);
        int height = 0;
        for (int v = 1; v <= 2; v++) {
            height += LABEL;
            for (int l = 0; l < batch.levels(); l++) height += LABEL + rows(batch.montages(l)) * (h + GAP);
        }
        BufferedImage img = new BufferedImage(width, height + GAP, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(40, 40, 40));
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        int y = 0;
        for (int v = 1; v <= 2; v++) {
            g.setColor(Color.WHITE);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString("view " + v + (v == 1 ? "  (blur p=1.0, solarize p=0)" : "  (blur p=0.1, solarize p=0.2)")
                    + "   epoch " + batch.epoch() + " step " + batch.step(), GAP, y + LABEL - 5);
            y += LABEL;
            for (int l = 0; l < batch.levels(); l++) {
                int m = batch.montages(l);
                int r = DataConfig.ratio(l);
                g.setColor(Color.LIGHT_GRAY);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
                g.drawString("level " + l + ": r=" + r + ", " + m + " montage" + (m == 1 ? "" : "s") + " of " + r + "x" + r
                        + " tiles (number = source image)", GAP, y + LABEL - 6);
                y += LABEL;
                for (int j = 0; j < m; j++) {
                    int x0 = GAP + (j % PER_ROW) * (h + GAP);
                    int y0 = y + (j / PER_ROW) * (h + GAP);
                    drawMontage(img, g, batch, v, l, j, x0, y0);
                }
                y += rows(m) * (h + GAP);
            }
        }
        g.dispose();
        return img;
    }

    private static int rows(int m) { return (m + PER_ROW - 1) / PER_ROW; }

    private static void drawMontage(BufferedImage img, Graphics2D g, MontageBatch batch, int v, int l, int j, int x0, int y0) {
        int h = batch.size();
        int plane = h * h;
        float[] px = batch.images(v, l);
        int base = j * 3 * plane;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < h; x++) {
                int i = y * h + x;
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    float value = px[base + c * plane + i] * MontageBatch.STD[c] + MontageBatch.MEAN[c];
                    int b = Math.max(0, Math.min(255, Math.round(value)));
                    rgb = (rgb << 8) | b;
                }
                img.setRGB(x0 + x, y0 + y, rgb);
            }
        }
        int r = DataConfig.ratio(l);
        int t = h / r;
        long[] tiles = batch.tiles(v, l);
        g.setColor(BORDER);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x0, y0, h - 1, h - 1);
        for (int k = 1; k < r; k++) {
            g.drawLine(x0 + k * t, y0, x0 + k * t, y0 + h - 1);
            g.drawLine(x0, y0 + k * t, x0 + h - 1, y0 + k * t);
        }
        int fontSize = Math.max(8, Math.min(14, t / 3));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, fontSize));
        for (int cell = 0; cell < r * r; cell++) {
            String label = Long.toString(tiles[j * r * r + cell]);
            int lx = x0 + (cell % r) * t + 2;
            int ly = y0 + (cell / r) * t + fontSize + 1;
            g.setColor(Color.BLACK);
            g.drawString(label, lx + 1, ly + 1);
            g.setColor(Color.WHITE);
            g.drawString(label, lx, ly);
        }
    }
}
