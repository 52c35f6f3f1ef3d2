package mcl.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import mcl.data.RgbImage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourcesTest {
    @TempDir
    Path dir;

    private void png(Path p, int rgb) throws Exception {
        Files.createDirectories(p.getParent());
        BufferedImage img = new BufferedImage(10, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 10; x++) img.setRGB(x, y, rgb);
        ImageIO.write(img, "png", p.toFile());
    }

    @Test
    void cocoJsonListsOnlyItsImagesFromTheSplitFolder() throws Exception {
        png(dir.resolve("val2017/000001.png"), 0xff0000);
        png(dir.resolve("val2017/000002.png"), 0x00ff00);
        png(dir.resolve("val2017/unlisted.png"), 0x0000ff);
        Path json = Files.createDirectories(dir.resolve("annotations")).resolve("instances_val2017.json");
        Files.writeString(json, "{\"info\": {\"year\": 2017}, \"images\": [{\"id\": 2, \"file_name\": \"000002.png\", \"width\": 10},"
                + " {\"id\": 1, \"file_name\": \"000001.png\"}], \"annotations\": [{\"id\": 5, \"bbox\": [1, 2, 3, 4]}], \"categories\": []}");
        ImageSource src = Sources.open(json.toString());
        assertInstanceOf(CocoSource.class, src);
        assertEquals(2, src.size());
        RgbImage img = new RgbImage();
        src.read(0, 224, img);
        assertEquals(255, img.get(0, 0, 1), "first listed image is 000002 (green)");
        src.read(1, 224, img);
        assertEquals(255, img.get(0, 0, 0));
        Files.writeString(json, "{\"annotations\": []}");
        var e = assertThrows(IllegalArgumentException.class, () -> Sources.open(json.toString()));
        assertTrue(e.getMessage().contains("\"images\""), e.getMessage());
    }

    @Test
    void textListResolvesRelativePathsAndSkipsComments() throws Exception {
        png(dir.resolve("imgs/a.png"), 0x112233);
        png(dir.resolve("imgs/b.png"), 0x445566);
        Path list = dir.resolve("train.txt");
        Files.writeString(list, "# training images\nimgs/b.png\n\n  imgs/a.png  \n");
        ImageSource src = Sources.open(list.toString());
        assertEquals(2, src.size());
        RgbImage img = new RgbImage();
        src.read(0, 224, img);
        assertEquals(0x44, img.get(3, 3, 0));
        Files.writeString(list, "# nothing\n");
        assertThrows(IllegalArgumentException.class, () -> Sources.open(list.toString()));
    }

    @Test
    void fashionMnistFromDebianPackage() throws Exception {
        if (!Files.isDirectory(FashionMnistSource.DEBIAN_DIR)) {
            // CI installs the package (.ci/run), so there a missing package is a failure, not a skip.
            org.junit.jupiter.api.Assertions.assertNotEquals("true", System.getenv("CI"), "CI=true but dataset-fashion-mnist is not installed");
            Assumptions.abort("apt-get install dataset-fashion-mnist");
        }
        ImageSource src = Sources.open("fashion-mnist");
        assertEquals(60_000 - 2_000, src.size(), "the probes' validation garments are held out of pre-training");
        RgbImage img = new RgbImage();
        src.read(0, 224, img);
        assertEquals(28, img.width());
        assertEquals(28, img.height());
        int sum = 0;
        for (int y = 0; y < 28; y++) for (int x = 0; x < 28; x++) {
            assertEquals(img.get(x, y, 0), img.get(x, y, 2), "grey replicated");
            sum += img.get(x, y, 0);
        }
        assertTrue(sum > 28 * 28 * 20, "the first training image (an ankle boot) is not blank");
    }

    @Test
    void fashionMnistRejectsNonIdxFiles() throws Exception {
        Path f = dir.resolve("train-images-idx3-ubyte");
        Files.write(f, new byte[] {0, 0, 8, 1, 0, 0, 0, 1});
        var e = assertThrows(IllegalArgumentException.class, () -> Sources.open("fashion-mnist:" + dir));
        assertTrue(e.getMessage().contains("IDX3"), e.getMessage());
    }

    @Test
    void specsAreDispatchedAndBadOnesExplained() {
        SyntheticSource s = (SyntheticSource) Sources.open("synthetic:50:7");
        assertEquals(50, s.size());
        assertEquals(7, s.seed());
        assertEquals(SyntheticSource.DEFAULT_COUNT, Sources.open("synthetic").size());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sources.open("synthetic:x")).getMessage().contains("synthetic[:N[:SEED]]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sources.open(dir.resolve("nope").toString())).getMessage().contains("not found"));
        assertThrows(IllegalArgumentException.class, () -> Sources.open(""));
    }

    @Test
    void syntheticScenesAreDeterministicVariedAndAnnotated() throws Exception {
        SyntheticSource src = new SyntheticSource(100, 3, 128);
        SyntheticSource.Scene a = src.scene(5);
        SyntheticSource.Scene b = new SyntheticSource(100, 3, 128).scene(5);
        assertTrue(Arrays.equals(a.image().pixels(), b.image().pixels()) && Arrays.equals(a.instanceMap(), b.instanceMap()));
        assertFalse(Arrays.equals(a.image().pixels(), src.scene(6).image().pixels()));
        assertFalse(Arrays.equals(a.image().pixels(), new SyntheticSource(100, 4, 128).scene(5).image().pixels()));
        RgbImage viaRead = new RgbImage();
        src.read(5, 64, viaRead);
        assertTrue(Arrays.equals(a.image().pixels(), Arrays.copyOf(viaRead.pixels(), 3 * 128 * 128)), "read() renders the same scene");

        Set<Integer> classes = new HashSet<>();
        double minArea = 1;
        double maxArea = 0;
        for (int i = 0; i < 40; i++) {
            SyntheticSource.Scene s = src.scene(i);
            assertTrue(s.instances() >= 1 && s.instances() <= 8, "instances " + s.instances());
            for (int k = 0; k < s.instances(); k++) {
                classes.add(s.classes()[k]);
                int[] box = s.boxes()[k];
                boolean[] mask = s.mask(k);
                int area = 0;
                int minX = 128;
                int maxX = -1;
                for (int p = 0; p < mask.length; p++) {
                    if (!mask[p]) continue;
                    area++;
                    int x = p % 128;
                    int y = p / 128;
                    assertTrue(x >= box[0] && x < box[2] && y >= box[1] && y < box[3], "mask pixel outside its box");
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                }
                assertEquals(box[0], minX, "box is tight");
                assertEquals(box[2], maxX + 1, "box is tight");
                assertTrue(area >= SyntheticSource.MIN_VISIBLE_PIXELS);
                double frac = (double) (box[2] - box[0]) * (box[3] - box[1]) / (128 * 128);
                minArea = Math.min(minArea, frac);
                maxArea = Math.max(maxArea, frac);
            }
        }
        assertEquals(SyntheticSource.CLASSES.size(), classes.size(), "every shape class appears");
        assertTrue(minArea < 0.03 && maxArea > 0.15, "object scales vary: box area fraction " + minArea + ".." + maxArea);
    }
}
