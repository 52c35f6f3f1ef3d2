package mcl.checkpoints;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mcl.checkpoints.CheckpointStore;
import mcl.checkpoints.TrainState;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;

/**
 * Writes the layout {@link CheckpointReader} opens, atomically:
 * <pre>
 * RUN/checkpoints/.tmp-step-00000123/   written and fsynced first
 * RUN/checkpoints/step-00000123/        then renamed into place (one atomic rename)
 *     online.safetensors target.safetensors optimizer.safetensors state.json
 * RUN/checkpoints/latest                then replaced atomically (write .latest.tmp, fsync, rename)
 * </pre>
 * A kill at any moment leaves either the old or the new checkpoint as {@code latest}, never a
 * partial one; a failure (disk full) deletes the temporary folder and leaves {@code latest} as it
 * was. state.json records a SHA-256 of every tensor file, so a damaged file is detected on resume.
 * Only the newest {@code keep} checkpoints are kept.
 */
public final class CheckpointWriter implements CheckpointStore {
    public static final int VERSION = 1;
    public static final String OPTIMIZER = "optimizer.safetensors";
    static final String TMP_PREFIX = ".tmp-";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Called after each file of a checkpoint is written; tests use it to inject faults or pauses. */
    @FunctionalInterface
    public interface AfterFile {
        void written(Path file, long step) throws IOException;
    }

    private final Path dir;
    private final int keep;
    private final AfterFile afterFile;

    public CheckpointWriter(Path runDir, int keep) {
        this(runDir, keep, (f, s) -> { });
    }

    public CheckpointWriter(Path runDir, int keep, AfterFile afterFile) {
        if (keep < 1) throw new IllegalArgumentException("keep must be >= 1, got " + keep);
        this.dir = runDir.resolve("checkpoints");
        this.keep = keep;
        this.afterFile = afterFile;
    }

    public static String folderName(long step) { return String.format("step-%08d", step); }

    @Override
    public Path save(TrainState s) throws IOException {
        Files.createDirectories(dir);
        String name = folderName(s.step());
        Path tmp = dir.resolve(TMP_PREFIX + name + "-" + ProcessHandle.current().pid());
        deleteTree(tmp);
        try {
            Files.createDirectory(tmp);
            ObjectNode files = JSON.createObjectNode();
            Map<String, String> meta = Map.of("step", Long.toString(s.step()), "preset", s.config().path("preset").asText());
            writeTensors(tmp.resolve(Which.ONLINE.fileName), s.online(), meta, files, s.step());
            writeTensors(tmp.resolve(Which.TARGET.fileName), s.target(), meta, files, s.step());
            writeTensors(tmp.resolve(OPTIMIZER), s.optimizer(), meta, files, s.step());
            ObjectNode state = JSON.createObjectNode();
            state.put("version", VERSION);
            state.put("preset", s.config().path("preset").asText());
            state.put("step", s.step());
            state.put("epoch", s.epoch());
            state.put("image_size", s.config().path("size").asInt());
            state.put("data_position", s.dataPosition());
            ObjectNode rng = state.putObject("random_state");
            rng.put("seed", s.seed());
            rng.put("data_position", s.dataPosition());
            rng.put("note", "every random draw of the data pipeline is keyed by (seed, position); weights were initialised from the seed");
            state.put("consecutive_bad_steps", s.consecutiveBad());
            state.put("skipped_steps", s.skippedSteps());
            state.put("saved_at", java.time.Instant.now().toString());
            state.set("files", files);
            state.set("config", s.config());
            Path stateFile = tmp.resolve(CheckpointReader.STATE);
            Files.write(stateFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
            fsync(stateFile);
            afterFile.written(stateFile, s.step());
            fsync(tmp);
            Path target = dir.resolve(name);
            if (Files.exists(target)) {
                // The same step saved again (e.g. a stop right after a periodic save): swap it out.
                Path old = dir.resolve(TMP_PREFIX + "old-" + name);
                deleteTree(old);
                move(target, old);
                move(tmp, target);
                deleteTree(old);
            } else {
                move(tmp, target);
            }
            fsync(dir);
            Path latestTmp = dir.resolve("." + CheckpointReader.LATEST + ".tmp");
            Files.writeString(latestTmp, name + "\n");
            fsync(latestTmp);
            move(latestTmp, dir.resolve(CheckpointReader.LATEST));
            fsync(dir);
            prune();
            return target;
        } catch (IOException | RuntimeException e) {
            try {
                deleteTree(tmp);
            } catch (IOException ignored) {
                // the folder is not named step-*, so the reader never mistakes it for a checkpoint
            }
            throw e;
        }
    }

    @Override
    public Path latest() {
        try {
            return CheckpointReader.resolve(dir.getParent());
        } catch (InvalidCheckpointException e) {
            return null;
        }
    }

    private void writeTensors(Path file, Map<String, HostTensor> tensors, Map<String, String> meta, ObjectNode files, long step) throws IOException {
        SafeTensors.write(file, tensors, meta);
        fsync(file);
        files.put(file.getFileName().toString(), sha256(file));
        afterFile.written(file, step);
    }

    /** Keeps the newest {@code keep} step folders and removes leftovers of interrupted saves. */
    private void prune() throws IOException {
        List<Path> steps;
        try (Stream<Path> s = Files.list(dir)) {
            steps = s.filter(p -> p.getFileName().toString().matches("step-\\d+") && Files.isDirectory(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
        for (int i = 0; i < steps.size() - keep; i++) deleteTree(steps.get(i));
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TMP_PREFIX)).toList()) deleteTree(p);
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + to.getParent() + " cannot rename atomically; checkpoints need a local file system", e);
        }
    }

    /** Flushes a file's or a folder's data to the device (a folder's: its entries, i.e. a rename). */
    private static void fsync(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
