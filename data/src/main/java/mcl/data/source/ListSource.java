package mcl.data.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A text file naming one image per line (relative paths are relative to the file; blank lines and # comments ignored). */
public final class ListSource extends FileListSource {
    private final Path list;

    private ListSource(Path list, List<Path> files) {
        super(files, "list " + list + " names no images");
        this.list = list;
    }

    public static ListSource open(Path list) {
        List<String> lines;
        try {
            lines = Files.readAllLines(list);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read image list " + list + ": " + e.getMessage(), e);
        }
        Path dir = list.toAbsolutePath().getParent();
        List<Path> files = new ArrayList<>();
        for (String line : lines) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) continue;
            files.add(dir.resolve(s).normalize());
        }
        return new ListSource(list, files);
    }

    @Override
    public String describe() { return "list " + list + " (" + size() + " images)"; }
}
