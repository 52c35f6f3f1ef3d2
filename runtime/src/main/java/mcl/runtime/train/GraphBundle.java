package mcl.runtime.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training graphs of one configuration: {@code online_train.onnx}, {@code target_forward.onnx}
 * and {@code manifest.json}, from a folder or built in memory.
 */
public record GraphBundle(byte[] onlineTrain, byte[] targetForward, Manifest manifest) {
    public static final String ONLINE = "online_train.onnx";
    public static final String TARGET = "target_forward.onnx";
    public static final String MANIFEST = "manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static GraphBundle of(byte[] onlineTrain, byte[] targetForward, JsonNode manifest) {
        return new GraphBundle(onlineTrain, targetForward, Manifest.parse(manifest));
    }

    public static GraphBundle load(Path dir) throws IOException {
        for (String f : new String[] {ONLINE, TARGET, MANIFEST}) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new IllegalArgumentException(dir + " is not a training-graph folder: " + f + " is missing (write one with `mcl graphs`)");
            }
        }
        JsonNode m;
        try {
            m = JSON.readTree(dir.resolve(MANIFEST).toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(dir.resolve(MANIFEST) + " is not valid JSON: " + e.getMessage(), e);
        }
        return of(Files.readAllBytes(dir.resolve(ONLINE)), Files.readAllBytes(dir.resolve(TARGET)), m);
    }

    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve(ONLINE), onlineTrain);
        Files.write(dir.resolve(TARGET), targetForward);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(MANIFEST).toFile(), manifest.json());
    }
}
