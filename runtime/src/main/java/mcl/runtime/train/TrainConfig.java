package mcl.runtime.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import mcl.data.pipeline.DataConfig;
import mcl.runtime.optim.Lars;
import mcl.runtime.optim.Schedule;

/**
 * Everything a pre-training run depends on. Built in three layers, each overriding the one
 * before: a preset, a JSON config file, command-line flags; the result is saved as the run's
 * {@code config.json} and is all a resume needs.
 *
 * @param graphs          a folder with online_train.onnx, target_forward.onnx and manifest.json;
 *                        null builds the preset's graphs in memory
 * @param warmupSteps     linear warm-up iterations (recipe: 10 of 100 epochs)
 * @param lrFloor         the cosine's final learning rate
 * @param maxBadSteps     consecutive non-finite steps after which the run stops
 * @param checkpointEvery steps between checkpoints (and one at the end)
 * @param mode            level matching mode of the loss: a (default), b, c or d
 * @param temperature     InfoNCE temperature T (the recipe: 1.0)
 * @param evalEvery       steps between frozen-feature k-NN probes logged to metrics.jsonl (0: none)
 * @param shards          data-parallel shards each process runs one after another; the global batch
 *                        is split over processes x shards (one process with N shards reproduces an
 *                        N-process run)
 * @param syncBn          BN statistics over the global batch when it is split (the released code's
 *                        SyncBN); false keeps them per shard
 */
public record TrainConfig(String preset, String data, String graphs, long seed, int batch, int size, int levels,
                          long steps, long warmupSteps, double baseLr, double lrFloor, double warmupRatio,
                          double momentum, double eta, double weightDecay, double emaBase, double clipNorm,
                          int checkpointEvery, int keepCheckpoints, int maxBadSteps, int logEvery,
                          String device, int threads, int workers, int prefetch, String mode, double temperature, int evalEvery, int shards, boolean syncBn) {
    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    public TrainConfig {
        check(batch > 0, "batch must be positive, got " + batch);
        check(steps > 0, "steps must be positive, got " + steps);
        check(warmupSteps >= 0 && warmupSteps <= steps, "warmup_steps must be in 0..steps (" + steps + "), got " + warmupSteps);
        check(baseLr > 0, "base_lr must be positive, got " + baseLr);
        check(lrFloor >= 0, "lr_floor must be >= 0, got " + lrFloor);
        check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
        check(emaBase >= 0 && emaBase <= 1, "ema_base must be in [0, 1], got " + emaBase);
        check(clipNorm > 0, "clip_norm must be positive, got " + clipNorm);
        check(checkpointEvery > 0, "checkpoint_every must be positive, got " + checkpointEvery);
        check(keepCheckpoints > 0, "keep_checkpoints must be positive, got " + keepCheckpoints);
        check(maxBadSteps > 0, "max_bad_steps must be positive, got " + maxBadSteps);
        check(logEvery > 0, "log_every must be positive, got " + logEvery);
        check(workers > 0 && prefetch > 0 && threads >= 0, "workers and prefetch must be positive, threads >= 0");
        check(mode != null && mode.matches("[abcd]"), "mode must be one of a, b, c, d, got " + mode);
        check(temperature > 0, "temperature must be positive, got " + temperature);
        check(shards >= 1, "shards must be at least 1, got " + shards);
    }

    private static void check(boolean ok, String msg) {
        if (!ok) throw new IllegalArgumentException(msg);
    }

    /**
     * The presets. r18 and r50 keep the paper's recipe (T = 1, base lr 1.0, i.e. lr 16 at its batch
     * of 4096). {@code tiny} was tuned on validation garments for the k-NN probe (BENCHMARKS.md,
     * "Weight quality"): Fashion-MNIST garments (object-centric, as the paper's ImageNet; synthetic
     * scenes with a warning where Debian's dataset-fashion-mnist is missing), batch 64, T = 0.2,
     * base lr 4 (lr 1.0). T = 1 was set for 4095 negatives; with 63 it leaves the loss nearly flat,
     * and at batch 16 every recipe tried lowered the probe (the network learned what tells 15
     * images apart, not garments). Measured: the probe rises 75.6 -> 78 % over the default 300
     * steps, and validation k-NN 78.3 % (random init) -> 82.4 % after 1,500 steps.
     * One ONNX Runtime thread for tiny: its 16-64-channel ops are so short that a second intra-op
     * thread costs more in hand-offs than it gives (`mcl bench step`), and the data workers keep a core.
     */
    public static TrainConfig preset(String name) {
        return switch (name) {
            case "tiny" -> new TrainConfig("tiny", "fashion-mnist", null, 0, 64, 64, 3, 300, 30, 4.0, 1e-4, 1e-4,
                    0.9, 0.001, 1e-5, 0.99, 500, 100, 3, 20, 10, "cpu", 1, 2, 2, "a", 0.2, 50, 1, true);
            case "r18", "r50" -> new TrainConfig(name, "synthetic", null, 0, 32, 224, 4, 10_000, 1_000, 1.0, 1e-4, 1e-4,
                    0.9, 0.001, 1e-5, 0.99, 500, 500, 3, 20, 10, "cpu", 0, 2, 2, "a", 1.0, 0, 1, true);
            default -> throw new IllegalArgumentException("unknown preset '" + name + "'; valid presets: " + String.join(", ", PRESETS));
        };
    }

    public static final List<String> PRESETS = List.of("tiny", "r18", "r50");

    /** The JSON field names, for messages and flag suggestions. */
    public static List<String> fieldNames() {
        List<String> out = new ArrayList<>();
        JSON.valueToTree(preset("tiny")).fieldNames().forEachRemaining(out::add);
        return out;
    }

    /**
     * {@code base}'s fields replaced by those present in {@code overrides}; unknown fields are named,
     * and every problem of the result is reported at once ({@link Settings.Invalid}).
     */
    public static TrainConfig merge(TrainConfig base, JsonNode overrides, String source) {
        return mergeChecked(base, overrides, source).config();
    }

    /** {@link #merge}, with the notes about settings that were adjusted to fit. */
    public static Settings.Checked mergeChecked(TrainConfig base, JsonNode overrides, String source) {
        ObjectNode tree = JSON.valueToTree(base);
        Map<String, String> origin = new java.util.HashMap<>();
        List<String> unknown = unknownFields(overrides, source);
        if (!unknown.isEmpty()) throw new Settings.Invalid(unknown);
        overrides.fields().forEachRemaining(e -> {
            tree.set(e.getKey(), e.getValue());
            origin.put(e.getKey(), source);
        });
        return Settings.check(tree, origin);
    }

    /** One line per field of {@code overrides} that is not a setting, with the closest valid name. */
    public static List<String> unknownFields(JsonNode overrides, String source) {
        List<String> known = fieldNames();
        List<String> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = overrides.fields(); it.hasNext(); ) {
            String key = it.next().getKey();
            if (!known.contains(key)) {
                out.add(source + ": unknown setting \"" + key + "\"" + closest(key, known) + "; valid settings: " + String.join(", ", known));
            }
        }
        return out;
    }

    public ObjectNode toJson() { return JSON.valueToTree(this); }

    /**
     * The loss of embeddings that tell images apart no better than chance: every tile's
     * cross-entropy over the B targets is ln(B), each direction scales it by 2T, the level weights
     * sum to 1, and the two views' directions add up: 4 T ln(B) (3.33 for tiny's B = 64, T = 0.2).
     * Each unweighted per-level loss has the same chance level.
     */
    public double chanceLoss() { return 4 * temperature * Math.log(batch); }

    /** The data pipeline's settings (montage counts follow the recipe's default rule). */
    public DataConfig dataConfig() { return dataConfig(batch); }

    /** The data pipeline of one shard of {@code images} images. */
    public DataConfig dataConfig(int images) {
        return DataConfig.of(size, images, levels).withSeed(seed).withWorkers(workers).withPrefetch(prefetch);
    }

    public Lars.Settings larsSettings() { return new Lars.Settings(momentum, eta, weightDecay); }

    /** lr = base_lr * global batch / 256, warmed up linearly, then cosine to the floor. */
    public Schedule lrSchedule() {
        return Schedule.warmupCosine(Schedule.scaledLr(baseLr, batch), lrFloor, warmupSteps, warmupRatio, steps);
    }

    public Schedule emaSchedule() { return Schedule.emaMomentum(emaBase, steps); }

    static String closest(String given, List<String> names) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String n : names) {
            int d = distance(given.replace('-', '_'), n);
            if (d < bestD) {
                bestD = d;
                best = n;
            }
        }
        return best != null && bestD <= Math.max(2, given.length() / 3) ? " (did you mean \"" + best + "\"?)" : "";
    }

    private static int distance(String a, String b) {
        return org.apache.commons.text.similarity.LevenshteinDistance.getDefaultInstance().apply(a, b);
    }
}
