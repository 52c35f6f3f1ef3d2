package mcl.data;

/**
 * A planar float RGB image with values in [0, 1] (torchvision's float tensor convention):
 * channel c, row y, column x is at {@code data[(c * height + y) * width + x]}. The augmentations
 * work in place on it; the buffer is reused across images.
 */
public final class FloatImage {
    private int width;
    private int height;
    private float[] data = new float[0];

    public FloatImage() { }

    public FloatImage(int width, int height) { resize(width, height); }

    public FloatImage resize(int width, int height) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        int n = 3 * width * height;
        if (data.length < n) data = new float[n];
        this.width = width;
        this.height = height;
        return this;
    }

    public int width() { return width; }

    public int height() { return height; }

    /** Pixels per channel plane. */
    public int plane() { return width * height; }

    public float[] data() { return data; }

    public float get(int c, int y, int x) { return data[(c * height + y) * width + x]; }

    /** Fills from 8-bit pixels, dividing by 255 (torchvision's to_tensor). */
    public FloatImage fromRgb(RgbImage src) {
        resize(src.width(), src.height());
        byte[] p = src.pixels();
        int n = plane();
        for (int i = 0; i < n; i++) {
            data[i] = (p[3 * i] & 0xff) / 255f;
            data[n + i] = (p[3 * i + 1] & 0xff) / 255f;
            data[2 * n + i] = (p[3 * i + 2] & 0xff) / 255f;
        }
        return this;
    }

    public FloatImage copyFrom(FloatImage other) {
        resize(other.width, other.height);
        System.arraycopy(other.data, 0, data, 0, 3 * plane());
        return this;
    }
}
