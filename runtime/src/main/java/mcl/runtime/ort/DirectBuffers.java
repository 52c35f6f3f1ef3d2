package mcl.runtime.ort;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/** Native-order direct buffers: ONNX Runtime reads and writes them in place, without copies. */
public final class DirectBuffers {
    private DirectBuffers() { }

    public static FloatBuffer floats(long n) {
        return ByteBuffer.allocateDirect(Math.toIntExact(n * 4)).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    public static LongBuffer longs(long n) {
        return ByteBuffer.allocateDirect(Math.toIntExact(n * 8)).order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    public static FloatBuffer copyOf(float[] values) {
        FloatBuffer b = floats(values.length);
        b.put(values).rewind();
        return b;
    }
}
