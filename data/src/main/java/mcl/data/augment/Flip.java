package mcl.data.augment;

import mcl.data.FloatImage;

/** Horizontal flip (torchvision's {@code F.hflip}), in place. */
public final class Flip {
    private Flip() { }

    public static void horizontal(FloatImage img) {
        float[] d = img.data();
        int w = img.width();
        int rows = 3 * img.height();
        for (int row = 0; row < rows; row++) {
            int base = row * w;
            for (int i = 0, j = w - 1; i < j; i++, j--) {
                float t = d[base + i];
                d[base + i] = d[base + j];
                d[base + j] = t;
            }
        }
    }
}
