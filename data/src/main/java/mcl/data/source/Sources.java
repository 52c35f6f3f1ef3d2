package mcl.data.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import mcl.data.scenes.SceneImageSource;

/** Opens the source named by one {@code --data} argument. */
public final class Sources {
    public static final String USAGE = "--data takes a folder of images (or one written by `mcl data prepare`), a COCO .json, a .txt list of image paths, "
            + "fashion-mnist[:DIR], fashion-scenes[:N[:SEED[:SIDE]]] (garments on cluttered backgrounds; synthetic shapes "
            + "when dataset-fashion-mnist is missing) or synthetic[:N[:SEED]]";

    private Sources() { }

    /**
     * spec: a folder path, a {@code .json} COCO annotation file, a {@code .txt} list,
     * {@code fashion-mnist[:DIR]}, {@code fashion-scenes[:N[:SEED[:SIDE]]]} or {@code synthetic[:N[:SEED]]}. Fails with a clear message
     * when the source is missing or holds no images.
     */
    public static ImageSource open(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("no data source given; " + USAGE);
        String lower = spec.toLowerCase(Locale.ROOT);
        if (lower.equals("synthetic") || lower.startsWith("synthetic:")) return synthetic(spec);
        if (lower.equals("fashion-scenes") || lower.startsWith("fashion-scenes:")) return SceneImageSource.open(spec);
        if (lower.equals("fashion-mnist") || lower.startsWith("fashion-mnist:")) {
            int colon = spec.indexOf(':');
            if (colon < 0 && !FashionMnistSource.available(FashionMnistSource.DEBIAN_DIR)) {
                // The tiny preset's default: a fresh machine still runs, on built-in images, and says why.
                Warnings.warn("no Fashion-MNIST in " + FashionMnistSource.DEBIAN_DIR + " (apt-get install dataset-fashion-mnist); pre-training on synthetic images instead");
                return synthetic("synthetic");
            }
            return FashionMnistSource.open(colon < 0 ? FashionMnistSource.DEBIAN_DIR : Path.of(spec.substring(colon + 1)));
        }
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) return mcl.data.prepare.PreparedDataset.isPrepared(p) ? PreparedSource.open(p) : FolderSource.open(p);
        if (!Files.exists(p)) throw new IllegalArgumentException("data source not found: " + spec + "; " + USAGE);
        if (lower.endsWith(".json")) return CocoSource.open(p);
        if (lower.endsWith(".txt")) return ListSource.open(p);
        throw new IllegalArgumentException("cannot tell what kind of data source " + spec + " is; " + USAGE);
    }

    private static SyntheticSource synthetic(String spec) {
        String[] parts = spec.split(":");
        try {
            int n = parts.length > 1 ? Integer.parseInt(parts[1]) : SyntheticSource.DEFAULT_COUNT;
            long seed = parts.length > 2 ? Long.parseLong(parts[2]) : 0L;
            if (parts.length > 3) throw new NumberFormatException("too many fields");
            return new SyntheticSource(n, seed, SyntheticSource.DEFAULT_SIZE);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad synthetic source '" + spec + "': expected synthetic[:N[:SEED]] (" + e.getMessage() + ")");
        }
    }
}
