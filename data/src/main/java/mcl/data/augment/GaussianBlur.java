package mcl.data.augment;

import mcl.data.FloatImage;

/**
 * Gaussian blur with reflect padding (torchvision's {@code F.gaussian_blur}), done as two 1-D
 * passes. The kernel covers +-3 sigma (size 2*ceil(3 sigma)+1, at most 13 taps for the
 * recipe's sigma <= 2): the truncated tails hold under 0.3% of the mass, and the kernel is
 * renormalised, so a fixed 23-tap kernel would only cost time.
 */
public final class GaussianBlur {
    public static final double SIGMA_MIN = 0.1;
    public static final double SIGMA_MAX = 2.0;

    private GaussianBlur() { }

    /** The kernel size used for sigma, shrunk to stay below the image size (reflect padding needs it). */
    public static int kernelSize(double sigma, int width, int height) {
        int k = 2 * (int) Math.ceil(3 * sigma) + 1;
        int maxK = 2 * ((Math.min(width, height) - 1) / 2) + 1;
        return Math.max(1, Math.min(k, maxK));
    }

    /** torchvision's {@code _get_gaussian_kernel1d}. */
    static float[] kernel(int size, double sigma) {
        float[] k = new float[size];
        double half = (size - 1) * 0.5;
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double x = -half + i;
            k[i] = (float) Math.exp(-0.5 * (x / sigma) * (x / sigma));
            sum += k[i];
        }
        for (int i = 0; i < size; i++) k[i] = (float) (k[i] / sum);
        return k;
    }

    private static int reflect(int i, int n) {
        if (i < 0) return -i;
        if (i >= n) return 2 * n - 2 - i;
        return i;
    }

    /** Reusable per-thread buffer. */
    public static final class Scratch {
        float[] tmp = new float[0];
    }

    public static void apply(FloatImage img, double sigma, Scratch s) {
        apply(img, kernelSize(sigma, img.width(), img.height()), sigma, s);
    }

    public static void apply(FloatImage img, int size, double sigma, Scratch s) {
        if (size <= 1) return;
        float[] k = kernel(size, sigma);
        int half = size / 2;
        int w = img.width();
        int h = img.height();
        float[] d = img.data();
        int n = 3 * w * h;
        if (s.tmp.length < n) s.tmp = new float[n];
        float[] t = s.tmp;
        for (int row = 0; row < 3 * h; row++) {
            int base = row * w;
            for (int x = 0; x < w; x++) {
                float acc = 0;
                if (x >= half && x + half < w) {
                    int o = base + x - half;
                    for (int j = 0; j < size; j++) acc += k[j] * d[o + j];
                } else {
                    for (int j = 0; j < size; j++) acc += k[j] * d[base + reflect(x - half + j, w)];
                }
                t[base + x] = acc;
            }
        }
        for (int c = 0; c < 3; c++) {
            int cb = c * w * h;
            for (int y = 0; y < h; y++) {
                int orow = cb + y * w;
                for (int x = 0; x < w; x++) d[orow + x] = 0f;
                for (int j = 0; j < size; j++) {
                    float kj = k[j];
                    int irow = cb + reflect(y - half + j, h) * w;
                    for (int x = 0; x < w; x++) d[orow + x] += kj * t[irow + x];
                }
            }
        }
    }
}
