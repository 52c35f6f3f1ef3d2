package mcl.data.augment;

import mcl.data.FloatImage;

/**
 * The colour adjustments of torchvision's {@code functional_tensor} on float images in [0, 1],
 * in place: each blends with a reference image (black, the mean grey, the per-pixel grey) and
 * clamps, and hue rotates H in HSV space with the same formulas, so results match to float
 * rounding.
 */
public final class ColorOps {
    private ColorOps() { }

    private static float clamp01(float v) { return v < 0f ? 0f : (v > 1f ? 1f : v); }

    public static void brightness(FloatImage img, float factor) {
        float[] d = img.data();
        int n = 3 * img.plane();
        for (int i = 0; i < n; i++) d[i] = clamp01(factor * d[i]);
    }

    /** Blends with the mean of the grayscale image. */
    public static void contrast(FloatImage img, float factor) {
        float[] d = img.data();
        int n = img.plane();
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Grayscale.luma(d[i], d[n + i], d[2 * n + i]);
        float meanTerm = (1f - factor) * (float) (sum / n);
        for (int i = 0; i < 3 * n; i++) d[i] = clamp01(factor * d[i] + meanTerm);
    }

    /** Blends each pixel with its own grey value. */
    public static void saturation(FloatImage img, float factor) {
        float[] d = img.data();
        int n = img.plane();
        float rest = 1f - factor;
        for (int i = 0; i < n; i++) {
            float l = rest * Grayscale.luma(d[i], d[n + i], d[2 * n + i]);
            d[i] = clamp01(factor * d[i] + l);
            d[n + i] = clamp01(factor * d[n + i] + l);
            d[2 * n + i] = clamp01(factor * d[2 * n + i] + l);
        }
    }

    /** Shifts hue by {@code shift} turns (in [-0.5, 0.5]): RGB -> HSV -> RGB as torchvision's _rgb2hsv/_hsv2rgb. */
    public static void hue(FloatImage img, float shift) {
        float[] d = img.data();
        int n = img.plane();
        for (int i = 0; i < n; i++) {
            float r = d[i];
            float g = d[n + i];
            float b = d[2 * n + i];
            float maxc = Math.max(r, Math.max(g, b));
            float minc = Math.min(r, Math.min(g, b));
            boolean eqc = maxc == minc;
            float cr = maxc - minc;
            float s = cr / (eqc ? 1f : maxc);
            float crDiv = eqc ? 1f : cr;
            float rc = (maxc - r) / crDiv;
            float gc = (maxc - g) / crDiv;
            float bc = (maxc - b) / crDiv;
            float h;
            if (maxc == r) h = bc - gc;
            else if (maxc == g) h = 2f + rc - bc;
            else h = 4f + gc - rc;
            h = (h / 6f + 1f) % 1f; // torch.fmod of a positive value
            h = h + shift;
            h = h - (float) Math.floor(h); // Python's % 1.0
            float v = maxc;
            float h6 = h * 6f;
            float fi = (float) Math.floor(h6);
            float f = h6 - fi;
            int sector = Math.floorMod((int) fi, 6);
            float p = clamp01(v * (1f - s));
            float q = clamp01(v * (1f - s * f));
            float t = clamp01(v * (1f - s * (1f - f)));
            switch (sector) {
                case 0 -> { r = v; g = t; b = p; }
                case 1 -> { r = q; g = v; b = p; }
                case 2 -> { r = p; g = v; b = t; }
                case 3 -> { r = p; g = q; b = v; }
                case 4 -> { r = t; g = p; b = v; }
                default -> { r = v; g = p; b = q; }
            }
            d[i] = r;
            d[n + i] = g;
            d[2 * n + i] = b;
        }
    }
}
