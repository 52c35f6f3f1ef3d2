package mcl.checkpoints.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import mcl.tensors.HostTensor;

/**
 * Writes Python pickles with the few opcodes both {@code torch.load(weights_only=True)} and plain
 * {@code pickle} accept: no memo, no NEWOBJ, strings as BINUNICODE. Generic values (str, bool,
 * int, dict, OrderedDict) are written here; tensors are written by the caller's
 * {@link TensorEncoder}, since torch and numpy rebuild them differently.
 */
final class Pickler {
    // Opcodes (pickle.py names).
    private static final int PROTO = 0x80, STOP = '.', MARK = '(', TUPLE = 't', EMPTY_TUPLE = ')', EMPTY_DICT = '}',
            SETITEMS = 'u', GLOBAL = 'c', REDUCE = 'R', BUILD = 'b', BINPERSID = 'Q', NONE = 'N', NEWTRUE = 0x88,
            NEWFALSE = 0x89, BININT = 'J', BININT1 = 'K', BININT2 = 'M', LONG1 = 0x8a, BINUNICODE = 'X',
            SHORT_BINBYTES = 'C', BINBYTES = 'B';
    /** pickle.py batches SETITEMS by 1000 too; it bounds the unpickler's stack. */
    private static final int BATCH = 1000;

    /** Writes one tensor as a value (it must leave exactly one object on the unpickler's stack). */
    interface TensorEncoder {
        void write(Pickler p, HostTensor t) throws IOException;
    }

    /** Marks a map to be written as collections.OrderedDict (what torch state_dicts are). */
    record OrderedDict(Map<String, ?> entries) { }

    private final OutputStream out;

    Pickler(OutputStream out) {
        this.out = out;
    }

    void proto(int version) throws IOException { op(PROTO); out.write(version); }

    void stop() throws IOException { op(STOP); }

    void mark() throws IOException { op(MARK); }

    /** Tuple of everything since the last mark. */
    void tuple() throws IOException { op(TUPLE); }

    void emptyTuple() throws IOException { op(EMPTY_TUPLE); }

    void global(String module, String name) throws IOException {
        op(GLOBAL);
        out.write((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** callable(*args) with callable and args tuple on the stack. */
    void reduce() throws IOException { op(REDUCE); }

    /** obj.__setstate__(state) with obj and state on the stack. */
    void build() throws IOException { op(BUILD); }

    /** persistent_load(pid) with pid on the stack. */
    void persistentId() throws IOException { op(BINPERSID); }

    void none() throws IOException { op(NONE); }

    void bool(boolean b) throws IOException { op(b ? NEWTRUE : NEWFALSE); }

    void integer(long v) throws IOException {
        if (v >= 0 && v < 0x100) {
            op(BININT1);
            out.write((int) v);
        } else if (v >= 0 && v < 0x10000) {
            op(BININT2);
            out.write(le(2).putShort((short) v).array());
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op(BININT);
            out.write(le(4).putInt((int) v).array());
        } else {
            op(LONG1); // little-endian two's complement, 8 bytes is always enough for a long
            out.write(8);
            out.write(le(8).putLong(v).array());
        }
    }

    void string(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op(BINUNICODE);
        out.write(le(4).putInt(b.length).array());
        out.write(b);
    }

    /** Header of a bytes object of {@code n} bytes; the caller writes exactly n bytes next (protocol 3+). */
    void bytesHeader(long n) throws IOException {
        if (n < 0x100) {
            op(SHORT_BINBYTES);
            out.write((int) n);
        } else {
            if (n > 0xFFFFFFFFL) throw new IOException("a bytes object of " + n + " bytes needs pickle protocol 4");
            op(BINBYTES);
            out.write(le(4).putInt((int) n).array());
        }
    }

    void raw(byte[] b) throws IOException { out.write(b); }

    /** Float32 values little-endian, streamed in chunks so large tensors need no second copy. */
    void rawFloats(float[] v) throws IOException { writeFloatsLE(out, v); }

    /** A str, bool, int, dict, OrderedDict or tensor (via {@code tensors}). */
    void value(Object v, TensorEncoder tensors) throws IOException {
        if (v instanceof String s) {
            string(s);
        } else if (v instanceof Boolean b) {
            bool(b);
        } else if (v instanceof Integer || v instanceof Long) {
            integer(((Number) v).longValue());
        } else if (v instanceof HostTensor t) {
            tensors.write(this, t);
        } else if (v instanceof OrderedDict d) {
            global("collections", "OrderedDict");
            emptyTuple();
            reduce();
            items(d.entries(), tensors);
        } else if (v instanceof Map<?, ?> m) {
            op(EMPTY_DICT);
            items(m, tensors);
        } else {
            throw new IllegalArgumentException("cannot pickle " + (v == null ? "null" : v.getClass().getName()));
        }
    }

    private void items(Map<?, ?> m, TensorEncoder tensors) throws IOException {
        int inBatch = 0;
        for (var e : m.entrySet()) {
            if (inBatch == 0) mark();
            string((String) e.getKey());
            value(e.getValue(), tensors);
            if (++inBatch == BATCH) {
                op(SETITEMS);
                inBatch = 0;
            }
        }
        if (inBatch > 0) op(SETITEMS);
    }

    private void op(int code) throws IOException { out.write(code); }

    private static ByteBuffer le(int n) { return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN); }

    static void writeFloatsLE(OutputStream out, float[] v) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; ) {
            buf.clear();
            int n = Math.min(v.length - i, buf.capacity() / 4);
            buf.asFloatBuffer().put(v, i, n);
            out.write(buf.array(), 0, n * 4);
            i += n;
        }
    }
}
