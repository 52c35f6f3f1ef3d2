package mcl.checkpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import mcl.graph.DType;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;

/**
 * Opens the checkpoint layout the trainer writes:
 * <pre>
 * RUN/checkpoints/latest                 text: the name of the newest checkpoint folder
 * RUN/checkpoints/step-00000123/online.safetensors   online network (F32, canonical names)
 *                               target.safetensors   EMA target (same names, no predictor)
 *                               state.json           {"preset", "step", "image_size", ...}
 * </pre>
 * Accepts RUN (follows {@code latest}) or one checkpoint folder. Anything missing or damaged is
 * reported as an {@link InvalidCheckpointException} naming the file.
 */
public final class CheckpointReader {
    public static final String LATEST = "latest";
    public static final String STATE = "state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointReader() { }

    public static Checkpoint open(Path path) {
        Path dir = resolve(path);
        for (Which w : Which.values()) {
            if (!Files.isRegularFile(dir.resolve(w.fileName))) {
                throw new InvalidCheckpointException(dir + " is not a complete checkpoint: " + w.fileName + " is missing");
            }
        }
        Path stateFile = dir.resolve(STATE);
        if (!Files.isRegularFile(stateFile)) throw new InvalidCheckpointException(dir + " is not a complete checkpoint: " + STATE + " is missing");
        JsonNode state;
        try {
            state = JSON.readTree(stateFile.toFile());
        } catch (IOException e) {
            throw new InvalidCheckpointException(stateFile + " is not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (state == null || !state.isObject()) throw new InvalidCheckpointException(stateFile + " must hold a JSON object");
        JsonNode preset = state.get("preset");
        JsonNode step = state.get("step");
        if (preset == null || !preset.isTextual()) throw new InvalidCheckpointException(stateFile + " lacks the string field \"preset\"");
        if (step == null || !step.canConvertToLong() || !step.isIntegralNumber()) throw new InvalidCheckpointException(stateFile + " lacks the integer field \"step\"");
        JsonNode size = state.get("image_size");
        if (size != null && !size.isInt()) throw new InvalidCheckpointException(stateFile + ": \"image_size\" must be an integer");
        return new Checkpoint(dir, preset.asText(), step.asLong(), size == null ? 224 : size.asInt());
    }

    /** RUN -> RUN/checkpoints/&lt;latest&gt;; a checkpoint folder stays itself. */
    static Path resolve(Path path) {
        if (!Files.isDirectory(path)) throw new InvalidCheckpointException(path + " does not exist or is not a folder (give RUN_DIR or a checkpoint folder)");
        if (Files.isRegularFile(path.resolve(STATE)) || Files.isRegularFile(path.resolve(Which.ONLINE.fileName))) return path;
        Path latest = path.resolve("checkpoints").resolve(LATEST);
        if (!Files.isRegularFile(latest)) {
            throw new InvalidCheckpointException(path + " is neither a checkpoint folder (no " + STATE + ") nor a run folder (no checkpoints/" + LATEST + ")");
        }
        String name;
        try {
            name = Files.readString(latest).strip();
        } catch (IOException e) {
            throw new InvalidCheckpointException("cannot read " + latest + ": " + e.getMessage(), e);
        }
        if (name.isEmpty() || name.contains("/") || name.contains("..")) {
            throw new InvalidCheckpointException(latest + " must name a folder in " + latest.getParent() + ", got '" + name + "'");
        }
        Path dir = latest.resolveSibling(name);
        if (!Files.isDirectory(dir)) throw new InvalidCheckpointException(latest + " names '" + name + "', which does not exist in " + latest.getParent());
        return dir;
    }

    /** Reads a safetensors file of F32 tensors, turning format damage into a clear message. */
    static Map<String, HostTensor> readWeights(Path file) {
        Map<String, HostTensor> w;
        try {
            w = SafeTensors.read(file);
        } catch (IOException | RuntimeException e) {
            throw new InvalidCheckpointException(file + " is damaged or not a safetensors file: " + firstLine(e.getMessage()), e);
        }
        for (var e : w.entrySet()) {
            if (e.getValue().dtype() != DType.FLOAT) {
                throw new InvalidCheckpointException(file + ": tensor '" + e.getKey() + "' is " + e.getValue().dtype().shortName() + ", checkpoints hold F32 only");
            }
        }
        if (w.isEmpty()) throw new InvalidCheckpointException(file + " holds no tensors");
        return w;
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
