package mcl.data.augment;

/**
 * A small counter-based random stream (SplitMix64). Streams are derived from a tuple of keys,
 * e.g. (seed, purpose, epoch, sample, view, level), so every augmented copy and every montage
 * permutation has its own stream: results do not depend on thread scheduling, and a resumed
 * run reproduces the same draws. Written out here (rather than java.util.SplittableRandom) so
 * the bit stream is fixed by this file, not by the JDK version.
 */
public final class Rng {
    /** Purposes, mixed into the keys so streams for different uses never coincide. */
    public static final long AUGMENT = 0x41554731L;
    public static final long MONTAGE = 0x4d4f4e54L;
    public static final long EPOCH_ORDER = 0x45504f43L;
    public static final long SCENE = 0x5343454eL;

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    public Rng(long seed) { this.state = mix(seed); }

    /** A stream determined by the whole key tuple (order matters). */
    public static Rng of(long... keys) {
        long h = 0x243F6A8885A308D3L;
        for (long k : keys) h = mix(h ^ mix(k + GOLDEN));
        return new Rng(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() { return (nextLong() >>> 11) * 0x1.0p-53; }

    /** Uniform in [lo, hi). */
    public double uniform(double lo, double hi) { return lo + (hi - lo) * nextDouble(); }

    /** Uniform integer in [0, bound), unbiased (rejection of the short last interval). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive: " + bound);
        long b = bound;
        long limit = Long.remainderUnsigned(-b, b); // 2^64 mod b
        while (true) {
            long r = nextLong();
            if (Long.compareUnsigned(r, limit) >= 0) return (int) Long.remainderUnsigned(r, b);
        }
    }

    public boolean bernoulli(double p) { return nextDouble() < p; }

    /** Fisher-Yates shuffle of the whole array. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** A random permutation of 0..n-1. */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        shuffle(p);
        return p;
    }
}
