package mcl.graph;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Shape arithmetic shared by the op families. */
public final class Shapes {
    private Shapes() { }

    public static String str(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"));
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Numpy-style broadcast of two shapes, or null when they do not broadcast. */
    public static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long da = i < r - a.length ? 1 : a[i - (r - a.length)];
            long db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1) return null;
            out[i] = Math.max(da, db);
        }
        return out;
    }

    /** Normalises a possibly negative axis against {@code rank}; throws with {@code what} on overflow. */
    public static int axis(int axis, int rank, String what) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ShapeException(what + ": axis " + axis + " out of range for rank " + rank);
        return a;
    }

    public static long[] concat(long[] a, long... b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
