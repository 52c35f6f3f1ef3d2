package mcl.graph.init;

import java.util.SplittableRandom;

/**
 * How a parameter is initialised. Fan-in/fan-out follow PyTorch: for a weight [out, in, k...],
 * fan_in = in * prod(k), fan_out = out * prod(k).
 */
public sealed interface Init {
    /** Fills a new array of prod(shape) values. */
    float[] sample(long[] shape, SplittableRandom rng);

    /** Short stable description for manifests, e.g. "kaiming_normal(fan_out, relu)". */
    String describe();

    /** torchvision's conv init: N(0, sqrt(2 / fan_out)). */
    record KaimingNormalFanOut() implements Init {
        public float[] sample(long[] shape, SplittableRandom rng) {
            return gaussian(shape, Math.sqrt(2.0 / fans(shape)[1]), rng);
        }
        public String describe() { return "kaiming_normal(fan_out, relu)"; }
    }

    /** N(0, sqrt(2 / fan_in)): He init for ReLU layers, used for projector Linear layers. */
    record KaimingNormalFanIn() implements Init {
        public float[] sample(long[] shape, SplittableRandom rng) {
            return gaussian(shape, Math.sqrt(2.0 / fans(shape)[0]), rng);
        }
        public String describe() { return "kaiming_normal(fan_in, relu)"; }
    }

    /** U(-b, b), b = sqrt(6 / (fan_in + fan_out)). */
    record XavierUniform() implements Init {
        public float[] sample(long[] shape, SplittableRandom rng) {
            long[] f = fans(shape);
            double bound = Math.sqrt(6.0 / (f[0] + f[1]));
            float[] out = new float[size(shape)];
            for (int i = 0; i < out.length; i++) out[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            return out;
        }
        public String describe() { return "xavier_uniform"; }
    }

    record Normal(double std) implements Init {
        public float[] sample(long[] shape, SplittableRandom rng) { return gaussian(shape, std, rng); }
        public String describe() { return "normal(0, " + std + ")"; }
    }

    record Constant(float value) implements Init {
        public float[] sample(long[] shape, SplittableRandom rng) {
            float[] out = new float[size(shape)];
            java.util.Arrays.fill(out, value);
            return out;
        }
        public String describe() {
            return value == 0f ? "zeros" : value == 1f ? "ones" : "constant(" + value + ")";
        }
    }

    Init ZEROS = new Constant(0f);
    Init ONES = new Constant(1f);

    /** {fan_in, fan_out} as PyTorch computes them. */
    static long[] fans(long[] shape) {
        if (shape.length < 2) throw new IllegalArgumentException("fan-based init needs rank >= 2, got rank " + shape.length);
        long receptive = 1;
        for (int i = 2; i < shape.length; i++) receptive *= shape[i];
        return new long[] {shape[1] * receptive, shape[0] * receptive};
    }

    private static int size(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return Math.toIntExact(n);
    }

    private static float[] gaussian(long[] shape, double std, SplittableRandom rng) {
        float[] out = new float[size(shape)];
        for (int i = 0; i < out.length; i++) out[i] = (float) (gaussian(rng) * std);
        return out;
    }

    /** Standard normal by Box-Muller (SplittableRandom has no nextGaussian on Java 17). */
    static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
