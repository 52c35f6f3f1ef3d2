package mcl.graph;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The machine-readable description of a graph's interface: data inputs, outputs and parameters
 * with shape, dtype, initialiser and role. Callers add their own fields (preset, hyper-parameters).
 */
public final class GraphManifest {
    public static final ObjectMapper JSON = new ObjectMapper();

    private GraphManifest() { }

    public static ObjectNode describe(Graph g) {
        ObjectNode root = JSON.createObjectNode();
        root.put("graph", g.name());
        root.put("opset", Graph.OPSET);
        root.put("ir_version", OnnxExport.IR_VERSION);
        ArrayNode inputs = root.putArray("inputs");
        for (Tensor t : g.inputs()) inputs.add(value(t, "data"));
        Set<String> fedParams = OnnxExport.usedParams(g).stream().map(Param::name).collect(Collectors.toSet());
        for (Param p : g.params()) {
            if (fedParams.contains(p.name())) inputs.add(value(p.tensor(), p.trainable() ? "parameter" : "buffer"));
        }
        ArrayNode outputs = root.putArray("outputs");
        g.outputs().forEach((name, t) -> outputs.add(value(t, "output")));
        ArrayNode params = root.putArray("parameters");
        for (Param p : g.params()) {
            ObjectNode o = params.addObject();
            o.put("name", p.name());
            shape(o, p.shape());
            o.put("init", p.init().describe());
            o.put("role", p.trainable() ? "trainable" : "buffer");
            o.put("graph_input", fedParams.contains(p.name()));
        }
        return root;
    }

    private static ObjectNode value(Tensor t, String role) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", t.name());
        o.put("dtype", t.dtype().shortName());
        shape(o, t.shape());
        o.put("role", role);
        return o;
    }

    private static void shape(ObjectNode o, long[] shape) {
        ArrayNode a = o.putArray("shape");
        for (long d : shape) a.add(d);
    }
}
