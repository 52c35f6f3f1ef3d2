package mcl.data.augment;

import mcl.data.FloatImage;
import mcl.data.RgbImage;

/**
 * RandomResizedCrop: the box is drawn exactly as torchvision's {@code RandomResizedCrop.get_params}
 * (10 tries of area scale and log-uniform aspect ratio, then a centre-crop fallback), and the
 * box is resized with the antialiased bilinear filter of PIL / {@code F.resize(antialias=True)}
 * (a triangle filter widened by the downscale factor), so large downscales do not alias.
 */
public final class ResizedCrop {
    public static final double SCALE_MIN = 0.2;
    public static final double SCALE_MAX = 1.0;
    public static final double RATIO_MIN = 3.0 / 4.0;
    public static final double RATIO_MAX = 4.0 / 3.0;

    /** A crop box in source pixels. */
    public record Box(int top, int left, int height, int width) { }

    private ResizedCrop() { }

    public static Box draw(Rng rng, int width, int height) {
        return draw(rng, width, height, SCALE_MIN, SCALE_MAX, RATIO_MIN, RATIO_MAX);
    }

    public static Box draw(Rng rng, int width, int height, double scaleMin, double scaleMax, double ratioMin, double ratioMax) {
        double area = (double) width * height;
        double logLo = Math.log(ratioMin);
        double logHi = Math.log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * rng.uniform(scaleMin, scaleMax);
            double aspect = Math.exp(rng.uniform(logLo, logHi));
            int w = (int) Math.round(Math.sqrt(target * aspect));
            int h = (int) Math.round(Math.sqrt(target / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new Box(top, left, h, w);
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < ratioMin) {
            w = width;
            h = (int) Math.round(w / ratioMin);
        } else if (inRatio > ratioMax) {
            h = height;
            w = (int) Math.round(h * ratioMax);
        } else {
            w = width;
            h = height;
        }
        return new Box((height - h) / 2, (width - w) / 2, h, w);
    }

    /**
     * The largest source subsampling that still leaves the smallest possible crop at least
     * {@code outSize} pixels on its short side: large photos can then be decoded at a fraction
     * of their pixels without the crop ever being upsampled because of it.
     */
    public static int maxSubsampling(int width, int height, int outSize) {
        double smallestSide = Math.sqrt(SCALE_MIN * RATIO_MIN * width * (double) height);
        return Math.max(1, (int) Math.floor(smallestSide / outSize));
    }

    /** Per-output-index filter taps along one axis: start index, tap count and weights. */
    static final class Taps {
        int[] start = new int[0];
        int[] count = new int[0];
        float[] weights = new float[0];
        int stride;

        /** Antialiased bilinear taps for resizing {@code in} samples to {@code out} (align_corners=False). */
        void compute(int in, int out) {
            double scale = (double) in / out;
            double support = scale >= 1.0 ? scale : 1.0;
            double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
            stride = (int) Math.ceil(support) * 2 + 1;
            if (start.length < out) {
                start = new int[out];
                count = new int[out];
            }
            if (weights.length < out * stride) weights = new float[out * stride];
            for (int i = 0; i < out; i++) {
                double center = scale * (i + 0.5);
                int lo = Math.max((int) (center - support + 0.5), 0);
                int n = Math.min((int) (center + support + 0.5), in) - lo;
                double total = 0;
                for (int j = 0; j < n; j++) {
                    double w = Math.max(0.0, 1.0 - Math.abs((j + lo - center + 0.5) * invScale));
                    weights[i * stride + j] = (float) w;
                    total += w;
                }
                for (int j = 0; j < n; j++) weights[i * stride + j] = total == 0 ? 0f : (float) (weights[i * stride + j] / total);
                start[i] = lo;
                count[i] = n;
            }
        }
    }

    /** Reusable per-thread buffers for {@link #apply}. */
    public static final class Scratch {
        final Taps xs = new Taps();
        final Taps ys = new Taps();
        float[] rows = new float[0];
    }

    /**
     * Crops {@code box} out of {@code src} and resizes it to outWidth x outHeight into {@code out}
     * (values in [0, 1]); pixels outside the box never contribute, as in {@code F.resized_crop}.
     */
    public static void apply(RgbImage src, Box box, int outWidth, int outHeight, FloatImage out, Scratch s) {
        if (box.top() < 0 || box.left() < 0 || box.top() + box.height() > src.height() || box.left() + box.width() > src.width())
            throw new IllegalArgumentException("crop " + box + " outside a " + src.width() + "x" + src.height() + " image");
        out.resize(outWidth, outHeight);
        s.xs.compute(box.width(), outWidth);
        s.ys.compute(box.height(), outHeight);
        // Horizontal pass over the box's rows into [c][row][outWidth], then the vertical pass.
        int rowsNeeded = 3 * box.height() * outWidth;
        if (s.rows.length < rowsNeeded) s.rows = new float[rowsNeeded];
        float[] rows = s.rows;
        byte[] p = src.pixels();
        int srcW = src.width();
        int plane = box.height() * outWidth;
        for (int y = 0; y < box.height(); y++) {
            int rowBase = 3 * ((box.top() + y) * srcW + box.left());
            for (int x = 0; x < outWidth; x++) {
                int st = s.xs.start[x];
                int n = s.xs.count[x];
                int wb = x * s.xs.stride;
                float r = 0;
                float g = 0;
                float b = 0;
                for (int k = 0; k < n; k++) {
                    float w = s.xs.weights[wb + k];
                    int i = rowBase + 3 * (st + k);
                    r += w * (p[i] & 0xff);
                    g += w * (p[i + 1] & 0xff);
                    b += w * (p[i + 2] & 0xff);
                }
                int o = y * outWidth + x;
                rows[o] = r / 255f;
                rows[plane + o] = g / 255f;
                rows[2 * plane + o] = b / 255f;
            }
        }
        float[] dst = out.data();
        for (int c = 0; c < 3; c++) {
            int cb = c * plane;
            int ob = c * outWidth * outHeight;
            for (int y = 0; y < outHeight; y++) {
                int st = s.ys.start[y];
                int n = s.ys.count[y];
                int wb = y * s.ys.stride;
                int orow = ob + y * outWidth;
                for (int x = 0; x < outWidth; x++) dst[orow + x] = 0f;
                for (int k = 0; k < n; k++) {
                    float w = s.ys.weights[wb + k];
                    int irow = cb + (st + k) * outWidth;
                    for (int x = 0; x < outWidth; x++) dst[orow + x] += w * rows[irow + x];
                }
            }
        }
    }
}
