package mcl.runtime.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

/** The probes' logistic regression: its step follows the curvature, and its result does not depend on threads. */
class SoftmaxRegressionTest {
    /** n samples of three classes: dim features, each the class's one-hot (scaled) plus noise, or one shared feature repeated. */
    private static float[] samples(int n, int dim, int[] y, boolean correlated, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * dim];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            double shared = r.nextGaussian() + y[i];
            for (int j = 0; j < dim; j++) {
                x[i * dim + j] = (float) (correlated ? shared + 0.01 * r.nextGaussian() : r.nextGaussian() + (j == y[i] ? 1.5 : 0));
            }
        }
        return x;
    }

    @Test
    void theCurvatureBoundIsTheLargestEigenvalueWithTheBiasColumn() {
        // [x 1]^T [x 1] / n for rows (3, 0, 1) and (-3, 0, 1): diag(9, 0, 1).
        assertEquals(9.0, SoftmaxRegression.largestEigenvalue(new float[] {3, 0, -3, 0}, 2, 2), 1e-9);
        // rows (1, 1, 1) and (1, 1, 1): all-ones 3 x 3, eigenvalue 3.
        assertEquals(3.0, SoftmaxRegression.largestEigenvalue(new float[] {1, 1, 1, 1}, 2, 2), 1e-9);
    }

    @Test
    void choleskyFactorsByHand() {
        // [[4, 2], [2, 3]] = L L^T with L = [[2, 0], [1, sqrt 2]].
        double[][] l = SoftmaxRegression.cholesky(new double[][] {{4, 0}, {2, 3}});
        assertArrayEquals(new double[] {2, 0}, l[0], 1e-12);
        assertArrayEquals(new double[] {1, Math.sqrt(2)}, l[1], 1e-12);
    }

    @Test
    void manyCorrelatedFeaturesDoNotMakeItDiverge() {
        // 256 near-copies of one feature: the curvature is ~256 times that of one feature, where a fixed step of 0.5 diverged.
        int n = 600;
        int[] y = new int[n];
        float[] x = samples(n, 256, y, true, 3);
        SoftmaxRegression m = SoftmaxRegression.fit(x, y, 256, 3, 200);
        assertTrue(m.finalLoss() < Math.log(3), "below chance cross-entropy: " + m.finalLoss());
        int right = 0;
        for (int i = 0; i < n; i++) if (m.predict(x, i * 256) == y[i]) right++;
        assertTrue(right > 0.5 * n, "classes one unit apart on one noisy feature: " + right + " of " + n);
    }

    @Test
    void theClassifierDoesNotDependOnTheThreadCount() throws Exception {
        int n = 300;
        int dim = 5;
        int[] y = new int[n];
        float[] x = samples(n, dim, y, false, 4);
        SoftmaxRegression many = SoftmaxRegression.fit(x, y, dim, 3, 60);
        SoftmaxRegression one = new ForkJoinPool(1).submit(() -> SoftmaxRegression.fit(x, y, dim, 3, 60)).get();
        assertEquals(many.finalLoss(), one.finalLoss(), 0.0);
        for (int i = 0; i < n; i++) assertArrayEquals(many.logits(x, i * dim), one.logits(x, i * dim), 0.0);
    }
}
