package mcl.graph;

import java.util.List;

/** One ONNX node: an op, its inputs, its outputs and its typed attributes. */
public final class Node {
    private final Op op;
    private final String name;
    private final List<Tensor> inputs;
    private final Attrs attrs;
    private List<Tensor> outputs;

    Node(Op op, String name, List<Tensor> inputs, Attrs attrs) {
        this.op = op;
        this.name = name;
        // A null entry is an omitted optional input (written as "").
        this.inputs = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(inputs));
        this.attrs = attrs;
    }

    void setOutputs(List<Tensor> outputs) { this.outputs = List.copyOf(outputs); }

    public Op op() { return op; }

    public String name() { return name; }

    public List<Tensor> inputs() { return inputs; }

    public List<Tensor> outputs() { return outputs; }

    public Tensor output(int i) { return outputs.get(i); }

    public Attrs attrs() { return attrs; }

    @SuppressWarnings("unchecked")
    public <A extends Attrs> A attrs(Class<A> type) { return (A) attrs; }
}
