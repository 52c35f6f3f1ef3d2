package mcl.runtime.transfer.det;

import mcl.graphs.det.DetHead;

/**
 * Where the detection graphs' L locations are (see {@link mcl.graphs.det.DetGraphs}): levels
 * finest first, each row-major (y, then x); location (l, y, x) is index
 * {@code offset(l) + y * side(l) + x} and has centre ((x + 0.5) * stride_l, (y + 0.5) * stride_l) pixels.
 *
 * @param size    the square image side S in pixels
 * @param strides per level, each dividing S
 */
public record FcosLayout(int size, int[] strides) {
    public FcosLayout {
        strides = strides.clone();
        if (strides.length == 0) throw new IllegalArgumentException("at least one level is needed");
        for (int s : strides) {
            if (s < 1 || size % s != 0) throw new IllegalArgumentException("stride " + s + " does not divide the image side " + size);
        }
    }

    /** The graphs' layout: P2..P5 (strides 4, 8, 16, 32) of an S x S image. */
    public static FcosLayout of(int size) {
        return new FcosLayout(size, DetHead.STRIDES);
    }

    public int levels() { return strides.length; }

    public int stride(int level) { return strides[level]; }

    /** Locations per row (and per column) of a level. */
    public int side(int level) { return size / strides[level]; }

    /** The first location of a level; {@code offset(levels())} is the total. */
    public int offset(int level) {
        int at = 0;
        for (int l = 0; l < level; l++) at += side(l) * side(l);
        return at;
    }

    public int locations() { return offset(levels()); }

    /** The level of location {@code i}. */
    public int levelOf(int i) {
        if (i < 0 || i >= locations()) throw new IndexOutOfBoundsException("location " + i + " of " + locations());
        int l = 0;
        while (i >= offset(l + 1)) l++;
        return l;
    }

    /** Centre x of location {@code i} in pixels. */
    public double centreX(int i) {
        int l = levelOf(i);
        return ((i - offset(l)) % side(l) + 0.5) * strides[l];
    }

    /** Centre y of location {@code i} in pixels. */
    public double centreY(int i) {
        int l = levelOf(i);
        return ((i - offset(l)) / side(l) + 0.5) * strides[l];
    }

    @Override
    public int[] strides() { return strides.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof FcosLayout f && f.size == size && java.util.Arrays.equals(f.strides, strides);
    }

    @Override
    public int hashCode() { return size * 31 + java.util.Arrays.hashCode(strides); }

    @Override
    public String toString() { return "FcosLayout[size=" + size + ", strides=" + java.util.Arrays.toString(strides) + "]"; }
}
