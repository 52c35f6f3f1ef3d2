package mcl.runtime.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The scores of one fine-tuning run on the held-out scenes, with what produced them.
 *
 * @param init        "random" or the pre-trained checkpoint folder
 * @param classIou    per class IoU (NaN where a class is absent from labels and predictions)
 * @param firstLoss   mean training loss of the first 10% of steps, {@code lastLoss} of the last 10%
 * @param startMiou   held-out mIoU before the first step (NaN when not measured)
 * @param trainMiou   mIoU on (up to 200 of) the labelled training scenes after fine-tuning, in eval mode
 */
public record TransferResult(String init, double labels, int labelledScenes, long seed, long steps, double miou, double pixelAccuracy,
                             List<String> classNames, double[] classIou, double firstLoss, double lastLoss, double startMiou,
                             double trainMiou, double seconds, String scenes) {
    static final ObjectMapper JSON = new ObjectMapper();

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("init", init);
        o.put("labels", TransferConfig.labelsName(labels));
        o.put("labelled_scenes", labelledScenes);
        o.put("seed", seed);
        o.put("steps", steps);
        o.put("miou", miou);
        o.put("pixel_accuracy", pixelAccuracy);
        ObjectNode per = o.putObject("class_iou");
        for (int k = 0; k < classIou.length; k++) {
            if (Double.isNaN(classIou[k])) per.putNull(classNames.get(k));
            else per.put(classNames.get(k), classIou[k]);
        }
        o.put("first_loss", firstLoss);
        o.put("last_loss", lastLoss);
        o.put("start_miou", startMiou);
        o.put("train_miou", trainMiou);
        o.put("seconds", seconds);
        o.put("scenes", scenes);
        return o;
    }

    public static TransferResult fromJson(JsonNode o) {
        JsonNode per = o.get("class_iou");
        List<String> names = new java.util.ArrayList<>();
        per.fieldNames().forEachRemaining(names::add);
        double[] iou = new double[names.size()];
        for (int k = 0; k < iou.length; k++) iou[k] = per.get(names.get(k)).isNull() ? Double.NaN : per.get(names.get(k)).asDouble();
        return new TransferResult(o.get("init").asText(), TransferConfig.parseLabels(o.get("labels").asText()), o.get("labelled_scenes").asInt(),
                o.get("seed").asLong(), o.get("steps").asLong(), o.get("miou").asDouble(), o.get("pixel_accuracy").asDouble(), List.copyOf(names),
                iou, o.get("first_loss").asDouble(), o.get("last_loss").asDouble(), o.path("start_miou").asDouble(Double.NaN), o.path("train_miou").asDouble(Double.NaN),
                o.get("seconds").asDouble(), o.get("scenes").asText());
    }

    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), toJson());
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static TransferResult read(Path file) throws IOException {
        return fromJson(JSON.readTree(file.toFile()));
    }

    /** One line for the terminal. */
    public String summary() {
        return String.format(java.util.Locale.ROOT, "mIoU %.4f  pixel accuracy %.4f  (start mIoU %.4f; on its training scenes %.4f; loss %.3f -> %.3f; %s labels = %d scenes, %d steps, seed %d, %.0f s)",
                miou, pixelAccuracy, startMiou, trainMiou, firstLoss, lastLoss, TransferConfig.labelsName(labels), labelledScenes, steps, seed, seconds);
    }

    static ArrayNode array(List<TransferResult> rs) {
        ArrayNode a = JSON.createArrayNode();
        rs.forEach(r -> a.add(r.toJson()));
        return a;
    }
}
