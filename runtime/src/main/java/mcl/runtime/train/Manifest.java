package mcl.runtime.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of a training-graph manifest the trainer relies on: the shapes of one step
 * (levels, batch, size, montages), every parameter with its optimiser switches, and which graph
 * outputs update which BN running buffers. A missing field is reported by name.
 */
public record Manifest(JsonNode json, String preset, int levels, int batch, int size, int[] montages,
                       List<ParamInfo> parameters, Map<String, List<BnStat>> bnStats) {
    /**
     * One parameter or buffer.
     *
     * @param lars        LARS adaptation applies
     * @param weightDecay weight decay applies
     * @param ema         the target follows it by EMA (online-encoder trainables, not the predictor)
     */
    public record ParamInfo(String name, long[] shape, String init, boolean trainable, boolean lars, boolean weightDecay, boolean ema) {
        public int numel() {
            long n = 1;
            for (long d : shape) n *= d;
            return Math.toIntExact(n);
        }

        /** Parameters the target encoder has too (everything but the per-level predictors). */
        public boolean inTarget() { return !name.startsWith("predictor."); }
    }

    /** A batch-statistics output pair of a graph and the running buffers it updates. */
    public record BnStat(String mean, String var, String runningMean, String runningVar, long count) { }

    /** Data-parallel shards the graphs are built for (their targets input holds batch x shards embeddings); 1 when absent. */
    public int shards() { return json.path("shards").asInt(1); }

    public static Manifest parse(JsonNode m) {
        JsonNode mont = need(m, "montages");
        int[] montages = new int[mont.size()];
        for (int i = 0; i < montages.length; i++) montages[i] = mont.get(i).asInt();
        return new Manifest(m, text(m, "preset"), need(m, "levels").asInt(), need(m, "batch").asInt(), need(m, "size").asInt(),
                montages, parameters(m), bnStats(m));
    }

    /** The "parameters" list of a graph manifest (any of ours: training or fine-tuning graphs). */
    public static List<ParamInfo> parameters(JsonNode m) {
        List<ParamInfo> params = new ArrayList<>();
        for (JsonNode p : need(m, "parameters")) {
            JsonNode shape = need(p, "shape");
            long[] s = new long[shape.size()];
            for (int i = 0; i < s.length; i++) s[i] = shape.get(i).asLong();
            boolean trainable = text(p, "role").equals("trainable");
            params.add(new ParamInfo(text(p, "name"), s, p.path("init").asText(""), trainable,
                    trainable && p.path("lars").asBoolean(false), trainable && bool(p, "weight_decay"), trainable && p.path("ema").asBoolean(false)));
        }
        return List.copyOf(params);
    }

    /** The "bn_stats" map of a graph manifest: per graph file, its batch-statistics outputs and running buffers. */
    public static Map<String, List<BnStat>> bnStats(JsonNode m) {
        Map<String, List<BnStat>> bn = new LinkedHashMap<>();
        need(m, "bn_stats").fields().forEachRemaining(e -> {
            List<BnStat> list = new ArrayList<>();
            for (JsonNode s : e.getValue()) {
                list.add(new BnStat(text(s, "mean"), text(s, "var"), text(s, "running_mean"), text(s, "running_var"), need(s, "count").asLong()));
            }
            bn.put(e.getKey(), list);
        });
        return bn;
    }

    public ParamInfo param(String name) {
        return parameters.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the manifest has no parameter '" + name + "'"));
    }

    private static JsonNode need(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException("manifest.json: missing field \"" + field + "\"" + where(o));
        return v;
    }

    private static String text(JsonNode o, String field) { return need(o, field).asText(); }

    private static boolean bool(JsonNode o, String field) {
        JsonNode v = need(o, field);
        if (!v.isBoolean()) throw new IllegalArgumentException("manifest.json: \"" + field + "\" must be true or false" + where(o));
        return v.booleanValue();
    }

    private static String where(JsonNode o) { return o.has("name") ? " (in " + o.get("name").asText() + ")" : ""; }
}
