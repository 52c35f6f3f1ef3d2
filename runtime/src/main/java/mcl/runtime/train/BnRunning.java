package mcl.runtime.train;

import java.nio.FloatBuffer;

/**
 * BN running statistics from a graph's batch statistics, as torch BatchNorm updates them
 * (momentum 0.1, unbiased batch variance). The graphs only output batch mean and variance: a
 * graph cannot update its own inputs, so the running buffers are blended here.
 */
public final class BnRunning {
    /** torch BatchNorm's default momentum for running statistics. */
    public static final double MOMENTUM = 0.1;

    private BnRunning() { }

    /** running = (1 - 0.1) running + 0.1 batch, with the variance made unbiased by count / (count - 1). */
    public static void update(Weights w, Manifest.BnStat s, FloatBuffer mean, FloatBuffer var) {
        FloatBuffer rm = w.get(s.runningMean());
        FloatBuffer rv = w.get(s.runningVar());
        double unbias = s.count() > 1 ? (double) s.count() / (s.count() - 1) : 1;
        int n = rm.capacity();
        for (int i = 0; i < n; i++) {
            rm.put(i, (float) (MOMENTUM * mean.get(i) + (1 - MOMENTUM) * rm.get(i)));
            rv.put(i, (float) (MOMENTUM * var.get(i) * unbias + (1 - MOMENTUM) * rv.get(i)));
        }
    }
}
