package mcl.data.scenes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import mcl.data.RgbImage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionScenesTest {
    /** The Debian split; CI installs dataset-fashion-mnist, so there a missing package fails instead of skipping. */
    static FashionMnist debian(Split split) {
        if (!FashionMnist.available(FashionMnist.DEBIAN_DIR, split)) {
            assertNotEquals("true", System.getenv("CI"), "CI=true but dataset-fashion-mnist is not installed");
            Assumptions.abort("apt-get install dataset-fashion-mnist");
        }
        return FashionMnist.load(FashionMnist.DEBIAN_DIR, split);
    }

    /** Checks every invariant that ties the maps, boxes and classes together. */
    static void assertConsistent(Scene s, int numClasses, int minVisible) {
        int side = s.side();
        int n = s.instances();
        assertEquals(side * side, s.classMap().length);
        assertEquals(side * side, s.instanceMap().length);
        assertEquals(n, s.boxes().length);
        assertEquals(n, s.sources().length);
        int[] area = new int[n];
        int[][] box = new int[n][];
        for (int i = 0; i < n; i++) box[i] = new int[] {side, side, -1, -1};
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int p = y * side + x;
                int id = s.instanceMap()[p];
                int cls = s.classMap()[p];
                if (cls == 0) {
                    assertEquals(-1, id, "background pixel has no instance");
                    continue;
                }
                assertTrue(id >= 0 && id < n, "instance " + id + " of " + n);
                assertEquals(s.classes()[id], cls, "class map = class of the pixel's instance");
                area[id]++;
                box[id][0] = Math.min(box[id][0], x);
                box[id][1] = Math.min(box[id][1], y);
                box[id][2] = Math.max(box[id][2], x + 1);
                box[id][3] = Math.max(box[id][3], y + 1);
            }
        }
        for (int i = 0; i < n; i++) {
            assertTrue(s.classes()[i] >= 1 && s.classes()[i] < numClasses, "class " + s.classes()[i]);
            assertTrue(area[i] >= minVisible, "instance " + i + " has " + area[i] + " visible pixels");
            assertArrayEquals(box[i], s.boxes()[i], "box of instance " + i + " is the bounding box of its pixels");
        }
    }

    @Test
    void mapsBoxesAndClassesAgreeWithThePixels() {
        FashionScenes scenes = new FashionScenes(debian(Split.TRAIN), 50, 3, 96);
        int labelled = 0;
        for (int i = 0; i < 50; i++) {
            Scene s = scenes.scene(i);
            assertEquals(96, s.image().width());
            assertTrue(s.instances() >= 1 && s.instances() <= FashionScenes.MAX_GARMENTS, "instances " + s.instances());
            assertConsistent(s, 11, FashionScenes.MIN_VISIBLE_PIXELS);
            for (int c : s.classMap()) if (c != 0) labelled++;
        }
        assertTrue(labelled > 50 * 96 * 96 / 10, "garments cover a real share of the canvas: " + labelled);
    }

    @Test
    void scenesArePureFunctionsOfSplitSeedAndIndex() {
        FashionMnist train = debian(Split.TRAIN);
        FashionScenes a = new FashionScenes(train, 100, 7, 128);
        Scene s = a.scene(42);
        Scene t = new FashionScenes(train, 1000, 7, 128).scene(42);
        assertArrayEquals(Arrays.copyOf(s.image().pixels(), 3 * 128 * 128), Arrays.copyOf(t.image().pixels(), 3 * 128 * 128));
        assertArrayEquals(s.classMap(), t.classMap());
        assertArrayEquals(s.instanceMap(), t.instanceMap());
        assertArrayEquals(s.sources(), t.sources());
        assertFalse(Arrays.equals(s.image().pixels(), a.scene(43).image().pixels()), "another index, another scene");
        assertFalse(Arrays.equals(s.image().pixels(), new FashionScenes(train, 100, 8, 128).scene(42).image().pixels()), "another seed");
        assertFalse(Arrays.equals(s.image().pixels(), new FashionScenes(debian(Split.TEST), 100, 7, 128).scene(42).image().pixels()),
                "another split");
        RgbImage viaRender = new RgbImage();
        a.renderImage(42, viaRender);
        assertArrayEquals(Arrays.copyOf(s.image().pixels(), 3 * 128 * 128), Arrays.copyOf(viaRender.pixels(), 3 * 128 * 128),
                "renderImage draws the same scene");
    }

    @Test
    void testScenesOnlyUseTestGarmentsAndTrainScenesTrainGarments() {
        FashionMnist test = debian(Split.TEST);
        FashionMnist train = debian(Split.TRAIN);
        assertEquals(10_000, test.size());
        assertEquals(60_000, train.size());
        FashionScenes testScenes = new FashionScenes(test, 200, 0, 64);
        assertEquals(Split.TEST, testScenes.split());
        int instances = 0;
        for (int i = 0; i < 200; i++) {
            Scene s = testScenes.scene(i);
            for (int k = 0; k < s.instances(); k++) {
                int g = s.sources()[k];
                assertTrue(g >= 0 && g < 10_000, "test garment index " + g);
                // Labels are drawn from the t10k label file: with train labels at the same indices,
                // some of the hundreds of instances would disagree.
                assertEquals(test.label(g) + 1, s.classes()[k], "class of t10k garment " + g);
                instances++;
            }
        }
        assertTrue(instances > 300, "instances " + instances);
        FashionScenes trainScenes = new FashionScenes(train, 200, 0, 64);
        int beyondTest = 0;
        for (int i = 0; i < 200; i++) {
            Scene s = trainScenes.scene(i);
            for (int k = 0; k < s.instances(); k++) {
                int g = s.sources()[k];
                assertTrue(g >= 0 && g < 60_000, "train garment index " + g);
                assertEquals(train.label(g) + 1, s.classes()[k], "class of train garment " + g);
                if (g >= 10_000) beyondTest++;
            }
        }
        assertTrue(beyondTest > 100, "train scenes draw from all 60k training garments: " + beyondTest);
    }

    @Test
    void scalesVaryWidelyAndClassesAreBalanced() {
        FashionScenes scenes = new FashionScenes(debian(Split.TRAIN), 300, 11, 128);
        int[] perClass = new int[11];
        int total = 0;
        int minSide = Integer.MAX_VALUE;
        int maxSide = 0;
        long background = 0;
        for (int i = 0; i < 300; i++) {
            Scene s = scenes.scene(i);
            for (int k = 0; k < s.instances(); k++) {
                int[] b = s.boxes()[k];
                int sideOfBox = Math.max(b[2] - b[0], b[3] - b[1]);
                minSide = Math.min(minSide, sideOfBox);
                maxSide = Math.max(maxSide, sideOfBox);
                perClass[s.classes()[k]]++;
                total++;
            }
            for (int c : s.classMap()) if (c == 0) background++;
        }
        assertTrue(maxSide >= 4 * minSide, "garment box sides " + minSide + ".." + maxSide);
        assertTrue(maxSide >= 0.5 * 128, "some garments are large: " + maxSide);
        assertEquals(0, perClass[0], "no instance is background");
        for (int c = 1; c <= 10; c++) {
            double f = (double) perClass[c] / total;
            assertTrue(f > 0.05 && f < 0.16, "class " + c + " has share " + f + " of " + total + " instances");
        }
        double bg = (double) background / (300 * 128 * 128);
        assertTrue(bg > 0.3 && bg < 0.9, "background share " + bg);
        double perScene = (double) total / 300;
        assertTrue(perScene > 3 && perScene < 7, "instances per scene " + perScene);
    }

    @Test
    void rejectsTinyCanvasesAndNamesThePackageWhenFilesAreMissing(@TempDir Path dir) {
        var e = assertThrows(IllegalArgumentException.class, () -> FashionMnist.load(dir, Split.TRAIN));
        assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
        assertFalse(FashionMnist.available(dir, Split.TEST));
        assertThrows(IllegalArgumentException.class, () -> new FashionScenes(FashionMnistFiles.write(dir, Split.TEST, 3), 10, 0, 31));
    }

    @Test
    void readsUncompressedFilesAndUsesTheirLabels(@TempDir Path dir) throws Exception {
        FashionMnist tiny = FashionMnistFiles.write(dir, Split.TEST, 4);
        assertEquals(4, tiny.size());
        assertEquals(3, tiny.label(3));
        assertEquals(Split.TEST, tiny.split());
        LabelledScenes scenes = LabelledScenes.open("fashion-scenes:" + dir, Split.TEST, 30, 48, 0);
        assertFalse(scenes.fellBack());
        assertEquals(11, scenes.numClasses());
        for (int i = 0; i < 30; i++) {
            Scene s = scenes.scene(i);
            assertConsistent(s, 11, FashionScenes.MIN_VISIBLE_PIXELS);
            for (int k = 0; k < s.instances(); k++) assertEquals(s.sources()[k] + 1, s.classes()[k], "garment g has label g here");
        }
    }

    @Test
    void validationGarmentsAreTheLastOfTheFileAndNeverTheFirst(@TempDir Path dir) {
        Garments all = new Garments(FashionMnistFiles.write(dir, Split.TRAIN, 10), 32);
        Garments val = all.last(3);
        assertEquals(3, val.size());
        for (int i = 0; i < 3; i++) assertEquals(7 + i, val.label(i), "garment g has label g: the last three are 7, 8, 9");
        float[] a = new float[3 * 32 * 32];
        float[] b = new float[a.length];
        val.write(1, a, 0);
        all.write(8, b, 0);
        assertArrayEquals(b, a, 0f);
        assertThrows(IllegalArgumentException.class, () -> all.last(11));
    }

    /** Writes tiny uncompressed IDX files: garment g is a filled square with label g. */
    static final class FashionMnistFiles {
        static FashionMnist write(Path dir, Split split, int n) {
            try {
                try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(split.filePrefix() + "-images-idx3-ubyte")))) {
                    out.writeInt(2051);
                    out.writeInt(n);
                    out.writeInt(28);
                    out.writeInt(28);
                    for (int g = 0; g < n; g++)
                        for (int y = 0; y < 28; y++)
                            for (int x = 0; x < 28; x++) out.writeByte(x >= 4 && x < 24 && y >= 2 + g && y < 26 ? 200 : 0);
                }
                try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(split.filePrefix() + "-labels-idx1-ubyte")))) {
                    out.writeInt(2049);
                    out.writeInt(n);
                    for (int g = 0; g < n; g++) out.writeByte(g);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return FashionMnist.load(dir, split);
        }
    }
}
