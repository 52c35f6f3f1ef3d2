package mcl.runtime.optim;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mcl.runtime.ort.DirectBuffers;

/**
 * LARS as the MCL/OpenSelfSup release runs it, per parameter w with gradient g:
 * <pre>
 * local_lr = eta * ||w|| / (||g|| + wd * ||w||)     (1 where excluded: biases, norm layers)
 * d        = (g + wd * w) * local_lr * lr           (wd = 0 where excluded)
 * buf      = momentum * buf + d;   w -= buf
 * </pre>
 * Where ||w|| or ||g|| is zero the ratio is undefined (0/0 on a freshly zeroed tensor) and
 * local_lr = 1 is used instead, as LARC does.
 */
public final class Lars implements Optimizer {
    /** The recipe's values: momentum 0.9, eta 0.001, weight decay 1e-5. */
    public record Settings(double momentum, double eta, double weightDecay) {
        public static final Settings RECIPE = new Settings(0.9, 0.001, 1e-5);
    }

    private final List<Trainable> params;
    private final FloatBuffer[] momentum;
    private final Settings settings;
    private final Map<String, FloatBuffer> state = new LinkedHashMap<>();

    public Lars(List<Trainable> params, Settings settings) {
        this.params = List.copyOf(params);
        this.settings = settings;
        this.momentum = new FloatBuffer[this.params.size()];
        for (int k = 0; k < momentum.length; k++) {
            Trainable p = this.params.get(k);
            momentum[k] = DirectBuffers.floats(p.size());
            state.put(p.name() + ".momentum", momentum[k]);
        }
    }

    @Override
    public void step(double lr) {
        float mom = (float) settings.momentum();
        for (int k = 0; k < momentum.length; k++) {
            Trainable p = params.get(k);
            FloatBuffer w = p.value();
            FloatBuffer g = p.grad();
            FloatBuffer buf = momentum[k];
            double wd = p.weightDecay() ? settings.weightDecay() : 0;
            double local = 1;
            if (p.lars()) {
                double wn = Math.sqrt(sumSquares(w));
                double gn = Math.sqrt(sumSquares(g));
                if (wn > 0 && gn > 0) local = settings.eta() * wn / (gn + wd * wn);
            }
            float scale = (float) (local * lr);
            float decay = (float) wd;
            int n = p.size();
            for (int i = 0; i < n; i++) {
                float wi = w.get(i);
                float d = (g.get(i) + decay * wi) * scale;
                float b = mom * buf.get(i) + d;
                buf.put(i, b);
                w.put(i, wi - b);
            }
        }
    }

    @Override
    public Map<String, FloatBuffer> state() { return state; }

    /** Sum of squares in double: float accumulation over millions of weights loses digits. */
    public static double sumSquares(FloatBuffer b) {
        double s = 0;
        int n = b.capacity();
        for (int i = 0; i < n; i++) {
            double v = b.get(i);
            s += v * v;
        }
        return s;
    }
}
