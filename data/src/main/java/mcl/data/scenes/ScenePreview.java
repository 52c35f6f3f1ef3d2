package mcl.data.scenes;

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
 * A PNG to eyeball labelled scenes: one row per scene, the image next to its class map in a
 * fixed palette (background black), with each instance's box outlined in the map, and a legend
 * of the class colours underneath.
 */
public final class ScenePreview {
    static final int GAP = 6;
    static final int LABEL = 18;
    /** Class colours; class 0 (background) is black. Repeats after 16 classes. */
    static final int[] PALETTE = {0x000000, 0xe6194b, 0x3cb44b, 0xffe119, 0x4363d8, 0xf58231, 0x911eb4, 0x46f0f0,
        0xf032e6, 0xbcf60c, 0xfabebe, 0x008080, 0xe6beff, 0x9a6324, 0xfffac8, 0x800000};

    private ScenePreview() { }

    public static int colour(int cls) { return PALETTE[cls % PALETTE.length]; }

    public static void write(Path png, List<String> classNames, Scene... scenes) throws IOException {
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (!ImageIO.write(render(classNames, scenes), "png", png.toFile())) throw new IOException("no PNG writer available");
    }

    public static BufferedImage render(List<String> classNames, Scene... scenes) {
        if (scenes.length == 0) throw new IllegalArgumentException("no scenes to preview");
        int s = scenes[0].side();
        int legendRows = (classNames.size() + 3) / 4;
        int width = Math.max(GAP + 2 * (s + GAP), GAP + 4 * 130);
        int height = GAP + scenes.length * (s + GAP) + legendRows * LABEL + GAP;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(40, 40, 40));
        g.fillRect(0, 0, width, height);
        for (int k = 0; k < scenes.length; k++) {
            Scene sc = scenes[k];
            if (sc.side() != s) throw new IllegalArgumentException("scenes of different sides: " + s + " and " + sc.side());
            int y0 = GAP + k * (s + GAP);
            int mx = GAP + s + GAP;
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    img.setRGB(GAP + x, y0 + y, (sc.image().get(x, y, 0) << 16) | (sc.image().get(x, y, 1) << 8) | sc.image().get(x, y, 2));
                    img.setRGB(mx + x, y0 + y, colour(sc.classMap()[y * s + x]));
                }
            }
            g.setColor(Color.WHITE);
            for (int[] b : sc.boxes()) g.drawRect(mx + b[0], y0 + b[1], b[2] - b[0] - 1, b[3] - b[1] - 1);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int ly = GAP + scenes.length * (s + GAP);
        for (int c = 0; c < classNames.size(); c++) {
            int lx = GAP + (c % 4) * 130;
            int yy = ly + (c / 4) * LABEL;
            g.setColor(new Color(colour(c)));
            g.fillRect(lx, yy + 3, 12, 12);
            g.setColor(Color.WHITE);
            g.drawRect(lx, yy + 3, 12, 12);
            g.drawString(c + " " + classNames.get(c), lx + 16, yy + 14);
        }
        g.dispose();
        return img;
    }
}
