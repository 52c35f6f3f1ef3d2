package mcl.graph;

import java.util.Arrays;

/**
 * A typed handle to a value in a {@link Graph}: a data input, a parameter, a constant or a node
 * output. Shapes are static; every op checks them when its node is created.
 */
public final class Tensor {
    private final Graph graph;
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final Node producer;

    Tensor(Graph graph, String name, DType dtype, long[] shape, Node producer) {
        this.graph = graph;
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.producer = producer;
    }

    public Graph graph() { return graph; }

    public String name() { return name; }

    public DType dtype() { return dtype; }

    public long[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    /** Size of dimension {@code i}; negative indices count from the end. */
    public long dim(int i) { return shape[i < 0 ? shape.length + i : i]; }

    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** The node that computes this tensor, or null for inputs, parameters and constants. */
    public Node producer() { return producer; }

    /** "name float[2,3]": the form every error message uses. */
    public String describe() {
        return "'" + name + "' " + dtype.shortName() + Shapes.str(shape);
    }

    @Override
    public String toString() { return describe(); }

    boolean sameShape(long... other) { return Arrays.equals(shape, other); }
}
