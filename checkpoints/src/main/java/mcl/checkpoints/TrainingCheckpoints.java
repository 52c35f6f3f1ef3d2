package mcl.checkpoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import mcl.tensors.HostTensor;

/**
 * Reads the full training state for a resume. Only data is read: JSON and safetensors, with
 * every file checked against the SHA-256 that state.json recorded; nothing in a checkpoint is
 * executed. The checkpoint named by {@code latest} is tried first, then the older ones, newest
 * first: a damaged checkpoint is rejected with the reason and the previous one is used.
 */
public final class TrainingCheckpoints {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainingCheckpoints() { }

    /** The state read, the folder it came from, and why newer checkpoints were rejected (if any were). */
    public record Loaded(TrainState state, Path dir, List<String> rejected) { }

    public static Loaded loadNewestGood(Path runDir) {
        Path ckDir = runDir.resolve("checkpoints");
        if (!Files.isDirectory(ckDir)) throw new InvalidCheckpointException(runDir + " has no checkpoints/ folder: not a run folder, or no checkpoint was written yet");
        Set<Path> candidates = new LinkedHashSet<>();
        try {
            candidates.add(CheckpointReader.resolve(runDir));
        } catch (InvalidCheckpointException e) {
            // latest missing or dangling: fall back to the folders themselves
        }
        try (Stream<Path> s = Files.list(ckDir)) {
            s.filter(p -> p.getFileName().toString().matches("step-\\d+") && Files.isDirectory(p))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
                    .forEach(candidates::add);
        } catch (IOException e) {
            throw new InvalidCheckpointException("cannot list " + ckDir + ": " + e.getMessage(), e);
        }
        List<String> rejected = new ArrayList<>();
        for (Path dir : candidates) {
            try {
                return new Loaded(load(dir), dir, rejected);
            } catch (InvalidCheckpointException e) {
                rejected.add(e.getMessage());
            }
        }
        throw new InvalidCheckpointException("no usable checkpoint in " + ckDir + (rejected.isEmpty() ? "" : ": " + String.join("; ", rejected)));
    }

    /** One checkpoint folder, fully verified. */
    public static TrainState load(Path dir) {
        Checkpoint ck = CheckpointReader.open(dir);
        Path stateFile = dir.resolve(CheckpointReader.STATE);
        JsonNode state;
        try {
            state = JSON.readTree(stateFile.toFile());
        } catch (IOException e) {
            throw new InvalidCheckpointException(stateFile + " is not valid JSON: " + e.getMessage(), e);
        }
        int version = state.path("version").asInt(-1);
        if (version != CheckpointWriter.VERSION) {
            throw new InvalidCheckpointException(stateFile + ": checkpoint version " + version + ", this mcl reads version " + CheckpointWriter.VERSION);
        }
        JsonNode files = state.get("files");
        if (files == null || !files.isObject()) throw new InvalidCheckpointException(stateFile + " lacks the \"files\" checksums");
        for (String f : List.of(Which.ONLINE.fileName, Which.TARGET.fileName, CheckpointWriter.OPTIMIZER)) {
            Path p = dir.resolve(f);
            if (!Files.isRegularFile(p)) throw new InvalidCheckpointException(dir + " is not a complete checkpoint: " + f + " is missing");
            String want = files.path(f).asText("");
            String got;
            try {
                got = CheckpointWriter.sha256(p);
            } catch (IOException e) {
                throw new InvalidCheckpointException("cannot read " + p + ": " + e.getMessage(), e);
            }
            if (!got.equals(want)) throw new InvalidCheckpointException(p + " is damaged: its SHA-256 does not match the one state.json recorded");
        }
        JsonNode config = state.get("config");
        if (config == null || !config.isObject()) throw new InvalidCheckpointException(stateFile + " lacks \"config\"");
        Map<String, HostTensor> online = ck.weights(Which.ONLINE);
        Map<String, HostTensor> target = ck.weights(Which.TARGET);
        Map<String, HostTensor> optimizer = CheckpointReader.readWeights(dir.resolve(CheckpointWriter.OPTIMIZER));
        return new TrainState(ck.step(), state.path("epoch").asLong(), longField(state, "data_position", stateFile), config.path("seed").asLong(),
                state.path("consecutive_bad_steps").asInt(0), state.path("skipped_steps").asLong(0), (com.fasterxml.jackson.databind.node.ObjectNode) config, online, target, optimizer);
    }

    private static long longField(JsonNode o, String name, Path file) {
        JsonNode v = o.get(name);
        if (v == null || !v.isIntegralNumber()) throw new InvalidCheckpointException(file + " lacks the integer field \"" + name + "\"");
        return v.asLong();
    }
}
