package mcl.runtime.validate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.graph.DType;
import mcl.graph.init.Initializer;
import mcl.tensors.HostTensor;

/**
 * Deterministic random inputs for one validation run, sized so a deep network stays finite when
 * it is correct: conv/linear weights U(+-sqrt(3/fan_in)) (variance 1/fan_in, so activations do
 * not grow layer by layer), BN scales and running variances in [0.5, 1.5], shifts and means
 * small, data U(-1, 1), integer inputs 0 (a valid index along any axis). Symbolic dimensions
 * are bound to {@link #SYMBOLIC_SIZE}.
 */
final class Feeds {
    static final long SYMBOLIC_SIZE = 2;
    private static final long SEED = 20240607L;

    private Feeds() { }

    /** @param dims the size of each named symbolic dimension; unnamed unknown dimensions get 1 */
    static Map<String, HostTensor> forInputs(List<Declared> inputs, Map<String, Long> dims) {
        Map<String, HostTensor> feed = new LinkedHashMap<>();
        for (Declared d : inputs) {
            long[] shape = new long[d.rank()];
            for (int i = 0; i < shape.length; i++) {
                String sym = d.symbols().get(i);
                shape[i] = d.sizes().get(i) != null ? d.sizes().get(i) : sym != null ? dims.getOrDefault(sym, SYMBOLIC_SIZE) : 1;
            }
            int n = Math.toIntExact(mcl.graph.Shapes.numel(shape));
            if (d.elemType() == DType.FLOAT.onnxCode) {
                feed.put(d.name(), HostTensor.of(values(d.name(), shape, n), shape));
            } else if (d.elemType() == DType.INT64.onnxCode) {
                feed.put(d.name(), HostTensor.ofLongs(new long[n], shape));
            } else {
                throw new IllegalArgumentException("input '" + d.name() + "' is " + d.describe() + "; validation feeds float and int64 inputs only");
            }
        }
        return feed;
    }

    private static float[] values(String name, long[] shape, int n) {
        SplittableRandom rng = Initializer.streamFor(SEED, name);
        boolean vector = shape.length == 1;
        if (name.endsWith("running_var") || (vector && name.endsWith("weight"))) return uniform(rng, n, 0.5, 1.5);
        if (name.endsWith("running_mean") || (vector && name.endsWith("bias"))) return uniform(rng, n, -0.1, 0.1);
        if (shape.length >= 2 && name.endsWith("weight")) {
            long fanIn = n / shape[0];
            double b = Math.sqrt(3.0 / fanIn);
            return uniform(rng, n, -b, b);
        }
        return uniform(rng, n, -1, 1);
    }

    private static float[] uniform(SplittableRandom rng, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return a;
    }
}
