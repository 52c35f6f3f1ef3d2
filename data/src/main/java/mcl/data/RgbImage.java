package mcl.data;

/**
 * A decoded 8-bit RGB image, interleaved (r, g, b per pixel, row-major). The pixel array is
 * reused across decodes: {@link #resize} only allocates when the capacity is too small.
 */
public final class RgbImage {
    private int width;
    private int height;
    private byte[] rgb = new byte[0];

    public RgbImage() { }

    public RgbImage(int width, int height) { resize(width, height); }

    /** Sets the size, growing the buffer if needed; pixel contents are then undefined. */
    public RgbImage resize(int width, int height) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        long n = 3L * width * height;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("image too large: " + width + "x" + height);
        if (rgb.length < n) rgb = new byte[(int) n];
        this.width = width;
        this.height = height;
        return this;
    }

    public int width() { return width; }

    public int height() { return height; }

    /** The interleaved pixels; only the first 3*width*height bytes are meaningful. */
    public byte[] pixels() { return rgb; }

    /** Channel c (0=r, 1=g, 2=b) of pixel (x, y), 0..255. */
    public int get(int x, int y, int c) { return rgb[3 * (y * width + x) + c] & 0xff; }

    public void set(int x, int y, int r, int g, int b) {
        int i = 3 * (y * width + x);
        rgb[i] = (byte) r;
        rgb[i + 1] = (byte) g;
        rgb[i + 2] = (byte) b;
    }

    public RgbImage copyFrom(RgbImage other) {
        resize(other.width, other.height);
        System.arraycopy(other.rgb, 0, rgb, 0, 3 * width * height);
        return this;
    }
}
