package mcl.data.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The images listed in a COCO-style annotation file ({@code "images": [{"file_name": ...}]}),
 * in file order; annotations are not read (streamed past, so a 450 MB instances file costs
 * little memory). Images are looked up under an image folder: given, or found next to the
 * JSON as COCO lays it out ({@code annotations/instances_train2017.json} with
 * {@code train2017/}).
 */
public final class CocoSource extends FileListSource {
    private final Path json;

    private CocoSource(Path json, List<Path> files) {
        super(files, "COCO file " + json + " lists no images");
        this.json = json;
    }

    public static CocoSource open(Path json) { return open(json, findImageRoot(json)); }

    public static CocoSource open(Path json, Path imageRoot) {
        List<Path> files = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(json.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException(json + ": not a COCO annotation file (no top-level object)");
            boolean sawImages = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if ("images".equals(field) && t == JsonToken.START_ARRAY) {
                    sawImages = true;
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        String name = null;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            p.nextToken();
                            if ("file_name".equals(f)) name = p.getValueAsString();
                            else p.skipChildren();
                        }
                        if (name == null) throw new IllegalArgumentException(json + ": an entry of \"images\" has no file_name");
                        files.add(imageRoot.resolve(name));
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (!sawImages) throw new IllegalArgumentException(json + ": not a COCO annotation file (no \"images\" list)");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read COCO file " + json + ": " + e.getMessage(), e);
        }
        return new CocoSource(json, files);
    }

    /** The JSON's folder, or for {@code .../annotations/instances_X.json} the sibling {@code .../X/}. */
    static Path findImageRoot(Path json) {
        Path dir = json.toAbsolutePath().getParent();
        String base = json.getFileName().toString().replaceFirst("\\.json$", "");
        String split = base.contains("_") ? base.substring(base.lastIndexOf('_') + 1) : base;
        Path up = dir.getParent();
        if (up != null) {
            for (Path candidate : List.of(up.resolve(split), up.resolve("images").resolve(split))) {
                if (Files.isDirectory(candidate)) return candidate;
            }
        }
        return dir;
    }

    @Override
    public String describe() { return "COCO " + json + " (" + size() + " images)"; }
}
