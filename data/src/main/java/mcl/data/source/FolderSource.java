package mcl.data.source;

import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;

/**
 * Every image file under a folder, recursively (symlinks followed, loops skipped), chosen by
 * extension like torchvision's ImageFolder and sorted by path so indices are stable.
 */
public final class FolderSource extends FileListSource {
    public static final Set<String> EXTENSIONS = ImageFormats.EXTENSIONS;

    private final Path root;
    private final int skipped;

    private FolderSource(Path root, List<Path> files, int skipped) {
        super(files, "folder " + root + " has no images (" + String.join(", ", new java.util.TreeSet<>(EXTENSIONS)) + ")");
        this.root = root;
        this.skipped = skipped;
    }

    /**
     * Lists the images under {@code root}. Files with an image extension whose first bytes are no
     * image are skipped and counted; image formats we do not decode are named once per format.
     */
    public static FolderSource open(Path root) {
        if (!Files.isDirectory(root)) throw new IllegalArgumentException("not a folder: " + root);
        List<Path> files = new ArrayList<>();
        List<Path> notImages = new ArrayList<>();
        Map<String, Integer> unsupported = new TreeMap<>();
        int[] skipped = {0};
        try {
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (!attrs.isRegularFile()) return FileVisitResult.CONTINUE;
                    if (ImageFormats.hasImageName(file)) {
                        if (ImageFormats.sniff(file) != null) files.add(file);
                        else notImages.add(file);
                    } else if (ImageFormats.unsupported(file) != null) {
                        unsupported.merge(ImageFormats.unsupported(file), 1, Integer::sum);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    String why = e instanceof FileSystemLoopException ? "symlink loop" : e.getClass().getSimpleName() + ": " + e.getMessage();
                    Warnings.warn("skipped " + file + " (" + why + ")");
                    skipped[0]++;
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list " + root + ": " + e.getMessage(), e);
        }
        if (!notImages.isEmpty()) {
            notImages.sort(null);
            Warnings.warn("skipped " + notImages.size() + " file(s) named like images whose content is not an image (JPEG, PNG, GIF, BMP or WebP): "
                    + notImages.subList(0, Math.min(3, notImages.size())) + (notImages.size() > 3 ? " ..." : ""));
        }
        unsupported.forEach((format, n) -> Warnings.warn("ignored " + n + " " + format + " file(s) in " + root + ": " + format
                + " is not supported (JPEG, PNG, GIF, BMP and WebP are); convert them to use them"));
        files.sort(null);
        return new FolderSource(root, files, skipped[0] + notImages.size());
    }

    static boolean isImageName(Path file) { return ImageFormats.hasImageName(file); }

    @Override
    public int skippedWhileOpening() { return skipped; }

    @Override
    public String describe() { return "folder " + root + " (" + size() + " images)"; }
}
