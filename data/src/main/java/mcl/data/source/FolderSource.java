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
import java.util.Locale;
import java.util.Set;

/**
 * Every image file under a folder, recursively (symlinks followed, loops skipped), chosen by
 * extension like torchvision's ImageFolder and sorted by path so indices are stable.
 */
public final class FolderSource extends FileListSource {
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "webp");

    private final Path root;
    private final int skipped;

    private FolderSource(Path root, List<Path> files, int skipped) {
        super(files, "folder " + root + " has no images (" + String.join(", ", new java.util.TreeSet<>(EXTENSIONS)) + ")");
        this.root = root;
        this.skipped = skipped;
    }

    public static FolderSource open(Path root) {
        if (!Files.isDirectory(root)) throw new IllegalArgumentException("not a folder: " + root);
        List<Path> files = new ArrayList<>();
        int[] skipped = {0};
        try {
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && isImageName(file)) files.add(file);
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
        files.sort(null);
        return new FolderSource(root, files, skipped[0]);
    }

    static boolean isImageName(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    @Override
    public int skippedWhileOpening() { return skipped; }

    @Override
    public String describe() { return "folder " + root + " (" + size() + " images)"; }
}
