package mcl.runtime.ort;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Set;

/**
 * A graph whose inputs and outputs are bound to direct buffers and that runs on them: one ONNX
 * Runtime session ({@link GraphSession}), or the stages of a data-parallel graph with collective
 * points between them ({@link mcl.runtime.dist.StagedSession}).
 */
public interface GraphRunner extends AutoCloseable {
    Set<String> inputNames();

    Set<String> outputNames();

    /** The declared shape of an input or output. */
    long[] shape(String name);

    void bindInput(String name, FloatBuffer direct);

    void bindInput(String name, LongBuffer direct);

    void bindInput(String name, ByteBuffer direct);

    void bindOutput(String name, FloatBuffer direct);

    void bindOutput(String name, LongBuffer direct);

    void bindOutput(String name, ByteBuffer direct);

    /** Runs on the bound inputs; outputs that are not bound are discarded. */
    void runBound();

    @Override
    void close();
}
