package mcl.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.graph.Param;
import mcl.graph.init.Initializer;
import mcl.tensors.HostTensor;

/**
 * Weights for parity tests: the real initialisers for convs and linears, and random (not the
 * trivial 1/0) values for every norm parameter and running statistic, so that a swapped or
 * ignored BN tensor changes the result.
 */
public final class TestWeights {
    private TestWeights() { }

    public static Map<String, HostTensor> random(List<Param> params, long seed) {
        Map<String, float[]> init = Initializer.initialise(params, seed);
        // The last BN of each residual branch (bn2 of a BasicBlock, bn3 of a Bottleneck).
        Map<String, String> lastBn = new java.util.HashMap<>();
        java.util.regex.Pattern bn = java.util.regex.Pattern.compile("(.*layer\\d+\\.\\d+)\\.bn(\\d)\\.weight");
        for (Param p : params) {
            var m = bn.matcher(p.name());
            if (m.matches()) lastBn.merge(m.group(1), p.name(), (a, b) -> a.compareTo(b) > 0 ? a : b);
        }
        java.util.Set<String> residualEnds = new java.util.HashSet<>(lastBn.values());
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Param p : params) {
            float[] v = init.get(p.name());
            SplittableRandom rng = Initializer.streamFor(seed + 1, p.name());
            String n = p.name();
            if (n.endsWith("running_var")) v = uniform(rng, v.length, 0.5, 1.5);
            else if (n.endsWith("running_mean")) v = uniform(rng, v.length, -0.2, 0.2);
            // The last BN of each residual branch gets a small gamma (as with torchvision's
            // zero_init_residual): a deep train-mode BN net at random init has exploding gradients,
            // where float32 rounding alone (PyTorch's too) gives 1-20% error against float64.
            else if (residualEnds.contains(n)) v = uniform(rng, v.length, 0.05, 0.15);
            else if (p.shape().length == 1 && n.endsWith("weight")) v = uniform(rng, v.length, 0.5, 1.5);
            else if (p.shape().length == 1 && n.endsWith("bias")) v = uniform(rng, v.length, -0.2, 0.2);
            out.put(n, HostTensor.of(v, p.shape()));
        }
        return out;
    }

    /**
     * The recipe's montage layout: a random permutation of the slots, each taken modulo B (level 0:
     * the batch in order).
     */
    public static long[] tileLayout(SplittableRandom rng, int slots, int batch, boolean identity) {
        long[] t = new long[slots];
        for (int i = 0; i < slots; i++) t[i] = i;
        if (!identity) {
            for (int i = slots - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                long x = t[i];
                t[i] = t[j];
                t[j] = x;
            }
        }
        for (int i = 0; i < slots; i++) t[i] %= batch;
        return t;
    }

    public static float[] uniform(SplittableRandom rng, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return a;
    }
}
