package mcl.runtime.optim;

import java.nio.FloatBuffer;

/**
 * One trainable tensor as the optimiser sees it: its values and its gradient, both direct
 * buffers shared with ONNX Runtime (the graph reads {@code value} and writes {@code grad} in
 * place), and the recipe's per-parameter switches.
 *
 * @param lars        LARS trust-ratio adaptation applies (false for biases and norm parameters)
 * @param weightDecay weight decay applies (false for biases and norm parameters)
 */
public record Trainable(String name, FloatBuffer value, FloatBuffer grad, boolean lars, boolean weightDecay) {
    public Trainable {
        if (value.capacity() != grad.capacity()) {
            throw new IllegalArgumentException(name + ": value has " + value.capacity() + " elements, gradient " + grad.capacity());
        }
    }

    public int size() { return value.capacity(); }
}
