package mcl.runtime.validate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.Op;
import mcl.onnx.OnnxProto.GraphProto;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.onnx.OnnxProto.NodeProto;
import mcl.onnx.OnnxProto.OperatorSetIdProto;
import mcl.onnx.OnnxProto.TensorProto;
import mcl.onnx.OnnxProto.ValueInfoProto;

/**
 * Structural checks on the ModelProto alone (no runtime): what the ONNX checker checks, for any
 * model ({@link #onnx}); mcl's contract for our own graphs ({@link #mcl}: the pinned opset and
 * default domain, our closed op set, fully declared shapes, the training-graph convention); and
 * agreement with a graph folder's manifest.
 */
final class StructureCheck {
    /** Op types mcl's builder emits. */
    static final Set<String> KNOWN_OPS = Arrays.stream(Op.values()).map(o -> o.onnxName).collect(Collectors.toSet());
    static final String LOSS = "loss";
    static final String GRAD = "grad.";

    private StructureCheck() { }

    /**
     * What the ONNX checker checks, for any model: an IR version, an opset import for the default
     * domain and for every domain a node uses, default-domain ops that exist at the imported opset,
     * every value defined once and before use (the nodes in topological order), typed inputs and
     * outputs, and initializer sizes that match their dims.
     */
    static List<String> onnx(ModelProto m) {
        List<String> p = new ArrayList<>();
        if (m.getIrVersion() <= 0) p.add("ir_version is not set");
        Map<String, Long> opsets = new HashMap<>();
        for (OperatorSetIdProto o : m.getOpsetImportList()) opsets.put(isDefault(o.getDomain()) ? "" : o.getDomain(), o.getVersion());
        Long opset = opsets.get("");
        if (opset == null) p.add("no opset import for the default ONNX domain");

        GraphProto g = m.getGraph();
        Set<String> defined = new HashSet<>();
        Map<String, String> declaredTwice = new LinkedHashMap<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!defined.add(v.getName())) declaredTwice.put(v.getName(), "graph input");
            p.addAll(typed(v, "input"));
        }
        for (TensorProto t : g.getInitializerList()) {
            defined.add(t.getName());
            String bad = initializerSize(t);
            if (bad != null) p.add(bad);
        }
        for (NodeProto n : g.getNodeList()) {
            String where = "node '" + n.getName() + "' (" + n.getOpType() + ")";
            String domain = isDefault(n.getDomain()) ? "" : n.getDomain();
            if (!opsets.containsKey(domain)) {
                p.add(where + " uses domain '" + domain + "' but the model imports no opset for it");
            } else if (domain.isEmpty() && opset != null) {
                Integer since = OnnxOps.firstOpset(n.getOpType());
                if (since == null && opset <= OnnxOps.TABLE_OPSET) p.add(where + ": '" + n.getOpType() + "' is not an ONNX operator");
                else if (since != null && since > opset) p.add(where + ": '" + n.getOpType() + "' needs opset " + since + " or later, the model imports " + opset);
            }
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && !defined.contains(in)) p.add(where + " reads '" + in + "' before anything defines it");
            }
            for (String out : n.getOutputList()) {
                if (!out.isEmpty() && !defined.add(out)) declaredTwice.put(out, where);
            }
        }
        declaredTwice.forEach((name, by) -> p.add("value '" + name + "' is defined twice (again by " + by + ")"));
        for (ValueInfoProto v : g.getOutputList()) {
            if (!defined.contains(v.getName())) p.add("graph output '" + v.getName() + "' is never computed");
            p.addAll(typed(v, "output"));
        }
        return p;
    }

    /**
     * mcl's own contract, on top of {@link #onnx}: opset {@link Graph#OPSET} of the default domain
     * only, the op set our builder emits, fully declared shapes, and the training-graph convention.
     */
    static List<String> mcl(ModelProto m) {
        List<String> p = new ArrayList<>();
        for (OperatorSetIdProto o : m.getOpsetImportList()) {
            if (!isDefault(o.getDomain())) p.add("opset import of non-default domain '" + o.getDomain() + "'");
            else if (o.getVersion() != Graph.OPSET) p.add("default-domain opset is " + o.getVersion() + ", mcl graphs use opset " + Graph.OPSET);
        }
        for (NodeProto n : m.getGraph().getNodeList()) {
            if (isDefault(n.getDomain()) && !KNOWN_OPS.contains(n.getOpType())) {
                p.add("node '" + n.getName() + "' (" + n.getOpType() + "): op type is not one mcl emits");
            }
        }
        for (ValueInfoProto v : m.getGraph().getInputList()) p.addAll(declaration(v, "input"));
        for (ValueInfoProto v : m.getGraph().getOutputList()) p.addAll(declaration(v, "output"));
        p.addAll(trainingConvention(byName(m.getGraph().getInputList()), byName(m.getGraph().getOutputList())));
        return p;
    }

    /** Inputs and outputs need a tensor type with an element type; shapes may be partly unknown. */
    private static List<String> typed(ValueInfoProto v, String kind) {
        if (!v.hasType() || !v.getType().hasTensorType()) return List.of(kind + " '" + v.getName() + "' has no tensor type");
        if (v.getType().getTensorType().getElemType() == 0) return List.of(kind + " '" + v.getName() + "' has no element type");
        return List.of();
    }

    /** Training graphs: a scalar float "loss" and, per "grad.X", an input X of the same type and shape. */
    static List<String> trainingConvention(Map<String, Declared> inputs, Map<String, Declared> outputs) {
        List<String> p = new ArrayList<>();
        boolean hasGrads = outputs.keySet().stream().anyMatch(n -> n.startsWith(GRAD));
        Declared loss = outputs.get(LOSS);
        if (hasGrads && loss == null) p.add("grad.* outputs but no 'loss' output");
        if (loss != null && (loss.sizes().stream().anyMatch(s -> s == null || s != 1) || loss.elemType() != DType.FLOAT.onnxCode)) {
            p.add("output 'loss' must be a float scalar, is " + loss.describe());
        }
        for (Declared d : outputs.values()) {
            if (!d.name().startsWith(GRAD)) continue;
            Declared param = inputs.get(d.name().substring(GRAD.length()));
            if (param == null) p.add("output '" + d.name() + "' has no parameter input '" + d.name().substring(GRAD.length()) + "'");
            else if (!param.describe().equals(d.describe())) p.add("output '" + d.name() + "' is " + d.describe() + " but its parameter is " + param.describe());
        }
        return p;
    }

    /** Disagreements between the model and its manifest entry (as {@code GraphManifest.describe} writes it). */
    static List<String> manifest(ModelProto m, JsonNode entry) {
        List<String> p = new ArrayList<>();
        JsonNode opset = entry.get("opset");
        OperatorSetIdProto dflt = m.getOpsetImportList().stream().filter(o -> isDefault(o.getDomain())).findFirst().orElse(null);
        if (opset != null && (dflt == null || dflt.getVersion() != opset.asLong())) {
            p.add("manifest says opset " + opset.asLong() + ", model imports " + (dflt == null ? "none" : dflt.getVersion()));
        }
        p.addAll(sameValues("input", entry.get("inputs"), byName(m.getGraph().getInputList())));
        p.addAll(sameValues("output", entry.get("outputs"), byName(m.getGraph().getOutputList())));
        return p;
    }

    private static List<String> sameValues(String kind, JsonNode listed, Map<String, Declared> model) {
        List<String> p = new ArrayList<>();
        if (listed == null || !listed.isArray()) {
            p.add("manifest has no " + kind + "s list");
            return p;
        }
        Set<String> seen = new HashSet<>();
        for (JsonNode v : listed) {
            String name = v.path("name").asText();
            seen.add(name);
            Declared d = model.get(name);
            if (d == null) {
                p.add("manifest " + kind + " '" + name + "' is not a model " + kind);
                continue;
            }
            List<Long> shape = new ArrayList<>();
            v.path("shape").forEach(x -> shape.add(x.asLong()));
            String dtype = v.path("dtype").asText();
            boolean shapeOk = shape.size() == d.rank();
            for (int i = 0; shapeOk && i < shape.size(); i++) shapeOk = d.sizes().get(i) == null || d.sizes().get(i).equals(shape.get(i));
            if (!shapeOk || !dtype.equals(Declared.typeName(d.elemType()))) {
                p.add(kind + " '" + name + "': manifest says " + dtype + shape.toString().replace(" ", "") + ", model declares " + d.describe());
            }
        }
        for (String name : model.keySet()) {
            if (!seen.contains(name)) p.add("model " + kind + " '" + name + "' is missing from the manifest");
        }
        return p;
    }

    /** mcl declares every dimension (a size or a name). */
    private static List<String> declaration(ValueInfoProto v, String kind) {
        if (!v.hasType() || !v.getType().hasTensorType()) return List.of();
        var tt = v.getType().getTensorType();
        List<String> p = new ArrayList<>();
        if (!tt.hasShape()) {
            p.add(kind + " '" + v.getName() + "' has no shape");
        } else {
            for (var d : tt.getShape().getDimList()) {
                if (!(d.hasDimValue() && d.getDimValue() > 0) && !(d.hasDimParam() && !d.getDimParam().isEmpty())) {
                    p.add(kind + " '" + v.getName() + "' has an undeclared or non-positive dimension: " + Declared.of(v).describe());
                    break;
                }
            }
        }
        return p;
    }

    private static String initializerSize(TensorProto t) {
        long numel = 1;
        for (long d : t.getDimsList()) numel *= d;
        int bytes = switch (t.getDataType()) {
            case 1 -> 4;      // float
            case 7, 11 -> 8;  // int64, double
            case 9 -> 1;      // bool
            default -> 0;
        };
        if (!t.hasRawData() || bytes == 0) return null; // typed fields or other types: left to ORT
        long expected = numel * bytes;
        return t.getRawData().size() == expected ? null
                : "initializer '" + t.getName() + "' has " + t.getRawData().size() + " bytes, its dims need " + expected;
    }

    static Map<String, Declared> byName(List<ValueInfoProto> values) {
        Map<String, Declared> out = new LinkedHashMap<>();
        for (ValueInfoProto v : values) out.put(v.getName(), Declared.of(v));
        return out;
    }

    static boolean isDefault(String domain) { return domain.isEmpty() || domain.equals("ai.onnx"); }

}
