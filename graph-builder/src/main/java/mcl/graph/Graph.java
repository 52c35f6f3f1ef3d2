package mcl.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mcl.graph.init.Init;

/**
 * A computation graph under construction: data inputs, parameters, constants, nodes (kept in
 * creation order, which is a topological order) and named outputs.
 *
 * <p>Names are deterministic. Parameters take the scope path ({@link #scope}) plus their local
 * name, so they equal torchvision state_dict keys; nodes are named "scope/OpType_k".
 */
public final class Graph {
    /** The one ONNX opset every graph is written for (default domain only). */
    public static final int OPSET = 17;

    private final String name;
    private final Deque<String> scopes = new ArrayDeque<>();
    private final List<Tensor> inputs = new ArrayList<>();
    private final Map<String, Param> params = new LinkedHashMap<>();
    private final Map<Tensor, Param> paramOf = new HashMap<>();
    private final Map<String, Constant> constants = new LinkedHashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Tensor> outputs = new LinkedHashMap<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private final java.util.Set<String> names = new java.util.HashSet<>();
    private final Map<Tensor, CustomGradient> customGradients = new HashMap<>();

    /** A constant baked into the graph; {@code data} is float[], double[] or long[]. */
    public record Constant(Tensor tensor, Object data) { }

    public Graph(String name) {
        this.name = name;
    }

    public String name() { return name; }

    // ---- naming -------------------------------------------------------------------------

    /** Opens a name scope; close it (try-with-resources) to leave it. */
    public Scope scope(String part) {
        if (part.isEmpty() || part.contains("/")) throw new IllegalArgumentException("bad scope name '" + part + "'");
        scopes.addLast(part);
        return new Scope(part);
    }

    /** Closes the scope it was opened for. */
    public final class Scope implements AutoCloseable {
        private final String part;
        private boolean closed;

        private Scope(String part) { this.part = part; }

        @Override
        public void close() {
            if (closed) return;
            if (!part.equals(scopes.peekLast())) throw new IllegalStateException("scope '" + part + "' closed out of order");
            scopes.removeLast();
            closed = true;
        }
    }

    /** The current scope path joined by dots, plus {@code local} ("layer1.0.conv1.weight"). */
    public String qualified(String local) {
        if (scopes.isEmpty()) return local;
        return String.join(".", scopes) + (local.isEmpty() ? "" : "." + local);
    }

    private String claim(String n) {
        if (!names.add(n)) throw new IllegalArgumentException("name '" + n + "' is already used in graph '" + name + "'");
        return n;
    }

    // ---- leaves -------------------------------------------------------------------------

    /** A data input fed at run time. */
    public Tensor input(String inputName, DType dtype, long... shape) {
        Tensor t = new Tensor(this, claim(inputName), dtype, shape, null);
        inputs.add(t);
        return t;
    }

    private boolean reuseParams;

    /**
     * While open, declaring a parameter that already exists returns the existing one (same shape
     * required): a second application of a network with shared weights, e.g. the other view.
     */
    public AutoCloseable reuseParams() {
        boolean before = reuseParams;
        reuseParams = true;
        return () -> reuseParams = before;
    }

    /** Declares a float parameter named {@code qualified(local)}. */
    public Tensor param(String local, Init init, Param.Role role, long... shape) {
        String full = qualified(local);
        Param existing = params.get(full);
        if (existing != null && reuseParams) {
            if (!java.util.Arrays.equals(existing.shape(), shape) || existing.role() != role) {
                throw new ShapeException("shared parameter '" + full + "' is " + Shapes.str(existing.shape()) + " but is reused as " + Shapes.str(shape));
            }
            return existing.tensor();
        }
        Tensor t = new Tensor(this, claim(full), DType.FLOAT, shape, null);
        Param p = new Param(full, shape.clone(), init, role, t);
        params.put(full, p);
        paramOf.put(t, p);
        return t;
    }

    public Tensor constant(long[] values, long... shape) {
        return constant(DType.INT64, values.clone(), shape, Arrays.toString(values));
    }

    public Tensor constant(float[] values, long... shape) {
        return constant(DType.FLOAT, values.clone(), shape, Arrays.toString(values));
    }

    public Tensor constant(double[] values, long... shape) {
        return constant(DType.DOUBLE, values.clone(), shape, Arrays.toString(values));
    }

    /** A scalar of the given floating type. */
    public Tensor scalar(double value, DType dtype) {
        return dtype == DType.DOUBLE ? constant(new double[] {value}) : constant(new float[] {(float) value});
    }

    /** A 1-d int64 constant, the form ONNX takes for shapes, axes and slice bounds. */
    public Tensor ints(long... values) {
        return constant(values, values.length);
    }

    private Tensor constant(DType dtype, Object data, long[] shape, String valueKey) {
        if (Shapes.numel(shape) != java.lang.reflect.Array.getLength(data)) {
            throw new ShapeException("constant of shape " + Shapes.str(shape) + " given "
                    + java.lang.reflect.Array.getLength(data) + " values");
        }
        String key = dtype + Shapes.str(shape) + valueKey;
        Constant c = constants.get(key);
        if (c == null) {
            Tensor t = new Tensor(this, claim("const." + constants.size()), dtype, shape, null);
            c = new Constant(t, data);
            constants.put(key, c);
        }
        return c.tensor();
    }

    // ---- nodes --------------------------------------------------------------------------

    /** Output description used by op families when they create a node. */
    public record Out(DType dtype, long[] shape) { }

    /**
     * Appends a node. Op families call this after checking shapes; the outputs are created with the
     * given types and shapes.
     */
    public Node node(Op op, List<Tensor> in, Attrs attrs, Out... outs) {
        for (Tensor t : in) {
            if (t != null && t.graph() != this) throw new IllegalArgumentException(op.onnxName + ": input " + t + " belongs to another graph");
        }
        String prefix = scopes.isEmpty() ? "" : String.join(".", scopes) + "/";
        String base = prefix + op.onnxName;
        int k = counters.merge(base, 1, Integer::sum) - 1;
        // Node names live in their own namespace (unique by the counter); value names are claimed.
        Node node = new Node(op, base + "_" + k, in, attrs);
        List<Tensor> outTensors = new ArrayList<>();
        for (int i = 0; i < outs.length; i++) {
            String tn = outs.length == 1 ? node.name() : node.name() + ":" + i;
            outTensors.add(new Tensor(this, claim(tn), outs[i].dtype(), outs[i].shape(), node));
        }
        node.setOutputs(outTensors);
        nodes.add(node);
        return node;
    }

    /** Marks {@code t} as a graph output called {@code outputName} (via Identity when renamed). */
    public Tensor output(String outputName, Tensor t) {
        if (outputs.containsKey(outputName)) throw new IllegalArgumentException("output '" + outputName + "' declared twice");
        Tensor named = t;
        if (!t.name().equals(outputName)) {
            Node id = new Node(Op.IDENTITY, outputName + "/Identity", List.of(t), Attrs.NONE);
            named = new Tensor(this, claim(outputName), t.dtype(), t.shape(), id);
            id.setOutputs(List.of(named));
            nodes.add(id);
        }
        outputs.put(outputName, named);
        return named;
    }

    /**
     * Unmarks a graph output (for example statistics of a layer whose result no other output
     * reads), so the export can leave out everything only it needed.
     */
    public void dropOutput(String outputName) {
        if (outputs.remove(outputName) == null) throw new IllegalArgumentException("no output '" + outputName + "' to drop");
    }

    // ---- custom gradients ---------------------------------------------------------------

    /**
     * The closed-form backward of a composite (e.g. training-mode batch norm): autodiff uses it for
     * {@code output} instead of differentiating the composite's elementary nodes one by one.
     */
    public interface CustomGradient {
        /** The composite's differentiable inputs, in the order {@link #backward} returns their gradients. */
        List<Tensor> inputs();

        /** Gradients of the inputs (null = none) given the gradient of the output. */
        List<Tensor> backward(Tensor outputGrad);
    }

    public void customGradient(Tensor output, CustomGradient rule) {
        if (customGradients.put(output, rule) != null) throw new IllegalArgumentException(output + " already has a custom gradient");
    }

    public CustomGradient customGradientOf(Tensor output) { return customGradients.get(output); }

    // ---- views --------------------------------------------------------------------------

    public List<Tensor> inputs() { return Collections.unmodifiableList(inputs); }

    public List<Param> params() { return List.copyOf(params.values()); }

    public Param param(String fullName) { return params.get(fullName); }

    /** The parameter behind {@code t}, or null if {@code t} is not a parameter. */
    public Param paramOf(Tensor t) { return paramOf.get(t); }

    public List<Constant> constants() { return List.copyOf(constants.values()); }

    public List<Node> nodes() { return Collections.unmodifiableList(nodes); }

    public Map<String, Tensor> outputs() { return Collections.unmodifiableMap(outputs); }
}
