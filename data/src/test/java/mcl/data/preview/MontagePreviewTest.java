package mcl.data.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import mcl.data.montage.MontageBatch;
import mcl.data.pipeline.BatchLoader;
import mcl.data.pipeline.DataConfig;
import mcl.data.source.SyntheticSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MontagePreviewTest {
    @Test
    void writesEveryLevelOfBothViewsWithTileBorders(@TempDir Path dir) throws Exception {
        DataConfig cfg = DataConfig.of(64, 4, 3);
        Path png = dir.resolve("sub/montages.png");
        MontageBatch batch;
        try (BatchLoader loader = new BatchLoader(new SyntheticSource(8, 0, 96), cfg)) {
            batch = loader.next();
            MontagePreview.write(batch, png);
        }
        BufferedImage img = ImageIO.read(png.toFile());
        int g = MontagePreview.GAP;
        int l = MontagePreview.LABEL;
        assertEquals(g + 4 * (64 + g), img.getWidth());
        // view label, then per level a label and one row of montages (4, 1, 1 montages: one row each)
        assertEquals(2 * (l + 3 * (l + 64 + g)) + g, img.getHeight());
        int border = MontagePreview.BORDER.getRGB();
        // Level 1 of view 1: first montage at (g, l + (l + 64 + g) + l); its 2x2 grid line runs through x = 32.
        int x0 = g;
        int y0 = l + (l + 64 + g) + l;
        assertEquals(border, img.getRGB(x0 + 32, y0 + 50), "vertical tile border");
        assertEquals(border, img.getRGB(x0 + 50, y0 + 32), "horizontal tile border");
        // A pixel inside the last tile shows the de-normalised image there (away from the label and lines).
        float[] px = batch.images(1, 1);
        int yy = 60;
        int xx = 60;
        int expectedR = Math.round(px[yy * 64 + xx] * MontageBatch.STD[0] + MontageBatch.MEAN[0]);
        int gotR = (img.getRGB(x0 + xx, y0 + yy) >> 16) & 0xff;
        assertTrue(Math.abs(Math.max(0, Math.min(255, expectedR)) - gotR) <= 1, expectedR + " vs " + gotR);
    }
}
