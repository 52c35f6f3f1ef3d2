package mcl.tensors;

import java.util.Arrays;
import mcl.graph.DType;
import mcl.graph.Shapes;

/** A tensor held in Java memory: float32 or int64, row-major. */
public record HostTensor(DType dtype, long[] shape, float[] floats, long[] longs) {
    public HostTensor {
        long n = Shapes.numel(shape);
        int len = dtype == DType.FLOAT ? floats.length : longs.length;
        if (len != n) throw new IllegalArgumentException("shape " + Shapes.str(shape) + " needs " + n + " values, got " + len);
    }

    public static HostTensor of(float[] data, long... shape) { return new HostTensor(DType.FLOAT, shape.clone(), data, null); }

    public static HostTensor ofLongs(long[] data, long... shape) { return new HostTensor(DType.INT64, shape.clone(), null, data); }

    public long numel() { return Shapes.numel(shape); }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostTensor h && h.dtype == dtype && Arrays.equals(h.shape, shape)
                && Arrays.equals(h.floats, floats) && Arrays.equals(h.longs, longs);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(shape) * 31 + dtype.hashCode(); }

    @Override
    public String toString() { return dtype.shortName() + Shapes.str(shape); }
}
