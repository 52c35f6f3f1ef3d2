package mcl.runtime.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each {@link TrainConfig} setting means, and the check of a whole set of settings before a
 * run touches the disk: every problem is found (not only the first), each named by where the
 * value came from ({@code --steps} or {@code file.json "steps"}), with the value, why it is wrong
 * and what to write instead.
 */
public final class Settings {
    /** How a setting is typed in JSON and on the command line. */
    public enum Kind { WHOLE, NUMBER, TEXT, SWITCH }

    /** One setting: its JSON name, type, meaning (with unit) and an example value for messages. */
    public record Setting(String name, Kind kind, String meaning, String example) {
        public String flag() { return "--" + name.replace('_', '-'); }
    }

    private static final Map<String, Setting> ALL = new LinkedHashMap<>();

    private static void add(String name, Kind kind, String meaning, String example) {
        ALL.put(name, new Setting(name, kind, meaning, example));
    }

    static {
        add("preset", Kind.TEXT, "network and recipe defaults: tiny (ResNet-10 16-wide, 64 px, minutes on a CPU), r18, r50 (the paper's)", "tiny");
        add("data", Kind.TEXT, "image source: a folder, COCO .json, .txt list, fashion-mnist[:DIR], fashion-scenes[:N[:SEED[:SIDE]]] or synthetic[:N[:SEED]]", "synthetic");
        add("graphs", Kind.TEXT, "folder with online_train.onnx, target_forward.onnx and manifest.json from `mcl graphs` (default: built in memory)", "graphs/tiny");
        add("seed", Kind.WHOLE, "root of every random stream (weights, data order, augmentation)", "0");
        add("batch", Kind.WHOLE, "images per step (B); every tile is contrasted with the B targets", "16");
        add("size", Kind.WHOLE, "crop side in pixels, a multiple of 32 (the stride of C5)", "64");
        add("levels", Kind.WHOLE, "montage levels L, 1..4 (downsample ratios 1, 2, 4, 8; 1 = image-level baseline)", "3");
        add("steps", Kind.WHOLE, "training steps of the whole run (the cosine schedules span them)", "300");
        add("warmup_steps", Kind.WHOLE, "steps of linear learning-rate warm-up, at most --steps", "30");
        add("base_lr", Kind.NUMBER, "learning rate per 256 images (lr = base_lr x batch / 256; LARS makes it a relative step)", "256");
        add("lr_floor", Kind.NUMBER, "learning rate the cosine ends at", "0.0001");
        add("warmup_ratio", Kind.NUMBER, "factor of the learning rate at step 0 of the warm-up, 0..1", "0.0001");
        add("momentum", Kind.NUMBER, "LARS momentum, 0 <= m < 1", "0.9");
        add("eta", Kind.NUMBER, "LARS trust coefficient (step = lr x eta x |w| / |g|)", "0.001");
        add("weight_decay", Kind.NUMBER, "L2 weight decay (not on BN and biases)", "1e-5");
        add("ema_base", Kind.NUMBER, "target EMA momentum at step 0, rising to 1 on a cosine, 0..1", "0.99");
        add("clip_norm", Kind.NUMBER, "global gradient-norm clip", "500");
        add("checkpoint_every", Kind.WHOLE, "steps between checkpoints (one is also written at the end and on Ctrl-C)", "100");
        add("keep_checkpoints", Kind.WHOLE, "newest checkpoints kept", "3");
        add("max_bad_steps", Kind.WHOLE, "non-finite steps in a row after which the run stops", "20");
        add("log_every", Kind.WHOLE, "steps between progress lines when not on a terminal", "10");
        add("device", Kind.TEXT, "cpu, or cuda (needs the `gpu` build profile and CUDA 12)", "cpu");
        add("threads", Kind.WHOLE, "ONNX Runtime threads, 0 = all cores", "0");
        add("workers", Kind.WHOLE, "data decoding and augmentation threads", "2");
        add("prefetch", Kind.WHOLE, "batches prepared ahead of the trainer", "2");
        add("mode", Kind.TEXT, "level matching of the loss: a (every level against full size), b (same level), c (adjacent), d (all)", "a");
        add("temperature", Kind.NUMBER, "InfoNCE temperature T", "1.0");
        add("eval_every", Kind.WHOLE, "steps between k-NN probes of the frozen online backbone on Fashion-MNIST garments (logged and drawn; 0 = off)", "50");
        add("shards", Kind.WHOLE, "data-parallel shards of the global batch run one after another in each process (under mpirun: per rank);"
                + " one process with --shards N computes what N processes do", "1");
        add("sync_bn", Kind.SWITCH, "BatchNorm statistics over the global batch when it is split over processes or shards (SyncBN);"
                + " false keeps them per shard", "true");
    }

    private Settings() { }

    public static Setting of(String name) { return ALL.get(name); }

    /** The settings, in the order of {@link TrainConfig}'s fields. */
    public static List<Setting> all() { return List.copyOf(ALL.values()); }

    /** Raised with every problem of a set of settings; each problem is one line. */
    public static final class Invalid extends IllegalArgumentException {
        private final List<String> problems;

        public Invalid(List<String> problems) {
            super(String.join("\n", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() { return problems; }
    }

    /** A checked config and the notes about what was adjusted (a warm-up shortened to fit). */
    public record Checked(TrainConfig config, List<String> notes) { }

    /**
     * Checks the complete settings {@code tree} (every field present) and builds the config.
     *
     * @param origin where each field's value came from ("flags", a file name, or absent: the
     *               preset); names the place in messages
     */
    public static Checked check(ObjectNode tree, Map<String, String> origin) {
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Map<String, Object> v = new LinkedHashMap<>();
        for (Setting s : ALL.values()) {
            JsonNode n = tree.get(s.name());
            Object parsed = parse(s, n);
            if (parsed == null && !(s.name().equals("graphs") && (n == null || n.isNull()))) {
                problems.add(where(s, origin) + " " + shown(n) + ": " + (s.kind() == Kind.WHOLE ? "not a whole number"
                        : s.kind() == Kind.NUMBER ? "not a number" : s.kind() == Kind.SWITCH ? "not true or false" : "not text") + "; " + s.meaning() + ", e.g. " + example(s, origin));
            }
            v.put(s.name(), parsed);
            if (parsed instanceof Boolean b) tree.put(s.name(), b); // "on", "off" as written on the command line
        }
        range(problems, origin, v, "batch", x -> x >= 2, "must be at least 2 (each image is contrasted with the others)");
        range(problems, origin, v, "size", x -> x >= 32 && x % 32 == 0, "must be a positive multiple of 32 (the stride of C5), e.g. --size "
                + nearest32(v.get("size")));
        range(problems, origin, v, "levels", x -> x >= 1 && x <= 4, "must be 1..4 (the FPN has four levels)");
        range(problems, origin, v, "steps", x -> x >= 1, "must be at least 1");
        range(problems, origin, v, "warmup_steps", x -> x >= 0, "must be 0 or more");
        range(problems, origin, v, "base_lr", x -> x > 0, "must be positive");
        range(problems, origin, v, "lr_floor", x -> x >= 0, "must be 0 or more");
        range(problems, origin, v, "warmup_ratio", x -> x >= 0 && x <= 1, "must be in 0..1");
        range(problems, origin, v, "momentum", x -> x >= 0 && x < 1, "must be in [0, 1)");
        range(problems, origin, v, "eta", x -> x > 0, "must be positive");
        range(problems, origin, v, "weight_decay", x -> x >= 0, "must be 0 or more");
        range(problems, origin, v, "ema_base", x -> x >= 0 && x <= 1, "must be in [0, 1]");
        range(problems, origin, v, "clip_norm", x -> x > 0, "must be positive");
        range(problems, origin, v, "checkpoint_every", x -> x >= 1, "must be at least 1");
        range(problems, origin, v, "keep_checkpoints", x -> x >= 1, "must be at least 1");
        range(problems, origin, v, "max_bad_steps", x -> x >= 1, "must be at least 1");
        range(problems, origin, v, "log_every", x -> x >= 1, "must be at least 1");
        range(problems, origin, v, "threads", x -> x >= 0, "must be 0 (all cores) or more");
        range(problems, origin, v, "workers", x -> x >= 1, "must be at least 1");
        range(problems, origin, v, "prefetch", x -> x >= 1, "must be at least 1");
        range(problems, origin, v, "temperature", x -> x > 0, "must be positive");
        range(problems, origin, v, "eval_every", x -> x >= 0, "must be 0 (off) or more");
        range(problems, origin, v, "shards", x -> x >= 1, "must be at least 1");
        text(problems, origin, v, "mode", t -> t.matches("[abcd]"), "must be one of a, b, c, d");
        text(problems, origin, v, "device", t -> t.equals("cpu") || t.equals("cuda"), "must be cpu or cuda");
        text(problems, origin, v, "data", t -> !t.isBlank(), "is empty");
        if (v.get("graphs") instanceof String g) {
            for (String f : List.of("online_train.onnx", "target_forward.onnx", "manifest.json")) {
                if (!Files.isRegularFile(Path.of(g).resolve(f))) {
                    problems.add(where(ALL.get("graphs"), origin) + " " + g + ": no " + f + " there; write the graphs with `mcl graphs --out " + g
                            + "` or leave --graphs out to build them in memory");
                    break;
                }
            }
        }
        if (v.get("steps") instanceof Long steps && steps >= 1 && v.get("warmup_steps") instanceof Long warm && warm > steps) {
            Setting w = ALL.get("warmup_steps");
            if (origin.containsKey("warmup_steps")) {
                problems.add(where(w, origin) + " " + warm + ": longer than the run (" + steps + " steps); give at most " + steps
                        + ", or leave it out to use a tenth of the run");
            } else {
                long shortened = steps / 10;
                notes.add("note: the preset's warm-up of " + warm + " steps is longer than the run; using " + shortened
                        + " (a tenth of " + steps + " steps, the recipe's ratio)");
                v.put("warmup_steps", shortened);
                tree.put("warmup_steps", shortened);
            }
        }
        if (!problems.isEmpty()) throw new Invalid(problems);
        try {
            return new Checked(TrainConfig.JSON.treeToValue(tree, TrainConfig.class), notes);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            // Every field was checked above; reaching this is a bug in the checks, not bad input.
            throw new IllegalStateException("settings passed their checks but were refused: " + e.getMessage(), e);
        }
    }

    private static Object parse(Setting s, JsonNode n) {
        if (n == null || n.isNull()) return null;
        return switch (s.kind()) {
            case WHOLE -> n.isIntegralNumber() && n.canConvertToLong() ? (Object) n.asLong()
                    : n.isNumber() && n.asDouble() == Math.rint(n.asDouble()) && Math.abs(n.asDouble()) < 1e15 ? (Object) (long) n.asDouble() : null;
            case NUMBER -> n.isNumber() && Double.isFinite(n.asDouble()) ? (Object) n.asDouble() : null;
            case TEXT -> n.isTextual() ? n.asText() : null;
            case SWITCH -> n.isBoolean() ? (Object) n.asBoolean()
                    : n.isTextual() && List.of("true", "on", "yes").contains(n.asText().toLowerCase()) ? (Object) true
                    : n.isTextual() && List.of("false", "off", "no").contains(n.asText().toLowerCase()) ? (Object) false : null;
        };
    }

    private static void range(List<String> problems, Map<String, String> origin, Map<String, Object> v, String name,
                              java.util.function.DoublePredicate ok, String why) {
        Object x = v.get(name);
        double d = x instanceof Long l ? l : x instanceof Double dd ? dd : Double.NaN;
        if (x == null) return; // already reported as mistyped
        boolean fits = !(x instanceof Long l) || l == (int) (long) l || name.equals("steps") || name.equals("warmup_steps") || name.equals("seed");
        if (!fits || !ok.test(d)) {
            Setting s = ALL.get(name);
            problems.add(where(s, origin) + " " + x + ": " + (fits ? why : "too large") + (why.contains("e.g.") ? "" : ", e.g. " + example(s, origin)));
        }
    }

    private static void text(List<String> problems, Map<String, String> origin, Map<String, Object> v, String name,
                             java.util.function.Predicate<String> ok, String why) {
        if (v.get(name) instanceof String t && !ok.test(t)) {
            Setting s = ALL.get(name);
            problems.add(where(s, origin) + " '" + t + "': " + why + "; " + s.meaning());
        }
    }

    private static String nearest32(Object size) {
        long s = size instanceof Long l ? l : 64;
        long down = s / 32 * 32;
        return down < 32 ? "32" : down + " or " + (down + 32);
    }

    /** "--steps" for flags, {@code file "steps"} for a config file, "preset setting steps" otherwise. */
    static String where(Setting s, Map<String, String> origin) {
        String o = origin.get(s.name());
        if (o == null) return "the preset's " + s.name();
        return o.equals("flags") ? s.flag() : o + " \"" + s.name() + "\"";
    }

    private static String example(Setting s, Map<String, String> origin) {
        String o = origin.get(s.name());
        return o != null && !o.equals("flags") ? "\"" + s.name() + "\": " + (s.kind() == Kind.TEXT ? "\"" + s.example() + "\"" : s.example())
                : s.flag() + " " + s.example();
    }

    private static String shown(JsonNode n) {
        if (n == null || n.isNull()) return "(missing)";
        return n.isTextual() ? "'" + n.asText() + "'" : n.toString();
    }
}
