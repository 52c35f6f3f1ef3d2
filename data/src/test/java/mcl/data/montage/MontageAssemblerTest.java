package mcl.data.montage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import mcl.data.FloatImage;
import mcl.data.augment.Rng;
import mcl.data.pipeline.DataConfig;
import org.junit.jupiter.api.Test;

class MontageAssemblerTest {
    /** A distinct random image per (batch image, view, level), so a wrong source, cell or stride shows. */
    private static FloatImage copy(int size, int b, int v, int l) {
        FloatImage f = new FloatImage(size, size);
        Rng rng = Rng.of(99, b, v, l);
        for (int i = 0; i < 3 * size * size; i++) f.data()[i] = (float) rng.nextDouble();
        return f;
    }

    @Test
    void everyTilePixelComesFromTheNamedImageAtItsCellAndScale() {
        DataConfig cfg = DataConfig.of(32, 6, 4).withSeed(5);
        MontageAssembler asm = new MontageAssembler(cfg);
        MontageBatch batch = new MontageBatch(cfg);
        asm.plan(batch, 2, 3);
        for (int v = 1; v <= 2; v++)
            for (int l = 0; l < 4; l++)
                for (int b = 0; b < 6; b++) asm.place(batch, v, l, b, copy(32, b, v, l));
        int h = 32;
        for (int v = 1; v <= 2; v++) {
            for (int l = 0; l < 4; l++) {
                int r = 1 << l;
                int t = h / r;
                long[] tiles = batch.tiles(v, l);
                float[] img = batch.images(v, l);
                assertEquals(cfg.montages(l) * r * r, tiles.length);
                assertEquals(cfg.montages(l) * 3 * h * h, img.length);
                for (int k = 0; k < tiles.length; k++) {
                    int m = k / (r * r);
                    int gr = (k % (r * r)) / r;
                    int gc = k % r;
                    FloatImage src = copy(h, (int) tiles[k], v, l);
                    for (int c = 0; c < 3; c++)
                        for (int y = 0; y < t; y++)
                            for (int x = 0; x < t; x++) {
                                float expected = (src.get(c, y * r, x * r) * 255f - MontageBatch.MEAN[c]) / MontageBatch.STD[c];
                                float got = img[((m * 3 + c) * h + gr * t + y) * h + gc * t + x];
                                assertEquals(expected, got, 1e-5, "view " + v + " level " + l + " tile " + k + " c" + c + " (" + y + "," + x + ")");
                            }
                }
            }
        }
    }

    @Test
    void levelZeroIsThePlainBatchAndOtherLevelsArePermutationsModuloB() {
        DataConfig cfg = DataConfig.of(64, 12, 4);
        MontageBatch batch = new MontageBatch(cfg);
        new MontageAssembler(cfg).plan(batch, 0, 0);
        for (int v = 1; v <= 2; v++) {
            long[] l0 = batch.tiles(v, 0);
            for (int k = 0; k < 12; k++) assertEquals(k, l0[k]);
            for (int l = 1; l < 4; l++) {
                long[] tiles = batch.tiles(v, l);
                int[] count = new int[12];
                for (long t : tiles) count[(int) t]++;
                // A permutation of n slots taken mod B gives each image floor(n/B) or ceil(n/B) slots.
                int lo = tiles.length / 12;
                for (int c : count) assertTrue(c == lo || c == lo + (tiles.length % 12 == 0 ? 0 : 1), "counts " + Arrays.toString(count));
            }
        }
        assertFalse(Arrays.equals(batch.tiles(1, 2), batch.tiles(2, 2)), "the views draw their layouts independently");
    }

    @Test
    void defaultMontageCountsFollowThePaperAndCoverEveryImage() {
        assertArrayEquals(new int[] {128, 32, 8, 4}, DataConfig.defaultMontages(128, 4));
        assertArrayEquals(new int[] {32, 8, 2, 1}, DataConfig.defaultMontages(32, 4));
        assertArrayEquals(new int[] {1, 1, 1, 1}, DataConfig.defaultMontages(1, 4));
        assertArrayEquals(new int[] {5, 2, 1}, DataConfig.defaultMontages(5, 3));
        for (int b = 1; b <= 300; b++) {
            int[] m = DataConfig.defaultMontages(b, 5);
            for (int l = 0; l < 5; l++) assertTrue((long) m[l] << (2 * l) >= b, "B=" + b + " level " + l);
        }
        assertThrows(IllegalArgumentException.class, () -> DataConfig.of(64, 128, 4).withMontages(128, 32, 8, 1),
                "64 slots cannot show 128 images");
        assertThrows(IllegalArgumentException.class, () -> DataConfig.of(100, 8, 4), "100 is not a multiple of 8");
    }

    @Test
    void boundarySmoothingFadesTileBordersTowardsTheMean() {
        DataConfig cfg = DataConfig.of(32, 4, 2).withSmoothing(0.5);
        MontageAssembler asm = new MontageAssembler(cfg);
        MontageBatch batch = new MontageBatch(cfg);
        asm.plan(batch, 0, 0);
        FloatImage white = new FloatImage(32, 32);
        Arrays.fill(white.data(), 1f);
        for (int b = 0; b < 4; b++) asm.place(batch, 1, 1, b, white);
        float full = (255f - MontageBatch.MEAN[0]) / MontageBatch.STD[0];
        float[] img = batch.images(1, 1);
        float centre = img[8 * 32 + 8];
        float corner = img[0];
        assertTrue(corner < centre && centre <= full && centre > 0.95f * full, "corner " + corner + " centre " + centre + " full " + full);
        // sigma = k * 16 = 8 px; the corner pixel is ~7.5*sqrt(2) px from the centre: exp(-112.5/128).
        assertEquals(full * Math.exp(-112.5 / 128.0), corner, 1e-3);
    }
}
