package mcl.data.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The layout `mcl data prepare` writes and {@code --data DIR} reads:
 * <pre>
 * DIR/mcl-dataset.json    index: format, how it was made, one entry per image (file, source name)
 * DIR/images/00000123.jpg the source's image 123, downscaled, JPEG
 * </pre>
 * The index is written last, so a folder without it is an unfinished preparation (run the same
 * command again to finish it), never a dataset that silently lacks images.
 */
public final class PreparedDataset {
    public static final String INDEX = "mcl-dataset.json";
    public static final String IMAGES = "images";
    public static final String FORMAT = "mcl-prepared/1";
    static final ObjectMapper JSON = new ObjectMapper();

    private PreparedDataset() { }

    public static boolean isPrepared(Path dir) { return Files.isRegularFile(dir.resolve(INDEX)); }

    static String fileName(int index) { return String.format("%08d.jpg", index); }

    /** The image files the index lists, in index order; fails naming the problem when the index is unusable. */
    public static List<Path> files(Path dir) {
        Path index = dir.resolve(INDEX);
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(index + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + "); prepare the folder again");
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new IllegalArgumentException(index + " is not an index of `mcl data prepare` (format " + FORMAT + ")");
        }
        List<Path> out = new ArrayList<>();
        for (JsonNode e : root.path("images")) {
            Path f = dir.resolve(IMAGES).resolve(e.path("file").asText());
            if (!Files.isRegularFile(f)) throw new IllegalArgumentException(dir + ": " + f.getFileName() + " listed in " + INDEX + " is missing; prepare the folder again");
            out.add(f);
        }
        return out;
    }
}
