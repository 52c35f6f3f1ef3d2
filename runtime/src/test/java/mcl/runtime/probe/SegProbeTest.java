package mcl.runtime.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import mcl.data.scenes.LabelledScenes;
import mcl.data.scenes.Split;
import org.junit.jupiter.api.Test;

/** The dense probe on hand-made features: labels in the features score near 1, constant features score what predicting background scores. */
class SegProbeTest {
    private static final int SIDE = 32;
    private static final LabelledScenes TRAIN = LabelledScenes.open("synthetic", Split.TRAIN, 24, SIDE, 1);
    private static final LabelledScenes TEST = LabelledScenes.open("synthetic", Split.TEST, 12, SIDE, 2);

    /** Per-pixel features at {@code stride}: the noisy one-hot of each block's majority class, or all ones. */
    private static SegProbe.Extractor handMade(int stride, boolean informative) {
        return new SegProbe.Extractor() {
            public int dim() { return TRAIN.numClasses(); }

            public int stride() { return stride; }

            public void extract(LabelledScenes scenes, int count, FrozenFeatures.Sink sink) {
                int fs = scenes.side() / stride;
                int k = dim();
                SplittableRandom noise = new SplittableRandom(count);
                for (int i = 0; i < count; i++) {
                    int[] cls = scenes.scene(i).classMap();
                    float[] v = new float[k * fs * fs];
                    for (int fy = 0; fy < fs; fy++) {
                        for (int fx = 0; fx < fs; fx++) {
                            int label = SegProbe.blockLabel(cls, scenes.side(), stride, fy, fx, k);
                            for (int c = 0; c < k; c++) {
                                v[(c * fs + fy) * fs + fx] = informative ? (float) (0.1 * noise.nextGaussian()) + (c == label ? 1 : 0) : 1f;
                            }
                        }
                    }
                    sink.accept(i, FloatBuffer.wrap(v), 0);
                }
            }
        };
    }

    @Test
    void featuresThatCarryThePixelLabelsScoreNearOne() {
        SegProbe.Result r = SegProbe.run(handMade(1, true), TRAIN, 24, TEST, 12, SegProbe.MAX_PIXELS, 100);
        assertTrue(r.miou() > 0.99, "mIoU " + r.miou());
        assertTrue(r.pixelAcc() > 0.995, "pixel accuracy " + r.pixelAcc());
        assertEquals(24 * SIDE * SIDE, r.trainPixels());
    }

    @Test
    void constantFeaturesPredictTheMostFrequentClassEverywhere() {
        SegProbe.Result r = SegProbe.run(handMade(4, false), TRAIN, 24, TEST, 12, SegProbe.MAX_PIXELS, 100);
        // By hand: everything is background, so background's IoU is its pixel share, every other class present scores 0.
        long background = 0;
        long pixels = 0;
        boolean[] present = new boolean[TEST.numClasses()];
        for (int i = 0; i < 12; i++) {
            for (int c : TEST.scene(i).classMap()) {
                present[c] = true;
                pixels++;
                if (c == 0) background++;
            }
        }
        int classesPresent = 0;
        for (boolean p : present) if (p) classesPresent++;
        double share = (double) background / pixels;
        assertTrue(share > 0.5 && classesPresent > 2, "the synthetic scenes are mostly background with several classes");
        assertEquals(share, r.pixelAcc(), 1e-12);
        assertEquals(share / classesPresent, r.miou(), 1e-12);
    }

    @Test
    void featureBlocksAreSubsampledToTheTrainingPixelBudget() {
        // 24 scenes of 8 x 8 features are 1,536 pixels; a budget of 300 takes every 3rd row and column
        // (every 2nd would be 24 x 4 x 4 = 384): 3 x 3 each.
        SegProbe.Result r = SegProbe.run(handMade(4, true), TRAIN, 24, TEST, 12, 300, 50);
        assertEquals(24 * 3 * 3, r.trainPixels());
        // Blocks of 4 x 4 lose the shapes' edges, not the shapes.
        assertTrue(r.miou() > 0.6, "mIoU " + r.miou());
    }

    @Test
    void aBlockTakesItsMostFrequentClassWithTiesToTheLower() {
        int[] map = {
            2, 2, 0, 1,
            2, 1, 1, 0,
            3, 3, 0, 0,
            1, 1, 0, 0};
        assertEquals(2, SegProbe.blockLabel(map, 4, 2, 0, 0, 4));
        assertEquals(0, SegProbe.blockLabel(map, 4, 2, 0, 1, 4), "two 0s and two 1s: the lower");
        assertEquals(1, SegProbe.blockLabel(map, 4, 2, 1, 0, 4), "two 3s and two 1s: the lower");
        assertEquals(0, SegProbe.blockLabel(map, 4, 2, 1, 1, 4));
        assertEquals(0, SegProbe.blockLabel(map, 4, 4, 0, 0, 4), "whole map: six 0s, five 1s");
    }
}
