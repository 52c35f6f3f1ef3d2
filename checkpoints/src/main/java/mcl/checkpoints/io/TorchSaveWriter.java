package mcl.checkpoints.io;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import mcl.graph.DType;
import mcl.tensors.HostTensor;

/**
 * Writes the {@code torch.save} zip format (".pth") from Java, loadable with
 * {@code torch.load(f, weights_only=True)}:
 * <pre>
 * archive/data.pkl    pickle (protocol 2) of the object; tensors refer to storages by key
 * archive/byteorder   "little"
 * archive/data/0 ...  one float32 storage per tensor, little-endian, C order
 * archive/version     "3\n"
 * </pre>
 * Entries are STORED (uncompressed) with correct CRCs, and each entry's data starts on a 64-byte
 * boundary (padding in an "FB" local extra field) so torch can map storages in place.
 */
public final class TorchSaveWriter {
    static final String ARCHIVE = "archive";
    static final int ALIGNMENT = 64;
    /** A fixed entry time keeps exports byte-for-byte reproducible. */
    private static final long ENTRY_TIME = 1577836800000L; // 2020-01-01T00:00:00Z

    private TorchSaveWriter() { }

    /** A state dict: written as collections.OrderedDict of tensors, as torch saves them. */
    public static Object stateDict(Map<String, HostTensor> tensors) { return new Pickler.OrderedDict(tensors); }

    /**
     * Saves {@code root}: a String, Boolean, Integer/Long, {@link HostTensor}, {@link #stateDict}
     * or a Map with String keys of such values (written as a plain dict).
     */
    public static void write(Path file, Object root) throws IOException {
        List<HostTensor> storages = new ArrayList<>();
        ByteArrayOutputStream pkl = new ByteArrayOutputStream();
        Pickler p = new Pickler(pkl);
        p.proto(2);
        p.value(root, (pk, t) -> {
            storages.add(t);
            rebuildTensor(pk, t, Integer.toString(storages.size() - 1));
        });
        p.stop();

        try (Counting counted = new Counting(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20));
             ZipOutputStream zip = new ZipOutputStream(counted)) {
            entry(zip, counted, "data.pkl", pkl.toByteArray());
            entry(zip, counted, "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < storages.size(); i++) entry(zip, counted, "data/" + i, littleEndian(storages.get(i)));
            entry(zip, counted, "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /**
     * torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks)
     * with storage = persistent_load(("storage", torch.FloatStorage, key, "cpu", numel)).
     */
    private static void rebuildTensor(Pickler p, HostTensor t, String key) throws IOException {
        if (t.dtype() != DType.FLOAT) throw new IllegalArgumentException("only float32 tensors are written, got " + t);
        p.global("torch._utils", "_rebuild_tensor_v2");
        p.mark();
        p.mark();
        p.string("storage");
        p.global("torch", "FloatStorage");
        p.string(key);
        p.string("cpu");
        p.integer(t.numel());
        p.tuple();
        p.persistentId();
        p.integer(0);
        intTuple(p, t.shape());
        intTuple(p, contiguousStrides(t.shape()));
        p.bool(false);
        p.global("collections", "OrderedDict");
        p.emptyTuple();
        p.reduce();
        p.tuple();
        p.reduce();
    }

    /** Row-major strides in elements. */
    static long[] contiguousStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    private static void intTuple(Pickler p, long[] v) throws IOException {
        p.mark();
        for (long x : v) p.integer(x);
        p.tuple();
    }

    private static void entry(ZipOutputStream zip, Counting counted, String name, byte[] data) throws IOException {
        String full = ARCHIVE + "/" + name;
        ZipEntry e = new ZipEntry(full);
        e.setMethod(ZipEntry.STORED);
        e.setTime(ENTRY_TIME);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        // Local header: 30 fixed bytes, the name, then our extra field (4-byte header + padding).
        long dataStart = counted.count + 30 + full.getBytes(StandardCharsets.UTF_8).length + 4;
        int pad = (int) ((ALIGNMENT - dataStart % ALIGNMENT) % ALIGNMENT);
        ByteBuffer extra = ByteBuffer.allocate(4 + pad).order(ByteOrder.LITTLE_ENDIAN);
        extra.put((byte) 'F').put((byte) 'B').putShort((short) pad);
        while (extra.hasRemaining()) extra.put((byte) 'Z');
        e.setExtra(extra.array());
        zip.putNextEntry(e);
        if (counted.count % ALIGNMENT != 0 && data.length > 0) throw new IllegalStateException("entry " + full + " is not aligned");
        zip.write(data);
        zip.closeEntry();
    }

    private static byte[] littleEndian(HostTensor t) {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(t.numel() * 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(t.floats());
        return b.array();
    }

    /** Counts bytes so entry data offsets are known when the local header is written. */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) { super(out); }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
