package mcl.data.augment;

import mcl.data.FloatImage;

/** Grayscale with three output channels (torchvision's {@code rgb_to_grayscale}, ITU-R 601 weights), in place. */
public final class Grayscale {
    private Grayscale() { }

    static float luma(float r, float g, float b) { return 0.2989f * r + 0.587f * g + 0.114f * b; }

    public static void apply(FloatImage img) {
        float[] d = img.data();
        int n = img.plane();
        for (int i = 0; i < n; i++) {
            float l = luma(d[i], d[n + i], d[2 * n + i]);
            d[i] = l;
            d[n + i] = l;
            d[2 * n + i] = l;
        }
    }
}
