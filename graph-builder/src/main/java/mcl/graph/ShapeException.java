package mcl.graph;

/** Thrown when an op is created with inputs whose shapes or types do not fit; names op, node and tensors. */
public final class ShapeException extends IllegalArgumentException {
    public ShapeException(String message) {
        super(message);
    }
}
