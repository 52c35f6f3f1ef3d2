package mcl.runtime.transfer.det;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** FCOS target assignment on cases worked out by hand. */
class FcosTargetsTest {
    private static final int K = 3;
    /** P2..P5 at 64 px with round boundaries 8 / 16 / 32 px, so the hand-worked distances hit them exactly. */
    private static final FcosTargets ROUND = new FcosTargets(FcosLayout.of(64), K, new double[] {8, 16, 32}, 1.5);

    @Test
    void layoutIsLevelMajorThenRowMajor() {
        FcosLayout l = FcosLayout.of(64);
        assertEquals(340, l.locations());
        assertEquals(256, l.offset(1));
        assertEquals(336, l.offset(3));
        int i = 256 + 8 + 2; // P3, y = 1, x = 2
        assertEquals(1, l.levelOf(i));
        assertEquals(20.0, l.centreX(i));
        assertEquals(12.0, l.centreY(i));
        assertEquals(48.0, l.centreX(339));
        assertEquals(48.0, l.centreY(339));
        assertEquals(4165, FcosLayout.of(224).locations());
    }

    @Test
    void standardRangesScaleWithTheImage() {
        FcosTargets t = FcosTargets.standard(64, K);
        assertArrayEquals(new double[] {0, 6.4, 12.8, 25.6}, new double[] {t.lower(0), t.lower(1), t.lower(2), t.lower(3)}, 1e-12);
        assertArrayEquals(new double[] {6.4, 12.8, 25.6}, new double[] {t.upper(0), t.upper(1), t.upper(2)}, 1e-12);
        assertEquals(Double.POSITIVE_INFINITY, t.upper(3));
        assertEquals(89.6, FcosTargets.standard(224, K).lower(3), 1e-12);
    }

    /**
     * Box [0, 0, 12, 12] (pixels 0..11): on P2 (centres 2, 6, 10) only (6, 6) has max distance
     * below 8 (6); on P3 (centres 4, 12; 12 is on the box's edge, not inside) (4, 4) has distances
     * (4, 4, 8, 8): max 8, exactly the P2/P3 boundary, which P3 takes (ranges are [lower, upper)).
     * P4's (8, 8) has max 8, below P4's 16.
     */
    @Test
    void aMaximumDistanceOnABoundaryBelongsToTheCoarserLevel() {
        FcosTargets.Image im = ROUND.assign(new int[][] {{0, 0, 12, 12}}, new int[] {3});
        assertEquals(2, im.positives());
        int p2 = 16 + 1; // P2 (x 1, y 1): centre (6, 6)
        int p3 = 256; // P3 (0, 0): centre (4, 4)
        assertEquals(1f, im.pos()[p2]);
        assertEquals(1f, im.pos()[p3]);
        assertArrayEquals(new float[] {6, 6, 6, 6}, java.util.Arrays.copyOfRange(im.box(), p2 * 4, p2 * 4 + 4));
        assertArrayEquals(new float[] {4, 4, 8, 8}, java.util.Arrays.copyOfRange(im.box(), p3 * 4, p3 * 4 + 4));
        assertEquals(1.0, im.ctr()[p2], 1e-7);
        assertEquals(0.5, im.ctr()[p3], 1e-7); // sqrt(4/8 * 4/8)
        assertArrayEquals(new float[] {0, 0, 1}, java.util.Arrays.copyOfRange(im.cls(), p3 * K, p3 * K + K)); // class 3 -> channel 2
        assertEquals(1.5, im.ctrSum(), 1e-7);
        assertEquals(0, im.matched()[p3]);
    }

    /**
     * Box [0, 0, 14, 14]: P2's (6, 6) now has distances (6, 6, 8, 8), max 8 = P2's upper bound,
     * so P2 has no positive; all four P3 locations (centres 4 and 12 in x and y) are positive with
     * max distances 10 and 12.
     */
    @Test
    void aMaximumDistanceOnTheUpperBoundIsNotTheFinerLevels() {
        FcosTargets.Image im = ROUND.assign(new int[][] {{0, 0, 14, 14}}, new int[] {1});
        assertEquals(4, im.positives());
        for (int i = 0; i < 256; i++) assertEquals(0f, im.pos()[i], "P2 location " + i);
        for (int i : new int[] {256, 257, 264, 265}) assertEquals(1f, im.pos()[i], "P3 location " + i);
        assertArrayEquals(new float[] {12, 12, 2, 2}, java.util.Arrays.copyOfRange(im.box(), 265 * 4, 265 * 4 + 4));
    }

    /**
     * Everything on P2 (boundaries far away). Big box [0, 0, 24, 24] (class 1): centre region
     * (6, 18), P2 centres 10 and 14 inside: 4 locations. Small box [10, 10, 20, 20] (class 2):
     * region (10, 20), centres 14 and 18: 4 locations. Location (14, 14) is a candidate of both
     * and takes the smaller box: 3 + 4 positives.
     */
    @Test
    void anAmbiguousLocationTakesTheSmallerBox() {
        FcosTargets far = new FcosTargets(FcosLayout.of(64), K, new double[] {1000, 2000, 3000}, 1.5);
        int[][] boxes = {{0, 0, 24, 24}, {10, 10, 20, 20}};
        for (boolean swapped : new boolean[] {false, true}) {
            int[][] b = swapped ? new int[][] {boxes[1], boxes[0]} : boxes;
            int[] cls = swapped ? new int[] {2, 1} : new int[] {1, 2};
            FcosTargets.Image im = far.assign(b, cls);
            assertEquals(7, im.positives());
            int both = 3 * 16 + 3; // centre (14, 14)
            assertEquals(1f, im.cls()[both * K + 1], "class 2 at the shared location");
            assertArrayEquals(new float[] {4, 4, 6, 6}, java.util.Arrays.copyOfRange(im.box(), both * 4, both * 4 + 4));
            int bigOnly = 2 * 16 + 2; // (10, 10)
            assertEquals(1f, im.cls()[bigOnly * K]);
            assertArrayEquals(new float[] {10, 10, 14, 14}, java.util.Arrays.copyOfRange(im.box(), bigOnly * 4, bigOnly * 4 + 4));
            int smallOnly = 4 * 16 + 4; // (18, 18)
            assertEquals(1f, im.cls()[smallOnly * K + 1]);
            int small = 0;
            for (int i = 0; i < 340; i++) if (im.pos()[i] == 1 && im.cls()[i * K + 1] == 1) small++;
            assertEquals(4, small);
        }
        // equal areas: the first box in input order
        FcosTargets.Image tie = far.assign(new int[][] {{4, 4, 12, 12}, {6, 6, 14, 14}}, new int[] {1, 2});
        int shared = 2 * 16 + 2; // (10, 10): in both centre regions
        assertEquals(0, tie.matched()[shared]);
    }

    /**
     * Box [25, 35, 37, 59] (12 x 24) at 64 px, standard ranges: no location qualifies (P2's best,
     * (30, 46), has max distance 13 >= 6.4; P3's (28, 44) and (36, 44) have 15 >= 12.8; no P4 or P5
     * centre lies inside the box), so the fallback gives it the free location missing its range by
     * the least factor: 15 / 12.8 on P3, the first of the two, (28, 44) = 256 + 5 * 8 + 3.
     */
    @Test
    void aBoxNoLocationQualifiesForGetsTheNearestMiss() {
        FcosTargets t = FcosTargets.standard(64, K);
        FcosTargets.Image im = t.assign(new int[][] {{25, 35, 37, 59}}, new int[] {2});
        assertEquals(1, im.positives());
        assertEquals(1f, im.pos()[299]);
        assertArrayEquals(new float[] {3, 9, 9, 15}, java.util.Arrays.copyOfRange(im.box(), 299 * 4, 299 * 4 + 4));
        assertEquals(0, im.unassigned(1));
        // (28, 44) qualifies for the 10 x 10 box [26, 40, 36, 50] (distances 2, 4, 8, 6: max 8 on P3),
        // so the fallback leaves it alone and takes the equally good (36, 44) = 300
        FcosTargets.Image two = t.assign(new int[][] {{25, 35, 37, 59}, {26, 40, 36, 50}}, new int[] {2, 1});
        assertEquals(1, two.matched()[299]);
        assertEquals(0, two.matched()[300]);
        assertEquals(0, two.unassigned(2));
        // a 2-pixel sliver holds no location centre at all
        assertEquals(1, t.assign(new int[][] {{0, 0, 14, 2}}, new int[] {1}).unassigned(1));
    }

    @Test
    void aBatchConcatenatesImagesAndClampsTheNormalisers() {
        FcosTargets.Image a = ROUND.assign(new int[][] {{0, 0, 12, 12}}, new int[] {3});
        FcosTargets.Image none = ROUND.assign(new int[0][], new int[0]);
        assertEquals(0, none.positives());
        FcosTargets.Batch b = ROUND.batch(List.of(none, a));
        assertEquals(2, b.batch());
        assertEquals(1f, b.pos()[340 + 256]);
        assertEquals(1f, b.cls()[(340 + 256) * K + 2]);
        assertArrayEquals(new float[] {4, 4, 8, 8}, java.util.Arrays.copyOfRange(b.box(), (340 + 256) * 4, (340 + 256) * 4 + 4));
        assertEquals(2f, b.numPos());
        assertEquals(1.5f, b.ctrSum(), 1e-6f);
        FcosTargets.Batch empty = ROUND.batch(List.of(none));
        assertEquals(1f, empty.numPos());
        assertEquals(1e-6f, empty.ctrSum());
    }

    /** Every garment-sized box (0.12-0.7 of the side) alone in an image gets positives, at 64 and 224 px. */
    @Test
    void everyObjectSizeOfTheScenesGetsPositives() {
        for (int size : new int[] {64, 224}) {
            FcosTargets t = FcosTargets.standard(size, K);
            SplittableRandom rng = new SplittableRandom(size);
            int[] perLevel = new int[4];
            for (int n = 0; n < 2000; n++) {
                int w = (int) Math.round(size * (0.12 + 0.58 * rng.nextDouble()));
                int h = (int) Math.round(size * (0.12 + 0.58 * rng.nextDouble()));
                int x0 = rng.nextInt(size - w + 1);
                int y0 = rng.nextInt(size - h + 1);
                FcosTargets.Image im = t.assign(new int[][] {{x0, y0, x0 + w, y0 + h}}, new int[] {1});
                assertTrue(im.positives() > 0, "box " + x0 + "," + y0 + " " + w + "x" + h + " at " + size + " px has no positive");
                for (int i = 0; i < im.pos().length; i++) if (im.pos()[i] == 1) perLevel[t.layout().levelOf(i)]++;
            }
            for (int l = 0; l < 4; l++) assertTrue(perLevel[l] > 0, "no positives on level " + l + " at " + size + " px: " + java.util.Arrays.toString(perLevel));
        }
    }

    @Test
    void badInputsAreNamed() {
        assertThrows(IllegalArgumentException.class, () -> ROUND.assign(new int[][] {{5, 5, 5, 9}}, new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> ROUND.assign(new int[][] {{0, 0, 9, 9}}, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> ROUND.assign(new int[][] {{0, 0, 9, 9}}, new int[] {K + 1}));
        assertThrows(IllegalArgumentException.class, () -> new FcosTargets(FcosLayout.of(64), K, new double[] {8, 16}, 1.5));
    }
}
