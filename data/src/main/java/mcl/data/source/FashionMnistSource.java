package mcl.data.source;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import mcl.data.RgbImage;

/**
 * Fashion-MNIST (or MNIST) images from an IDX3 file, gzipped or not: 28x28 greyscale,
 * replicated to RGB. The whole file is held in memory (47 MB for the 60k training images).
 * The last {@value #HELD_OUT} images are left out: they are the probes' validation garments
 * (`mcl probe --validation`, the probe during pre-training), which pre-training must not see.
 */
public final class FashionMnistSource implements ImageSource {
    /** Debian's dataset-fashion-mnist location. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    private static final int IDX3_MAGIC = 2051;
    /** Images at the end of the file that pre-training does not see (the probes' validation garments). */
    public static final int HELD_OUT = 2000;

    private final Path file;
    private final int count;
    private final int total;
    private final int rows;
    private final int cols;
    private final byte[] pixels;

    private FashionMnistSource(Path file, int total, int rows, int cols, byte[] pixels) {
        this.file = file;
        this.total = total;
        this.count = total > HELD_OUT ? total - HELD_OUT : total;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
    }

    /** Whether {@code dir} holds train-images-idx3-ubyte(.gz). */
    public static boolean available(Path dir) {
        return Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz")) || Files.isRegularFile(dir.resolve("train-images-idx3-ubyte"));
    }

    /** Opens {@code dir}'s train-images-idx3-ubyte(.gz), or an IDX3 file given directly. */
    public static FashionMnistSource open(Path dirOrFile) {
        Path file = dirOrFile;
        if (Files.isDirectory(dirOrFile)) {
            file = null;
            for (String n : new String[] {"train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"}) {
                if (Files.isRegularFile(dirOrFile.resolve(n))) {
                    file = dirOrFile.resolve(n);
                    break;
                }
            }
            if (file == null) throw new IllegalArgumentException("no train-images-idx3-ubyte(.gz) in " + dirOrFile
                    + (dirOrFile.equals(DEBIAN_DIR) ? " (apt-get install dataset-fashion-mnist)" : ""));
        } else if (!Files.isRegularFile(dirOrFile)) {
            throw new IllegalArgumentException("Fashion-MNIST not found at " + dirOrFile
                    + (dirOrFile.startsWith(DEBIAN_DIR) ? " (apt-get install dataset-fashion-mnist)" : ""));
        }
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             DataInputStream data = new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16))) {
            int magic = data.readInt();
            if (magic != IDX3_MAGIC) throw new IllegalArgumentException(file + ": not an IDX3 image file (magic " + magic + ", expected " + IDX3_MAGIC + ")");
            int n = data.readInt();
            int r = data.readInt();
            int c = data.readInt();
            if (n <= 0 || r <= 0 || c <= 0 || (long) n * r * c > Integer.MAX_VALUE)
                throw new IllegalArgumentException(file + ": bad IDX3 dimensions " + n + "x" + r + "x" + c);
            byte[] px = new byte[n * r * c];
            data.readFully(px);
            return new FashionMnistSource(file, n, r, c, px);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int size() { return count; }

    @Override
    public String name(int index) { return file + "#" + index; }

    @Override
    public void read(int index, int cropSize, RgbImage out) {
        out.resize(cols, rows);
        byte[] d = out.pixels();
        int base = index * rows * cols;
        for (int i = 0; i < rows * cols; i++) {
            byte v = pixels[base + i];
            d[3 * i] = v;
            d[3 * i + 1] = v;
            d[3 * i + 2] = v;
        }
    }

    @Override
    public String describe() {
        return "Fashion-MNIST " + file + " (" + count + " images, " + cols + "x" + rows
                + (count < total ? "; the last " + (total - count) + " held out as the probes' validation garments" : "") + ")";
    }
}
