package mcl.runtime.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kernel times of the LAST run in an ONNX Runtime profile (the JSON that
 * {@code SessionOptions.enableProfiling} writes), summed per op type and per gradient rule.
 *
 * <p>The caller says which pass and which gradient rule each node of its graph belongs to (see
 * {@code GradBenchmark.TrainingGraph#ruleOfNode}); nodes that ORT created or renamed while
 * optimising (layout transforms) are reported as "ort-inserted" with their op type; a fused node
 * counts for the node whose name it carries.
 */
public record ProfileSummary(double runMillis, double kernelMillis, List<Row> byOp, List<Row> byRule) {
    /** One aggregate: summed kernel milliseconds over {@code nodes} nodes. */
    public record Row(String label, double millis, int nodes) { }

    public static ProfileSummary read(Path json, Map<String, String> passOfNode, Map<String, String> ruleOfNode) throws IOException {
        JsonNode events = new ObjectMapper().readTree(json.toFile());
        if (events.isObject() && events.has("traceEvents")) events = events.get("traceEvents");
        long start = -1;
        long end = -1;
        for (JsonNode e : events) {
            if ("Session".equals(e.path("cat").asText()) && "model_run".equals(e.path("name").asText())) {
                start = e.path("ts").asLong();
                end = start + e.path("dur").asLong();
            }
        }
        if (start < 0) throw new IOException(json + " has no model_run event");
        Map<String, double[]> byOp = new LinkedHashMap<>();
        Map<String, double[]> byRule = new LinkedHashMap<>();
        double total = 0;
        for (JsonNode e : events) {
            String name = e.path("name").asText();
            if (!"Node".equals(e.path("cat").asText()) || !name.endsWith("_kernel_time")) continue;
            long ts = e.path("ts").asLong();
            if (ts < start || ts > end) continue;
            double ms = e.path("dur").asLong() / 1000.0;
            String node = ourNode(name.substring(0, name.length() - "_kernel_time".length()), passOfNode);
            String op = e.path("args").path("op_name").asText("?");
            String pass = passOfNode.getOrDefault(node, "ort-inserted");
            add(byOp, pass + " " + op, ms);
            add(byRule, ruleOfNode.getOrDefault(node, "ort-inserted " + op), ms);
            total += ms;
        }
        return new ProfileSummary((end - start) / 1000.0, total, rows(byOp), rows(byRule));
    }

    /**
     * Moves the newest profile ORT wrote under {@code prefix} since {@code startedMillis} (it names
     * the file prefix_date_time.json when the session closes) to {@code target}.
     */
    public static Path moveWritten(String prefix, long startedMillis, Path target) throws IOException {
        Path p = Path.of(prefix).toAbsolutePath();
        String stem = p.getFileName().toString();
        try (var files = java.nio.file.Files.list(p.getParent())) {
            Path written = files.filter(f -> f.getFileName().toString().startsWith(stem + "_") && f.toString().endsWith(".json"))
                    .filter(f -> f.toFile().lastModified() >= startedMillis - 1000)
                    .max(Comparator.comparingLong(f -> f.toFile().lastModified()))
                    .orElseThrow(() -> new IOException("ONNX Runtime wrote no profile under " + prefix + "*"));
            java.nio.file.Files.move(written, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** ORT names a fused node after the node it replaced plus "/Fusion/" (e.g. "MatMul_4/MatmulTransposeFusion/"). */
    private static String ourNode(String name, Map<String, String> known) {
        if (known.containsKey(name)) return name;
        for (int i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
            if (known.containsKey(name.substring(0, i))) return name.substring(0, i);
        }
        return name;
    }

    private static void add(Map<String, double[]> m, String key, double ms) {
        double[] v = m.computeIfAbsent(key, k -> new double[2]);
        v[0] += ms;
        v[1] += 1;
    }

    private static List<Row> rows(Map<String, double[]> m) {
        List<Row> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(new Row(k, v[0], (int) v[1])));
        out.sort(Comparator.comparingDouble(Row::millis).reversed());
        return out;
    }

    /** The top {@code n} rows of each table, as text. */
    public String format(int n) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("ORT profile of one run: %.0f ms wall, %.0f ms in kernels%n", runMillis, kernelMillis));
        table(sb, "by pass and op type", byOp, n);
        table(sb, "by gradient rule (backward) / pass", byRule, n);
        return sb.toString();
    }

    private void table(StringBuilder sb, String title, List<Row> rows, int n) {
        sb.append(String.format("%n  top %d %s:%n", Math.min(n, rows.size()), title));
        for (Row r : rows.subList(0, Math.min(n, rows.size()))) {
            sb.append(String.format("  %9.1f ms %5.1f%%  %5d nodes  %s%n", r.millis(), 100 * r.millis() / kernelMillis, r.nodes(), r.label()));
        }
    }
}
