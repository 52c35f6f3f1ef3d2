package mcl.tensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import mcl.graph.DType;

/**
 * The safetensors format: u64 little-endian header length, JSON header (names, dtype, shape,
 * data_offsets; "__metadata__" string map), then the raw little-endian data, contiguous.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensors() { }

    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            HostTensor t = e.getValue();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", t.dtype() == DType.FLOAT ? "F32" : "I64");
            var shape = entry.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long size = t.numel() * t.dtype().bytes;
            entry.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[padded];
        java.util.Arrays.fill(head, (byte) ' ');
        System.arraycopy(json, 0, head, 0, json.length);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(head);
            for (HostTensor t : tensors.values()) {
                ByteBuffer buf = ByteBuffer.allocate((int) (t.numel() * t.dtype().bytes)).order(ByteOrder.LITTLE_ENDIAN);
                if (t.dtype() == DType.FLOAT) buf.asFloatBuffer().put(t.floats());
                else buf.asLongBuffer().put(t.longs());
                out.write(buf.array());
            }
        }
    }

    /** Reads every tensor (F32 and I64 only); metadata is returned under {@link #metadata}. */
    public static Map<String, HostTensor> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.flip().getLong();
            if (n <= 0 || n > fileSize - 8 || n > 100_000_000) throw new IOException(file + ": not a safetensors file (header length " + n + ")");
            ByteBuffer headBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headBuf, 8);
            JsonNode header = JSON.readTree(new String(headBuf.array(), StandardCharsets.UTF_8));
            long dataStart = 8 + n;
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                JsonNode d = e.getValue();
                long[] shape = new long[d.get("shape").size()];
                for (int i = 0; i < shape.length; i++) shape[i] = d.get("shape").get(i).asLong();
                long begin = d.get("data_offsets").get(0).asLong();
                long end = d.get("data_offsets").get(1).asLong();
                if (begin < 0 || end < begin || dataStart + end > fileSize) throw new IOException(file + ": tensor '" + e.getKey() + "' lies outside the file");
                ByteBuffer buf = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, buf, dataStart + begin);
                buf.flip();
                String dtype = d.get("dtype").asText();
                switch (dtype) {
                    case "F32" -> {
                        float[] v = new float[(int) ((end - begin) / 4)];
                        buf.asFloatBuffer().get(v);
                        out.put(e.getKey(), HostTensor.of(v, shape));
                    }
                    case "I64" -> {
                        long[] v = new long[(int) ((end - begin) / 8)];
                        buf.asLongBuffer().get(v);
                        out.put(e.getKey(), HostTensor.ofLongs(v, shape));
                    }
                    default -> throw new IOException(file + ": tensor '" + e.getKey() + "' has unsupported dtype " + dtype);
                }
            }
            return out;
        }
    }

    /** The "__metadata__" map of a safetensors file (empty if none). */
    public static Map<String, String> metadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.flip().getLong();
            if (n <= 0 || n > ch.size() - 8) throw new IOException(file + ": not a safetensors file");
            ByteBuffer headBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headBuf, 8);
            JsonNode meta = JSON.readTree(new String(headBuf.array(), StandardCharsets.UTF_8)).get("__metadata__");
            Map<String, String> out = new LinkedHashMap<>();
            if (meta != null) meta.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw new IOException("unexpected end of file");
            pos += r;
        }
    }
}
