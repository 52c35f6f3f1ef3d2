package mcl.runtime.transfer.det;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three files in COCO's formats, read back field by field. */
class CocoJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    @Test
    void groundTruthIsCocoAnnotationFormat() throws Exception {
        Path f = dir.resolve("eval").resolve(CocoJson.GROUND_TRUTH);
        CocoJson.writeGroundTruth(f, ApCases.images(128, 7, 3), List.of("shirt", "bag"),
                List.of(ApCases.gt(3, 1, new PixelBox(2, 3, 12, 8)), ApCases.gt(7, 0, new PixelBox(0, 0, 1.5, 2))));
        JsonNode o = JSON.readTree(f.toFile());
        assertEquals("[{\"id\":7,\"width\":128,\"height\":128},{\"id\":3,\"width\":128,\"height\":128}]", o.get("images").toString());
        assertEquals("{\"id\":1,\"image_id\":3,\"category_id\":1,\"bbox\":[2.0,3.0,10.0,5.0],\"area\":50.0,\"iscrowd\":0}",
                o.get("annotations").get(0).toString());
        assertEquals(2, o.get("annotations").get(1).get("id").asInt());
        assertEquals(3.0, o.get("annotations").get(1).get("area").asDouble());
        assertEquals("[{\"id\":0,\"name\":\"shirt\"},{\"id\":1,\"name\":\"bag\"}]", o.get("categories").toString());
        assertFalse(Files.exists(f.resolveSibling(CocoJson.GROUND_TRUTH + ".tmp")));
    }

    @Test
    void detectionsAreCocoResultFormat() throws Exception {
        Path f = dir.resolve(CocoJson.DETECTIONS);
        Files.writeString(f, "an older, longer file that must be replaced whole");
        CocoJson.writeDetections(f, List.of(ApCases.det(3, 1, new PixelBox(2, 3, 12, 8), 0.25)));
        assertEquals("[{\"image_id\":3,\"category_id\":1,\"bbox\":[2.0,3.0,10.0,5.0],\"score\":0.25}]", Files.readString(f));
    }

    @Test
    void scoresShowAMissingSizeRangeAsNull() throws Exception {
        Path f = dir.resolve(CocoJson.SCORES);
        BoxApScores s = new BoxApScores(0.5, 0.75, 0.25, Double.NaN, 0.5, 1);
        CocoJson.writeScores(f, s, AreaRanges.forImageSide(640));
        assertEquals("{\"ap\":0.5,\"ap50\":0.75,\"ap75\":0.25,\"ap_small\":null,\"ap_medium\":0.5,\"ap_large\":1.0,"
                + "\"area_small_max\":1024.0,\"area_large_min\":9216.0}", Files.readString(f));
        assertEquals(s, CocoJson.readScores(f));
        assertEquals("box AP 50.0  AP50 75.0  AP75 25.0  APs -  APm 50.0  APl 100.0", s.summary());
    }

    @Test
    void refusesGroundTruthOnUnlistedImagesOrUnnamedClasses() {
        Path f = dir.resolve(CocoJson.GROUND_TRUTH);
        var box = new PixelBox(0, 0, 4, 4);
        var e = assertThrows(IllegalArgumentException.class,
                () -> CocoJson.writeGroundTruth(f, ApCases.images(64, 1), List.of("a"), List.of(ApCases.gt(2, 0, box))));
        assertTrue(e.getMessage().contains("image 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CocoJson.writeGroundTruth(f, ApCases.images(64, 1), List.of("a"), List.of(ApCases.gt(1, 1, box))));
        assertFalse(Files.exists(f));
    }
}
