package mcl.checkpoints.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import mcl.graph.DType;
import mcl.tensors.HostTensor;

/**
 * Writes a pickle (protocol 3) whose tensors are numpy float32 arrays, as detectron2's model zoo
 * ".pkl" files are: each array is rebuilt the way numpy pickles one itself,
 * {@code numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')} followed by
 * {@code __setstate__((1, shape, dtype('<f4'), False, raw_bytes))}. Readable with plain
 * {@code pickle.load} where numpy is installed; no torch needed.
 */
public final class NumpyPickleWriter {
    private NumpyPickleWriter() { }

    /** Pickles {@code root}: a Map (dict) of str, bool, int, nested Maps and {@link HostTensor}s (arrays). */
    public static void write(Path file, Map<String, ?> root) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            Pickler p = new Pickler(out);
            p.proto(3);
            p.value(root, NumpyPickleWriter::ndarray);
            p.stop();
        }
    }

    private static void ndarray(Pickler p, HostTensor t) throws IOException {
        if (t.dtype() != DType.FLOAT) throw new IllegalArgumentException("only float32 arrays are written, got " + t);
        p.global("numpy.core.multiarray", "_reconstruct");
        p.mark();
        p.global("numpy", "ndarray");
        p.mark();
        p.integer(0);
        p.tuple();
        p.bytesHeader(1);
        p.raw(new byte[] {'b'});
        p.tuple();
        p.reduce();
        p.mark();
        p.integer(1);
        p.mark();
        for (long d : t.shape()) p.integer(d);
        p.tuple();
        float32Dtype(p);
        p.bool(false);
        p.bytesHeader(t.numel() * 4);
        p.rawFloats(t.floats());
        p.tuple();
        p.build();
    }

    /** numpy.dtype('f4', False, True) with state (3, '<', None, None, None, -1, -1, 0). */
    private static void float32Dtype(Pickler p) throws IOException {
        p.global("numpy", "dtype");
        p.mark();
        p.string("f4");
        p.bool(false);
        p.bool(true);
        p.tuple();
        p.reduce();
        p.mark();
        p.integer(3);
        p.string("<");
        p.none();
        p.none();
        p.none();
        p.integer(-1);
        p.integer(-1);
        p.integer(0);
        p.tuple();
        p.build();
    }
}
