package mcl.data.scenes;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import mcl.data.source.FashionMnistSource;

/**
 * The images and labels of one Fashion-MNIST split (IDX3 + IDX1, gzipped or not), held in
 * memory: 47 MB for the 60k training images, 7.8 MB for t10k. Loaded splits are cached softly
 * per (file, split) because several scene sets (and tests) open the same split and decoding the
 * training gzip takes about half a second.
 */
public final class FashionMnist {
    public static final Path DEBIAN_DIR = FashionMnistSource.DEBIAN_DIR;
    /** Fashion-MNIST's label names, label 0..9. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    private static final int IDX3_MAGIC = 2051;
    private static final int IDX1_MAGIC = 2049;
    private static final Map<String, SoftReference<FashionMnist>> CACHE = new ConcurrentHashMap<>();

    private final Split split;
    private final Path imageFile;
    private final int count;
    private final int rows;
    private final int cols;
    private final byte[] pixels;
    private final byte[] labels;

    private FashionMnist(Split split, Path imageFile, int count, int rows, int cols, byte[] pixels, byte[] labels) {
        this.split = split;
        this.imageFile = imageFile;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
        this.labels = labels;
    }

    /** True when dir holds both the image and the label file of the split (gzipped or not). */
    public static boolean available(Path dir, Split split) {
        return find(dir, split.filePrefix() + "-images-idx3-ubyte") != null && find(dir, split.filePrefix() + "-labels-idx1-ubyte") != null;
    }

    /** Loads (or reuses) the split from dir; fails naming the Debian package when the files are missing. */
    public static FashionMnist load(Path dir, Split split) {
        Path images = find(dir, split.filePrefix() + "-images-idx3-ubyte");
        Path labels = find(dir, split.filePrefix() + "-labels-idx1-ubyte");
        if (images == null || labels == null)
            throw new IllegalArgumentException("Fashion-MNIST " + split.filePrefix() + " split not found in " + dir + " (need "
                    + split.filePrefix() + "-images-idx3-ubyte[.gz] and " + split.filePrefix()
                    + "-labels-idx1-ubyte[.gz]; apt-get install dataset-fashion-mnist)");
        String key = images.toAbsolutePath().normalize() + "|" + split;
        SoftReference<FashionMnist> ref = CACHE.get(key);
        FashionMnist cached = ref == null ? null : ref.get();
        if (cached != null) return cached;
        FashionMnist loaded = read(split, images, labels);
        CACHE.put(key, new SoftReference<>(loaded));
        return loaded;
    }

    private static Path find(Path dir, String base) {
        for (String n : new String[] {base + ".gz", base}) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    private static FashionMnist read(Split split, Path imageFile, Path labelFile) {
        int n;
        int r;
        int c;
        byte[] px;
        try (DataInputStream data = open(imageFile)) {
            int magic = data.readInt();
            if (magic != IDX3_MAGIC) throw new IllegalArgumentException(imageFile + ": not an IDX3 image file (magic " + magic + ")");
            n = data.readInt();
            r = data.readInt();
            c = data.readInt();
            if (n <= 0 || r <= 0 || c <= 0 || (long) n * r * c > Integer.MAX_VALUE)
                throw new IllegalArgumentException(imageFile + ": bad IDX3 dimensions " + n + "x" + r + "x" + c);
            px = new byte[n * r * c];
            data.readFully(px);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + imageFile + ": " + e.getMessage(), e);
        }
        byte[] lab;
        try (DataInputStream data = open(labelFile)) {
            int magic = data.readInt();
            if (magic != IDX1_MAGIC) throw new IllegalArgumentException(labelFile + ": not an IDX1 label file (magic " + magic + ")");
            int m = data.readInt();
            if (m != n) throw new IllegalArgumentException(labelFile + " has " + m + " labels but " + imageFile + " has " + n + " images");
            lab = new byte[m];
            data.readFully(lab);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + labelFile + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < n; i++)
            if (lab[i] < 0 || lab[i] >= CLASS_NAMES.size()) throw new IllegalArgumentException(labelFile + ": label " + lab[i] + " at " + i + " is not 0..9");
        return new FashionMnist(split, imageFile, n, r, c, px, lab);
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
        return new DataInputStream(new BufferedInputStream(in, 1 << 16));
    }

    public Split split() { return split; }

    public Path imageFile() { return imageFile; }

    public int size() { return count; }

    public int rows() { return rows; }

    public int cols() { return cols; }

    /** Label 0..9 of garment i. */
    public int label(int index) { return labels[index]; }

    /** Intensity 0..255 of garment i at (x, y); 0 (the images' background) outside the image. */
    public int intensity(int index, int x, int y) {
        if (x < 0 || y < 0 || x >= cols || y >= rows) return 0;
        return pixels[(index * rows + y) * cols + x] & 0xff;
    }

    @Override
    public String toString() { return "Fashion-MNIST " + split.filePrefix() + " " + imageFile + " (" + count + " garments)"; }
}
