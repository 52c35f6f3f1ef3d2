package mcl.runtime.optim;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Updates parameters in place from their gradients.
 *
 * <p>Lifecycle: construct over the {@link Trainable}s (this allocates the state, e.g. momentum
 * buffers, as zeros); call {@link #step} once per iteration after the gradients have been written
 * (and clipped); for a checkpoint read {@link #state()}, and to resume write the saved values back
 * into the same buffers before the next step. The optimiser never allocates per step.
 */
public interface Optimizer {
    /** One update of every parameter with the iteration's learning rate. */
    void step(double lr);

    /**
     * The optimiser's state by name ("&lt;param&gt;.momentum"), as live direct buffers: reading them
     * gives a checkpoint, writing into them restores one.
     */
    Map<String, FloatBuffer> state();
}
