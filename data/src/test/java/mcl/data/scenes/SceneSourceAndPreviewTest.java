package mcl.data.scenes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import mcl.data.RgbImage;
import mcl.data.source.ImageSource;
import mcl.data.source.Sources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SceneSourceAndPreviewTest {
    @Test
    void fashionScenesSpecOpensAnImageSourceOfTheGivenSize() throws Exception {
        ImageSource src = Sources.open("fashion-scenes:20:1:64");
        assertInstanceOf(SceneImageSource.class, src);
        assertEquals(20, src.size());
        RgbImage img = new RgbImage();
        src.read(19, 224, img);
        assertEquals(64, img.width());
        assertEquals(64, img.height());
        LabelledScenes scenes = ((SceneImageSource) src).scenes();
        assertEquals(Split.TRAIN, scenes.split());
        assertEquals(scenes.scene(19).image().get(10, 20, 1), img.get(10, 20, 1), "the images are the labelled scenes'");
        if (FashionMnist.available(FashionMnist.DEBIAN_DIR, Split.TRAIN))
            assertTrue(src.describe().startsWith("Fashion-MNIST scenes"), src.describe());
        assertEquals(FashionScenes.DEFAULT_COUNT, Sources.open("fashion-scenes").size());
        assertTrue(Sources.USAGE.contains("fashion-scenes[:N[:SEED[:SIDE]]]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sources.open("fashion-scenes:x")).getMessage().contains("fashion-scenes[:N"));
        assertThrows(IllegalArgumentException.class, () -> Sources.open("fashion-scenes:10:0:16"));
    }

    @Test
    void previewShowsImageAndColourisedClassMapSideBySide(@TempDir Path dir) throws Exception {
        LabelledScenes scenes = LabelledScenes.open("synthetic", Split.TEST, 3, 64, 0);
        Scene a = scenes.scene(0);
        Scene b = scenes.scene(1);
        Path png = dir.resolve("sub/scenes.png");
        ScenePreview.write(png, scenes.classNames(), a, b);
        BufferedImage img = ImageIO.read(png.toFile());
        int g = ScenePreview.GAP;
        assertTrue(img.getWidth() >= g + 2 * (64 + g));
        assertTrue(img.getHeight() > g + 2 * (64 + g));
        // Row 2: a pixel of the image, and a class-map pixel inside an instance but off its box outline.
        int y0 = g + 64 + g;
        assertEquals((b.image().get(30, 31, 0) << 16) | (b.image().get(30, 31, 1) << 8) | b.image().get(30, 31, 2),
                img.getRGB(g + 30, y0 + 31) & 0xffffff);
        int mx = g + 64 + g;
        int checked = 0;
        for (int p = 0; p < 64 * 64; p++) {
            int x = p % 64;
            int y = p / 64;
            int id = b.instanceMap()[p];
            int[] box = id < 0 ? null : b.boxes()[id];
            boolean onOutline = false;
            for (int[] bx : b.boxes()) onOutline |= x == bx[0] || y == bx[1] || x == bx[2] - 1 || y == bx[3] - 1;
            if (onOutline) continue;
            assertEquals(ScenePreview.colour(b.classMap()[p]), img.getRGB(mx + x, y0 + y) & 0xffffff, "class colour at " + x + "," + y);
            if (box != null) checked++;
        }
        assertTrue(checked > 0);
    }
}
