package mcl.data.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The random choices over many independent draws, against the recipe's probabilities and ranges. */
class AugmentStatisticsTest {
    private static final int N = 20_000;

    /** 5 binomial standard deviations: a correct rate fails about once in 1.7 million runs. */
    private static void assertRate(double p, int hits, String what) {
        double sd = Math.sqrt(p * (1 - p) / N);
        double rate = (double) hits / N;
        assertEquals(p, rate, 5 * sd + 1e-12, what + " rate " + rate + " vs " + p);
    }

    @Test
    void drawsFollowTheRecipe() {
        for (int view = 1; view <= 2; view++) {
            ByolAugment.View v = ByolAugment.View.of(view);
            int flips = 0;
            int jitters = 0;
            int grays = 0;
            int blurs = 0;
            int solarizes = 0;
            double minScale = 1;
            double maxScale = 0;
            double minRatio = 10;
            double maxRatio = 0;
            double minSigma = 10;
            double maxSigma = 0;
            int[] firstOp = new int[4];
            int w = 640;
            int h = 480;
            for (int i = 0; i < N; i++) {
                ByolAugment.Draw d = ByolAugment.draw(Rng.of(1, view, i), w, h, v);
                ResizedCrop.Box b = d.crop();
                assertTrue(b.top() >= 0 && b.left() >= 0 && b.top() + b.height() <= h && b.left() + b.width() <= w, b.toString());
                double scale = (double) b.width() * b.height() / (w * h);
                double ratio = (double) b.width() / b.height();
                minScale = Math.min(minScale, scale);
                maxScale = Math.max(maxScale, scale);
                minRatio = Math.min(minRatio, ratio);
                maxRatio = Math.max(maxRatio, ratio);
                if (d.flip()) flips++;
                if (d.jitter() != null) {
                    jitters++;
                    ColorJitter.Draw j = d.jitter();
                    firstOp[j.order()[0]]++;
                    int[] sorted = j.order().clone();
                    Arrays.sort(sorted);
                    assertTrue(Arrays.equals(new int[] {0, 1, 2, 3}, sorted));
                    assertTrue(j.brightness() >= 0.6f && j.brightness() <= 1.4f && j.contrast() >= 0.6f && j.contrast() <= 1.4f);
                    assertTrue(j.saturation() >= 0.8f && j.saturation() <= 1.2f && Math.abs(j.hue()) <= 0.1f);
                }
                if (d.gray()) grays++;
                if (d.blurSigma() > 0) {
                    blurs++;
                    minSigma = Math.min(minSigma, d.blurSigma());
                    maxSigma = Math.max(maxSigma, d.blurSigma());
                }
                if (d.solarize()) solarizes++;
            }
            // Rounding w and h to whole pixels moves the area fraction slightly past [0.2, 1].
            assertTrue(minScale >= 0.195 && minScale < 0.21, "min crop scale " + minScale);
            assertTrue(maxScale > 0.97 && maxScale <= 1.0, "max crop scale " + maxScale);
            assertTrue(minRatio >= 0.74 && minRatio < 0.77 && maxRatio <= 1.345 && maxRatio > 1.30, "ratio " + minRatio + ".." + maxRatio);
            assertRate(ByolAugment.FLIP_P, flips, "flip");
            assertRate(ByolAugment.JITTER_P, jitters, "colour jitter");
            assertRate(ByolAugment.GRAY_P, grays, "grayscale");
            assertRate(v.blurP(), blurs, "view " + view + " blur");
            assertRate(v.solarizeP(), solarizes, "view " + view + " solarize");
            for (int op = 0; op < 4; op++) assertEquals(0.25, (double) firstOp[op] / jitters, 0.02, "jitter op " + op + " first");
            assertTrue(minSigma >= 0.1 && minSigma < 0.12 && maxSigma <= 2.0 && maxSigma > 1.98, "sigma " + minSigma + ".." + maxSigma);
        }
    }

    @Test
    void cropFallsBackToTheCentreForExtremeAspectRatios() {
        // A 1000x10 strip: no crop of ratio <= 4/3 and area >= 20% fits, so the centre crop of ratio 4/3 is used.
        ResizedCrop.Box b = ResizedCrop.draw(new Rng(3), 1000, 10);
        assertEquals(new ResizedCrop.Box(0, (1000 - 13) / 2, 10, 13), b);
    }

    @Test
    void subsamplingKeepsTheSmallestCropAboveTheOutputSize() {
        assertEquals(1, ResizedCrop.maxSubsampling(500, 375, 224));
        int s = ResizedCrop.maxSubsampling(4096, 4096, 224);
        assertTrue(s >= 2, "a 4096^2 photo should be decoded subsampled, got " + s);
        double smallest = Math.sqrt(0.2 * 0.75) * 4096 / s;
        assertTrue(smallest >= 224, "smallest crop side " + smallest);
    }

    @Test
    void streamsAreReproducibleAndDistinct() {
        assertEquals(Rng.of(1, 2, 3).nextLong(), Rng.of(1, 2, 3).nextLong());
        assertTrue(Rng.of(1, 2, 3).nextLong() != Rng.of(1, 3, 2).nextLong());
        int[] counts = new int[7];
        Rng r = new Rng(0);
        for (int i = 0; i < 70_000; i++) counts[r.nextInt(7)]++;
        for (int c : counts) assertEquals(10_000, c, 500);
    }
}
