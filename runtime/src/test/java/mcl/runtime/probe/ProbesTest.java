package mcl.runtime.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** k-NN and linear probes: features that carry the labels score near 1, constant features near chance, a hand-computed case. */
class ProbesTest {
    private static final int CLASSES = 10;

    /** Features = noisy one-hot of the label (informative) or all ones (constant). */
    private static float[][] features(int[] labels, boolean informative, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] x = new float[labels.length][16];
        for (int i = 0; i < labels.length; i++) {
            for (int j = 0; j < 16; j++) x[i][j] = informative ? (float) (0.1 * r.nextGaussian()) : 1f;
            if (informative) x[i][labels[i]] += 1f;
        }
        return x;
    }

    private static int[] labels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = i % CLASSES;
        return y;
    }

    @Test
    void featuresThatCarryTheLabelScoreNearOneAndConstantFeaturesNearChance() {
        int[] ytr = labels(500);
        int[] yte = labels(200);
        assertTrue(KnnProbe.accuracy(features(ytr, true, 1), ytr, features(yte, true, 2), yte, CLASSES, 20, 0.07) > 0.98);
        assertTrue(LinearProbe.accuracy(features(ytr, true, 1), ytr, features(yte, true, 2), yte, CLASSES, 100) > 0.98);
        double knnChance = KnnProbe.accuracy(features(ytr, false, 1), ytr, features(yte, false, 2), yte, CLASSES, 20, 0.07);
        double linChance = LinearProbe.accuracy(features(ytr, false, 1), ytr, features(yte, false, 2), yte, CLASSES, 100);
        assertEquals(0.1, knnChance, 0.01, "constant features: every test image gets the same vote");
        assertEquals(0.1, linChance, 0.01);
    }

    @Test
    void knnVotesByExponentiatedSimilarityOverTheKNearest() {
        // train: class 0 along +x (one at 0 deg, one at 60 deg), class 1 at 40 deg.
        float[][] train = {{1, 0}, {(float) Math.cos(Math.toRadians(60)), (float) Math.sin(Math.toRadians(60))},
                {(float) Math.cos(Math.toRadians(40)), (float) Math.sin(Math.toRadians(40))}};
        int[] y = {0, 0, 1};
        float[][] test = {{(float) Math.cos(Math.toRadians(38)), (float) Math.sin(Math.toRadians(38))}};
        // k = 1: the nearest (40 deg) is class 1.
        assertEquals(1.0, KnnProbe.accuracy(train, y, test, new int[] {1}, 2, 1, 0.07));
        // k = 3, T = 1: class 0 gets e^cos38 + e^cos22 = 2.19 + 2.53 = 4.72 > class 1's e^cos2 = 2.72.
        assertEquals(1.0, KnnProbe.accuracy(train, y, test, new int[] {0}, 2, 3, 1.0));
        // k = 3, T = 0.01: the closest neighbour dominates: class 1.
        assertEquals(1.0, KnnProbe.accuracy(train, y, test, new int[] {1}, 2, 3, 0.01));
    }

    @Test
    void topKKeepsTheLargestWithTiesToTheLowerIndex() {
        int[] best = new int[3];
        KnnProbe.topK(new double[] {0.5, 0.9, 0.5, 0.1, 0.9, 0.7}, best);
        assertArrayEquals(new int[] {1, 4, 5}, best);
    }
}
