package mcl.runtime.optim;

/** A value per iteration (0-based), e.g. the learning rate or the EMA momentum. */
@FunctionalInterface
public interface Schedule {
    double at(long step);

    /**
     * Linear warm-up into a cosine decay, composed as the released code's mmcv scheduler does: the
     * cosine runs over all {@code total} iterations from {@code base} to {@code floor}, and during
     * the first {@code warmup} iterations it is scaled by a factor rising linearly from
     * {@code warmupRatio} (at step 0) towards 1 (at step {@code warmup}).
     */
    static Schedule warmupCosine(double base, double floor, long warmup, double warmupRatio, long total) {
        if (total <= 0) throw new IllegalArgumentException("total steps must be positive, got " + total);
        if (warmup < 0 || warmup > total) throw new IllegalArgumentException("warm-up steps must be in 0.." + total + ", got " + warmup);
        return step -> {
            double cos = cosine(base, floor, step, total);
            if (step >= warmup) return cos;
            double k = (1 - (double) step / warmup) * (1 - warmupRatio);
            return cos * (1 - k);
        };
    }

    /** BYOL's target momentum: 1 - (1 - base) * (cos(pi k / K) + 1) / 2, from {@code base} at 0 to 1 at K. */
    static Schedule emaMomentum(double base, long total) {
        if (total <= 0) throw new IllegalArgumentException("total steps must be positive, got " + total);
        return step -> 1 - (1 - base) * (Math.cos(Math.PI * Math.min(step, total) / total) + 1) / 2;
    }

    /** The recipe's learning-rate scaling: base_lr * batch / 256. */
    static double scaledLr(double baseLr, int globalBatch) { return baseLr * globalBatch / 256.0; }

    private static double cosine(double start, double end, long step, long total) {
        double f = Math.min(step, total) / (double) total;
        return end + 0.5 * (start - end) * (Math.cos(Math.PI * f) + 1);
    }
}
