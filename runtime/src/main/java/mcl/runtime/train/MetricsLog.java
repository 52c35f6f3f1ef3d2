package mcl.runtime.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** {@code metrics.jsonl}: one JSON object per logged step, flushed as written. */
public final class MetricsLog implements AutoCloseable {
    public static final String FILE = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;

    /**
     * Opens for appending. {@code step} in a line counts steps completed (1 for the first step).
     * Lines after {@code fromStep} are dropped first: they were written after the checkpoint a
     * resume starts from, and the resumed run writes them again.
     */
    private MetricsLog() { out = new BufferedWriter(java.io.Writer.nullWriter()); }

    /** A log that writes nothing (the ranks of a data-parallel job other than rank 0). */
    public static MetricsLog none() { return new MetricsLog(); }

    public MetricsLog(Path file, long fromStep) throws IOException {
        if (Files.exists(file)) {
            List<String> keep = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    JsonNode n = JSON.readTree(line);
                    if (n != null && n.has("step") && n.get("step").asLong() <= fromStep) keep.add(line);
                } catch (IOException e) {
                    // a line cut short by a kill: dropped
                }
            }
            Files.write(file, keep, StandardCharsets.UTF_8);
        }
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public void write(ObjectNode record) throws IOException {
        out.write(JSON.writeValueAsString(record));
        out.newLine();
        out.flush();
    }

    /** Every record of a metrics file, skipping damaged lines. */
    public static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            try {
                JsonNode n = JSON.readTree(line);
                if (n != null && n.has("step")) out.add(n);
            } catch (IOException e) {
                // skip
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException { out.close(); }
}
