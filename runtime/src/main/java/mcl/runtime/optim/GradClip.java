package mcl.runtime.optim;

import java.nio.FloatBuffer;
import java.util.List;

/** Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_. */
public final class GradClip {
    private GradClip() { }

    /** The L2 norm over all gradients together (NaN or infinite if any element is). */
    public static double globalNorm(List<Trainable> params) {
        double s = 0;
        for (Trainable p : params) s += Lars.sumSquares(p.grad());
        return Math.sqrt(s);
    }

    /**
     * Scales every gradient by max_norm / (norm + 1e-6) when that is below 1; {@code norm} is
     * {@link #globalNorm}, passed in because the caller has already computed it to check finiteness.
     */
    public static void clip(List<Trainable> params, double norm, double maxNorm) {
        double coef = maxNorm / (norm + 1e-6);
        if (!(coef < 1)) return;
        float c = (float) coef;
        for (Trainable p : params) {
            FloatBuffer g = p.grad();
            int n = g.capacity();
            for (int i = 0; i < n; i++) g.put(i, g.get(i) * c);
        }
    }
}
