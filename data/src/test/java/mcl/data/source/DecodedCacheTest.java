package mcl.data.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import mcl.data.RgbImage;
import org.junit.jupiter.api.Test;

/** Slow decodes are kept exactly, per image and crop size, within the byte budget; fast ones are not. */
class DecodedCacheTest {
    private static RgbImage image(int w, int h, int seed) {
        RgbImage img = new RgbImage(w, h);
        for (int i = 0; i < 3 * w * h; i++) img.pixels()[i] = (byte) (i * 31 + seed);
        return img;
    }

    private static final long SLOW = (DecodedCache.SLOW_MILLIS + 1) * 1_000_000L;

    @Test
    void keepsSlowDecodesExactlyAndPerCropSize() {
        DecodedCache c = new DecodedCache(1 << 20);
        RgbImage a = image(40, 30, 1);
        c.offer(3, 64, a, SLOW);
        RgbImage out = new RgbImage(100, 100); // a larger reused buffer
        assertTrue(c.get(3, 64, out));
        assertEquals(40, out.width());
        assertEquals(30, out.height());
        assertArrayEquals(Arrays.copyOf(a.pixels(), 3600), Arrays.copyOf(out.pixels(), 3600));
        assertFalse(c.get(3, 224, out), "another crop size decodes at another resolution");
        assertFalse(c.get(4, 64, out));
        c.offer(5, 64, image(40, 30, 2), 1_000_000L);
        assertFalse(c.get(5, 64, out), "a 1 ms decode is not worth holding");
    }

    @Test
    void staysWithinItsBudgetAndKeepsWhatItHolds() {
        DecodedCache c = new DecodedCache(10_000);
        c.offer(0, 64, image(40, 30, 1), SLOW); // 3,600 bytes
        c.offer(1, 64, image(40, 30, 2), SLOW); // 7,200
        c.offer(2, 64, image(40, 30, 3), SLOW); // would be 10,800: refused
        assertEquals(2, c.size());
        assertEquals(7_200, c.bytesUsed());
        RgbImage out = new RgbImage();
        assertTrue(c.get(1, 64, out));
        assertFalse(c.get(2, 64, out));
        c.offer(0, 64, image(40, 30, 9), SLOW); // already held: the first copy stays, nothing is counted twice
        assertEquals(7_200, c.bytesUsed());
        assertTrue(c.get(0, 64, out));
        assertEquals(image(40, 30, 1).pixels()[5], out.pixels()[5]);
        assertEquals(0, new DecodedCache(0).size());
    }
}
