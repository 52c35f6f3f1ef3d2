package mcl.runtime.transfer.det;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import mcl.runtime.transfer.TransferConfig;

/**
 * The box AP of one detection fine-tune on the held-out scenes, with what produced it.
 *
 * @param start     AP before the first step (NaNs when not measured)
 * @param firstLoss mean training loss of the first 10% of steps, {@code lastLoss} of the last 10%
 */
public record DetResult(String init, double labels, int labelledScenes, long seed, long steps, BoxApScores scores, BoxApScores start,
                        double firstLoss, double lastLoss, int detections, double seconds, String scenes) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("task", "det");
        o.put("init", init);
        o.put("labels", TransferConfig.labelsName(labels));
        o.put("labelled_scenes", labelledScenes);
        o.put("seed", seed);
        o.put("steps", steps);
        putScores(o, "", scores);
        putScores(o, "start_", start);
        o.put("first_loss", firstLoss);
        o.put("last_loss", lastLoss);
        o.put("detections", detections);
        o.put("seconds", seconds);
        o.put("scenes", scenes);
        return o;
    }

    private static void putScores(ObjectNode o, String prefix, BoxApScores s) {
        double[] v = s.values();
        for (int i = 0; i < v.length; i++) {
            if (Double.isNaN(v[i])) o.putNull(prefix + BoxApScores.NAMES[i]);
            else o.put(prefix + BoxApScores.NAMES[i], v[i]);
        }
    }

    private static BoxApScores scores(JsonNode o, String prefix) {
        double[] v = new double[BoxApScores.NAMES.length];
        for (int i = 0; i < v.length; i++) v[i] = o.path(prefix + BoxApScores.NAMES[i]).asDouble(Double.NaN);
        return new BoxApScores(v[0], v[1], v[2], v[3], v[4], v[5]);
    }

    public static DetResult fromJson(JsonNode o) {
        return new DetResult(o.get("init").asText(), TransferConfig.parseLabels(o.get("labels").asText()), o.get("labelled_scenes").asInt(),
                o.get("seed").asLong(), o.get("steps").asLong(), scores(o, ""), scores(o, "start_"), o.get("first_loss").asDouble(),
                o.get("last_loss").asDouble(), o.path("detections").asInt(), o.get("seconds").asDouble(), o.get("scenes").asText());
    }

    /** Writes the JSON atomically (a killed run never leaves half a file). */
    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), toJson());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static DetResult read(Path file) throws IOException {
        return fromJson(JSON.readTree(file.toFile()));
    }

    /** One line for the terminal. */
    public String summary() {
        return String.format(Locale.ROOT, "box AP %.4f  AP50 %.4f  AP75 %.4f  (start AP %.4f / AP50 %.4f; loss %.3f -> %.3f; %s labels = %d scenes, %d steps, seed %d, %.0f s)",
                scores.ap(), scores.ap50(), scores.ap75(), start.ap(), start.ap50(), firstLoss, lastLoss, TransferConfig.labelsName(labels),
                labelledScenes, steps, seed, seconds);
    }
}
