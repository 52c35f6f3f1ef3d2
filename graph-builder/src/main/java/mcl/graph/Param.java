package mcl.graph;

import mcl.graph.init.Init;

/**
 * A named parameter declared by a layer. Its name is the scope path plus the local name, e.g.
 * "backbone.body.layer1.0.conv1.weight", equal to the torchvision state_dict key.
 *
 * @param tensor the graph value; it becomes a graph input (or an embedded initializer on export)
 *               only if some node reads it
 */
public record Param(String name, long[] shape, Init init, Role role, Tensor tensor) {
    public enum Role {
        /** Updated by the optimiser; the training graph emits its gradient. */
        TRAINABLE,
        /** State that is not trained by gradient, e.g. BN running statistics. */
        BUFFER
    }

    public long numel() { return Shapes.numel(shape); }

    public boolean trainable() { return role == Role.TRAINABLE; }
}
