package mcl.runtime.train;

import java.util.List;
import mcl.runtime.optim.Trainable;

/**
 * Where data-parallel training plugs in: after every replica has written its gradients and before
 * clipping, the exchange leaves each replica holding the average over all replicas (an
 * all-reduce). Single-process training uses {@link #LOCAL}, which has nothing to exchange.
 */
public interface GradientExchange {
    /** Averages the gradients of {@code params} across replicas, in place. */
    void allReduce(List<Trainable> params);

    /** Number of replicas; the global batch is replicas x the per-replica batch. */
    int replicas();

    GradientExchange LOCAL = new GradientExchange() {
        public void allReduce(List<Trainable> params) { }

        public int replicas() { return 1; }
    };
}
