package mcl.data.scenes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import mcl.data.montage.MontageBatch;
import org.junit.jupiter.api.Test;

class SegBatchesTest {
    private static final int S = 48;
    // Synthetic scenes need no files; the batch code does not care where scenes come from.
    private final LabelledScenes scenes = LabelledScenes.open("synthetic", Split.TRAIN, 100, S, 2);

    @Test
    void evalBatchNormalisesPixelsAndLaysLabelsOutAsBatchRowColumn() {
        SegBatch batch = new SegBatch(4, S);
        int[] idx = {9, 3, 27, 50};
        SegBatches.fillEval(scenes, idx, batch);
        assertEquals(4, batch.count());
        assertArrayEquals(new long[] {4, 3, S, S}, batch.imageShape());
        assertArrayEquals(new long[] {4, S, S}, batch.labelShape());
        Scene s = scenes.scene(27);
        int b = 2;
        int plane = S * S;
        for (int[] xy : new int[][] {{5, 7}, {40, 11}, {0, 47}}) {
            int x = xy[0];
            int y = xy[1];
            for (int c = 0; c < 3; c++) {
                float expected = (s.image().get(x, y, c) - MontageBatch.MEAN[c]) / MontageBatch.STD[c];
                assertEquals(expected, batch.images()[(b * 3 + c) * plane + y * S + x], 1e-6f, "channel " + c + " at " + x + "," + y);
            }
        }
        long[] expectedLabels = new long[plane];
        for (int p = 0; p < plane; p++) expectedLabels[p] = s.classMap()[p];
        assertArrayEquals(expectedLabels, Arrays.copyOfRange(batch.labels(), b * plane, (b + 1) * plane));
        assertTrue(Arrays.stream(expectedLabels).anyMatch(v -> v != 0), "the scene has labelled pixels");
        for (int k = 0; k < 4; k++) {
            assertEquals(idx[k], batch.index(k));
            assertFalse(batch.flipped(k));
        }
    }

    @Test
    void trainFlipMirrorsImageAndLabelsTogetherAndIsSeeded() {
        int[] idx = {1, 2, 3, 4, 5, 6, 7, 8};
        SegBatch plain = new SegBatch(8, S);
        SegBatch aug = new SegBatch(8, S);
        SegBatches.fillEval(scenes, idx, plain);
        SegBatches.fillTrain(scenes, idx, 5, 0, aug);
        int flips = 0;
        int plane = S * S;
        for (int b = 0; b < 8; b++) {
            boolean f = aug.flipped(b);
            if (f) flips++;
            for (int y = 0; y < S; y++) {
                for (int x = 0; x < S; x++) {
                    int sx = f ? S - 1 - x : x;
                    assertEquals(plain.labels()[b * plane + y * S + sx], aug.labels()[b * plane + y * S + x]);
                    for (int c = 0; c < 3; c++)
                        assertEquals(plain.images()[(b * 3 + c) * plane + y * S + sx], aug.images()[(b * 3 + c) * plane + y * S + x]);
                }
            }
        }
        assertTrue(flips > 0 && flips < 8, "some positions flipped, some not: " + flips);
        SegBatch again = new SegBatch(8, S);
        SegBatches.fillTrain(scenes, idx, 5, 0, again);
        assertArrayEquals(aug.images(), again.images(), "same seed and step, same batch");
        assertArrayEquals(aug.labels(), again.labels());
        boolean differs = false;
        for (long step = 0; step < 4 && !differs; step++) {
            SegBatches.fillTrain(scenes, idx, 5, step, aug);
            SegBatches.fillTrain(scenes, idx, 6, step, again);
            for (int b = 0; b < 8; b++) differs |= aug.flipped(b) != again.flipped(b);
        }
        assertTrue(differs, "another seed draws other flips");
    }

    @Test
    void shortBatchesArePaddedAndMismatchesRejected() {
        SegBatch batch = new SegBatch(3, S);
        SegBatches.fillEval(scenes, new int[] {1, 2, 3}, batch);
        SegBatches.fillEval(scenes, new int[] {4}, batch);
        assertEquals(1, batch.count());
        int plane = S * S;
        for (int i = 3 * plane; i < 9 * plane; i++) assertEquals(0f, batch.images()[i]);
        for (int i = plane; i < 3 * plane; i++) assertEquals(0L, batch.labels()[i]);
        assertEquals(-1, batch.index(2));
        assertThrows(IllegalArgumentException.class, () -> SegBatches.fillEval(scenes, new int[] {1, 2, 3, 4}, batch));
        assertThrows(IllegalArgumentException.class, () -> SegBatches.fillEval(scenes, new int[] {1}, new SegBatch(1, S + 1)));
    }

    @Test
    void labelledSubsetsAreSizedNestedSortedAndSeeded() {
        int[] one = SegBatches.labelledSubset(5000, 0.01, 3);
        int[] ten = SegBatches.labelledSubset(5000, 0.10, 3);
        assertEquals(50, one.length);
        assertEquals(500, ten.length);
        assertEquals(5000, SegBatches.labelledSubset(5000, 1.0, 3).length);
        assertEquals(1, SegBatches.labelledSubset(5000, 1e-6, 3).length, "at least one labelled scene");
        Set<Integer> tenSet = new HashSet<>();
        for (int v : ten) tenSet.add(v);
        for (int v : one) assertTrue(tenSet.contains(v), "1% subset inside the 10% subset: " + v);
        for (int[] sub : new int[][] {one, ten}) {
            for (int i = 0; i < sub.length; i++) {
                assertTrue(sub[i] >= 0 && sub[i] < 5000);
                if (i > 0) assertTrue(sub[i - 1] < sub[i], "sorted and distinct");
            }
        }
        assertArrayEquals(one, SegBatches.labelledSubset(5000, 0.01, 3), "deterministic");
        assertFalse(Arrays.equals(one, SegBatches.labelledSubset(5000, 0.01, 4)), "seeded");
        assertNotEquals(0, one[one.length - 1] - 49, "not simply the first 50");
        assertThrows(IllegalArgumentException.class, () -> SegBatches.labelledSubset(5000, 0, 3));
    }

    @Test
    void stepIndicesVisitThePoolOncePerEpoch() {
        int[] pool = SegBatches.labelledSubset(1000, 0.02, 0); // 20 scenes
        int[] seen = new int[1000];
        for (long step = 0; step < 5; step++) for (int i : SegBatches.stepIndices(pool, 4, 9, step)) seen[i]++;
        for (int p : pool) assertEquals(1, seen[p], "scene " + p + " once in the first epoch");
        assertArrayEquals(SegBatches.stepIndices(pool, 4, 9, 7), SegBatches.stepIndices(pool, 4, 9, 7));
    }
}
