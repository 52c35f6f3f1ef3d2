package mcl.data.augment;

import mcl.data.FloatImage;

/** Solarize: every value at or above the threshold is inverted (torchvision's {@code F.solarize}), in place. */
public final class Solarize {
    /** The recipe's threshold 128 on 0..255, in [0, 1] units. */
    public static final float THRESHOLD = 128f / 255f;

    private Solarize() { }

    public static void apply(FloatImage img, float threshold) {
        float[] d = img.data();
        int n = 3 * img.plane();
        for (int i = 0; i < n; i++) if (d[i] >= threshold) d[i] = 1f - d[i];
    }
}
