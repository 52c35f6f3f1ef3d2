package mcl.runtime.transfer.det;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import mcl.testing.Oracle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * BoxAp against oracle/coco_eval.py, an independent numpy implementation of COCOeval: the files
 * CocoJson writes are what the oracle scores, so this also checks the COCO formats. The hand cases
 * and 24 seeded random ones; all six numbers within 1e-9 (the oracle divides by TP + FP + eps,
 * as COCOeval does), a missing size range null on both sides.
 */
class BoxApOracleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> NAMES = List.of("tshirt", "trouser", "pullover", "dress", "coat");
    @TempDir
    Path dir;

    static Stream<ApCases.Case> cases() {
        return Stream.concat(ApCases.hand().stream(), LongStream.range(0, 24).mapToObj(ApCases::random));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheNumpyOracle(ApCases.Case c) throws Exception {
        Oracle.require();
        CocoJson.writeGroundTruth(dir.resolve(CocoJson.GROUND_TRUTH), c.images(), NAMES.subList(0, c.classes()), c.truths());
        CocoJson.writeDetections(dir.resolve(CocoJson.DETECTIONS), c.detections());
        String out = Oracle.run("coco_eval.py", "--small-max", Double.toString(c.areas().smallMax()),
                "--large-min", Double.toString(c.areas().largeMin()), dir.toString()).strip();
        JsonNode o = JSON.readTree(out.substring(out.lastIndexOf('\n') + 1));
        double[] v = new double[BoxApScores.NAMES.length];
        for (int i = 0; i < v.length; i++) {
            JsonNode n = o.get(BoxApScores.NAMES[i]);
            v[i] = n.isNull() ? Double.NaN : n.asDouble();
        }
        BoxApScores oracle = new BoxApScores(v[0], v[1], v[2], v[3], v[4], v[5]);
        BoxApTest.assertScores(oracle, c.evaluate(), 1e-9, c.name() + " vs oracle " + oracle);
    }
}
