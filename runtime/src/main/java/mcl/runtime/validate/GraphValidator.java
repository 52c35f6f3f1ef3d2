package mcl.runtime.validate;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import mcl.graph.Graph;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.tensors.HostTensor;

/**
 * {@code mcl validate}: checks a graph folder ({@code manifest.json} plus the models it lists, as
 * {@code mcl graphs} writes it) or one {@code .onnx} file. Per model: structure (in Java, on the
 * ModelProto), agreement with the manifest, loading in ONNX Runtime, one run on deterministic
 * random input with finite outputs of the declared shapes, and for training graphs ({@code loss}
 * and {@code grad.<param>} outputs) a finite-difference spot check of the gradients.
 */
public final class GraphValidator {
    public static final String MANIFEST = "manifest.json";
    public static final int DEFAULT_GRADIENT_ENTRIES = 6;

    private GraphValidator() { }

    /** Validates {@code path}; a path that is neither a graph folder nor an .onnx file is an IllegalArgumentException. */
    public static ValidationReport validate(Path path, int gradientEntries) throws IOException {
        return validate(path, gradientEntries, Map.of());
    }

    /**
     * @param dims sizes for named symbolic dimensions of the inputs (others get
     *             {@link Feeds#SYMBOLIC_SIZE}, unnamed unknown ones 1)
     */
    public static ValidationReport validate(Path path, int gradientEntries, Map<String, Long> dims) throws IOException {
        ValidationReport r = new ValidationReport(path.toString());
        if (Files.isDirectory(path)) {
            validateFolder(r, path, gradientEntries, dims);
        } else if (Files.isRegularFile(path) && path.toString().endsWith(".onnx")) {
            validateModel(r, path.getFileName().toString(), Files.readAllBytes(path), null, gradientEntries, dims);
        } else {
            throw new IllegalArgumentException(path + " is neither a graph folder (with " + MANIFEST + ") nor an .onnx file");
        }
        return r;
    }

    private static void validateFolder(ValidationReport r, Path dir, int gradientEntries, Map<String, Long> dims) throws IOException {
        Path mf = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(mf)) {
            r.fail(MANIFEST, "manifest", "missing in " + dir + " (a graph folder as `mcl graphs` writes it, or give one .onnx file)");
            return;
        }
        JsonNode graphs;
        try {
            graphs = new ObjectMapper().readTree(mf.toFile()).get("graphs");
        } catch (IOException e) {
            r.fail(MANIFEST, "manifest", "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
            return;
        }
        if (graphs == null || !graphs.isObject() || graphs.isEmpty()) {
            r.fail(MANIFEST, "manifest", "has no \"graphs\" object naming the model files");
            return;
        }
        Set<String> listed = new HashSet<>();
        for (var it = graphs.fields(); it.hasNext(); ) {
            var e = it.next();
            listed.add(e.getKey());
            Path model = dir.resolve(e.getKey());
            if (!Files.isRegularFile(model)) r.fail(e.getKey(), "manifest", "listed in " + MANIFEST + " but missing from " + dir);
            else validateModel(r, e.getKey(), Files.readAllBytes(model), e.getValue(), gradientEntries, dims);
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".onnx") && !listed.contains(n)).sorted()
                    .forEach(n -> r.fail(n, "manifest", "model file is not described in " + MANIFEST));
        }
    }

    /**
     * One model: the ONNX checks for any model; mcl's contract on top when the model is one of
     * ours (described by a manifest, or produced by mcl).
     */
    static void validateModel(ValidationReport r, String label, byte[] bytes, JsonNode manifestEntry, int gradientEntries, Map<String, Long> dims) {
        ModelProto m;
        try {
            m = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            r.fail(label, "structure", "not an ONNX ModelProto: " + e.getMessage());
            return;
        }
        boolean ours = manifestEntry != null || "mcl".equals(m.getProducerName());
        report(r, label, "structure", StructureCheck.onnx(m), String.format("ir %d, opset %s, %d nodes, %d inputs, %d outputs%s",
                m.getIrVersion(), m.getOpsetImportList().stream().map(o -> (o.getDomain().isEmpty() ? "ai.onnx" : o.getDomain()) + ":" + o.getVersion()).toList(),
                m.getGraph().getNodeCount(), m.getGraph().getInputCount(), m.getGraph().getOutputCount(),
                m.getProducerName().isEmpty() ? "" : ", producer " + m.getProducerName() + " " + m.getProducerVersion()));
        if (ours) report(r, label, "mcl-contract", StructureCheck.mcl(m), "opset " + Graph.OPSET + ", default domain, mcl's op set, declared shapes");
        if (manifestEntry != null) report(r, label, "manifest", StructureCheck.manifest(m, manifestEntry), "inputs, outputs and opset agree");

        try (OrtRunner ort = new OrtRunner(bytes)) {
            r.add(label, "ort-load", true, "ONNX Runtime accepted the model");
            runOnce(r, label, m, ort, gradientEntries, dims);
        } catch (OrtException | RuntimeException e) {
            boolean loaded = r.findings().stream().anyMatch(f -> f.model().equals(label) && f.check().equals("ort-load"));
            r.fail(label, loaded ? "run" : "ort-load", oneLine(e.getMessage()));
        }
    }

    private static void runOnce(ValidationReport r, String label, ModelProto m, OrtRunner ort, int gradientEntries, Map<String, Long> dims)
            throws OrtException {
        Set<String> initializers = new HashSet<>();
        m.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        List<Declared> inputs = new ArrayList<>();
        m.getGraph().getInputList().stream().filter(v -> !initializers.contains(v.getName())).forEach(v -> inputs.add(Declared.of(v)));
        Map<String, Long> bound = new java.util.TreeMap<>();
        for (Declared d : inputs) {
            for (int i = 0; i < d.rank(); i++) {
                String s = d.symbols().get(i);
                if (d.sizes().get(i) == null && s != null) bound.put(s, dims.getOrDefault(s, Feeds.SYMBOLIC_SIZE));
            }
        }
        for (String s : dims.keySet()) {
            if (!bound.containsKey(s)) throw new IllegalArgumentException("--dim " + s + ": no input has a dimension named '" + s + "'"
                    + (bound.isEmpty() ? "; the inputs have no named dimensions" : "; named dimensions: " + String.join(", ", bound.keySet())));
        }
        Map<String, HostTensor> feed = Feeds.forInputs(inputs, bound);
        Map<String, OrtRunner.Values> out = ort.run(feed, ort.outputNames());

        List<String> problems = new ArrayList<>();
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (Declared d : StructureCheck.byName(m.getGraph().getOutputList()).values()) {
            OrtRunner.Values v = out.get(d.name());
            if (v == null) {
                problems.add("output '" + d.name() + "' was not produced");
                continue;
            }
            String shapeProblem = d.shaped() ? shapeMismatch(d, v.shape(), bound) : null;
            if (shapeProblem != null) problems.add(shapeProblem);
            int bad = 0;
            int first = -1;
            for (int i = 0; i < v.data().length; i++) {
                if (!Double.isFinite(v.data()[i])) {
                    if (bad++ == 0) first = i;
                }
            }
            if (bad > 0) problems.add("output '" + d.name() + "' has " + bad + " non-finite values of " + v.data().length + " (first at flat index " + first + ": " + v.data()[first] + ")");
            if (d.name().startsWith(StructureCheck.GRAD) && feed.containsKey(d.name().substring(StructureCheck.GRAD.length()))) {
                grads.put(d.name().substring(StructureCheck.GRAD.length()), v.data());
            }
        }
        String dimsUsed = bound.isEmpty() ? "" : ", named dims " + bound.toString().replaceAll("[{}]", "") + " (--dim NAME=N to choose)";
        report(r, label, "run", problems, out.size() + " outputs finite and shaped as declared (inputs: deterministic random" + dimsUsed + ")");
        if (!problems.isEmpty() || grads.isEmpty() || !out.containsKey(StructureCheck.LOSS)) return;

        List<GradientCheck.Entry> entries = GradientCheck.run(ort, feed, grads, gradientEntries);
        List<String> wrong = entries.stream().filter(e -> !e.ok()).map(GradientCheck.Entry::describe).toList();
        report(r, label, "gradient", wrong, entries.size() + " gradient entries agree with central differences ("
                + entries.stream().map(e -> e.param() + "[" + e.index() + "]").collect(java.util.stream.Collectors.joining(", ")) + ")");
    }

    private static String shapeMismatch(Declared d, long[] actual, Map<String, Long> bound) {
        boolean ok = actual.length == d.rank();
        for (int i = 0; ok && i < actual.length; i++) {
            Long want = d.sizes().get(i) != null ? d.sizes().get(i) : bound.get(d.symbols().get(i));
            ok = want == null ? actual[i] > 0 : want == actual[i];
        }
        return ok ? null : "output '" + d.name() + "' came out " + java.util.Arrays.toString(actual).replace(" ", "") + ", declared " + d.describe();
    }

    private static void report(ValidationReport r, String label, String check, List<String> problems, String okDetail) {
        if (problems.isEmpty()) r.add(label, check, true, okDetail);
        else problems.forEach(p -> r.fail(label, check, p));
    }

    private static String oneLine(String s) {
        return s == null ? "unknown error" : s.replaceAll("\\s+", " ").strip();
    }
}
