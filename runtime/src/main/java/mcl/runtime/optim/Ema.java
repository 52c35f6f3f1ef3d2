package mcl.runtime.optim;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * The target encoder as an exponential moving average of the online one: after every step,
 * {@code target = m * target + (1 - m) * online} for each wrapped pair. BN running buffers are not
 * wrapped (the recipe does not average them).
 */
public final class Ema {
    /** One online tensor and the target tensor that follows it (same size). */
    public record Pair(String name, FloatBuffer online, FloatBuffer target) {
        public Pair {
            if (online.capacity() != target.capacity()) {
                throw new IllegalArgumentException(name + ": online has " + online.capacity() + " elements, target " + target.capacity());
            }
        }
    }

    private final List<Pair> pairs;

    public Ema(List<Pair> pairs) {
        this.pairs = List.copyOf(pairs);
    }

    public List<Pair> pairs() { return pairs; }

    /** Moves every target towards its online tensor with momentum {@code m} (1 = frozen). */
    public void update(double m) {
        float keep = (float) m;
        float take = (float) (1 - m);
        for (Pair p : pairs) {
            FloatBuffer o = p.online();
            FloatBuffer t = p.target();
            int n = o.capacity();
            for (int i = 0; i < n; i++) t.put(i, t.get(i) * keep + o.get(i) * take);
        }
    }
}
