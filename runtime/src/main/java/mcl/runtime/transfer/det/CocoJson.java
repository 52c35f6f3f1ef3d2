package mcl.runtime.transfer.det;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Evaluation files in COCO's formats, so any COCO tool (pycocotools, oracle/coco_eval.py) can score
 * the same boxes: ground_truth.json (annotation format), detections.json (result format) and
 * scores.json (our six numbers). Boxes are written as COCO's [x, y, width, height] in pixels;
 * category ids are our 0-based class ids. Every file is written to a temporary sibling and moved
 * into place, so a run killed mid-write leaves the old file or none, never half of one.
 */
public final class CocoJson {
    public static final String GROUND_TRUTH = "ground_truth.json";
    public static final String DETECTIONS = "detections.json";
    public static final String SCORES = "scores.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An image as COCO lists it. */
    public record Image(int id, int width, int height) { }

    private CocoJson() { }

    /**
     * COCO annotation format: images, annotations (ids from 1 in input order: COCOeval reads id 0
     * as "unmatched"), categories (id = class id, name = classNames[id]).
     */
    public static void writeGroundTruth(Path file, List<Image> images, List<String> classNames, List<GroundTruth> truths) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        Set<Integer> imageIds = new HashSet<>();
        ArrayNode imgs = root.putArray("images");
        for (Image im : images) {
            if (!imageIds.add(im.id())) throw new IllegalArgumentException("image id " + im.id() + " is listed twice");
            imgs.addObject().put("id", im.id()).put("width", im.width()).put("height", im.height());
        }
        ArrayNode anns = root.putArray("annotations");
        int id = 1;
        for (GroundTruth g : truths) {
            if (!imageIds.contains(g.imageId())) throw new IllegalArgumentException("ground truth on image " + g.imageId() + ", which is not in the image list");
            checkClass(g.classId(), classNames);
            ObjectNode a = anns.addObject().put("id", id++).put("image_id", g.imageId()).put("category_id", g.classId());
            bbox(a, g.box());
            a.put("area", g.box().area()).put("iscrowd", 0);
        }
        ArrayNode cats = root.putArray("categories");
        for (int k = 0; k < classNames.size(); k++) cats.addObject().put("id", k).put("name", classNames.get(k));
        write(file, root);
    }

    /** COCO result format: a list of {image_id, category_id, bbox, score}. */
    public static void writeDetections(Path file, List<Detection> detections) throws IOException {
        ArrayNode root = JSON.createArrayNode();
        for (Detection d : detections) {
            ObjectNode o = root.addObject().put("image_id", d.imageId()).put("category_id", d.classId());
            bbox(o, d.box());
            o.put("score", d.score());
        }
        write(file, root);
    }

    /** The six numbers (null where NaN: no ground truth in that size range) and the size bounds used. */
    public static void writeScores(Path file, BoxApScores scores, AreaRanges areas) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        double[] v = scores.values();
        for (int i = 0; i < v.length; i++) {
            if (Double.isNaN(v[i])) root.putNull(BoxApScores.NAMES[i]);
            else root.put(BoxApScores.NAMES[i], v[i]);
        }
        root.put("area_small_max", areas.smallMax()).put("area_large_min", areas.largeMin());
        write(file, root);
    }

    /** Reads scores.json back (null becomes NaN). */
    public static BoxApScores readScores(Path file) throws IOException {
        JsonNode o = JSON.readTree(file.toFile());
        double[] v = new double[BoxApScores.NAMES.length];
        for (int i = 0; i < v.length; i++) {
            JsonNode n = o.get(BoxApScores.NAMES[i]);
            if (n == null) throw new IOException(file + " has no \"" + BoxApScores.NAMES[i] + "\"");
            v[i] = n.isNull() ? Double.NaN : n.asDouble();
        }
        return new BoxApScores(v[0], v[1], v[2], v[3], v[4], v[5]);
    }

    private static void checkClass(int classId, List<String> classNames) {
        if (classId < 0 || classId >= classNames.size()) {
            throw new IllegalArgumentException("class " + classId + " has no name (" + classNames.size() + " classes)");
        }
    }

    private static void bbox(ObjectNode o, PixelBox b) {
        o.putArray("bbox").add(b.x0()).add(b.y0()).add(b.width()).add(b.height());
    }

    private static void write(Path file, JsonNode root) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), root);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
