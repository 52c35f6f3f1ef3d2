package mcl.checkpoints.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import mcl.tensors.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The zip container of torch.save, checked byte by byte (torch.load itself is the oracle in the export tests). */
class TorchSaveWriterTest {
    @TempDir
    Path dir;

    @Test
    void storedAlignedEntriesWithRightCrcsAndLittleEndianData() throws IOException {
        Map<String, HostTensor> sd = new LinkedHashMap<>();
        sd.put("a.weight", HostTensor.of(new float[] {1.5f, -2f, 3.25f, 0f, 7f, 8f}, 2, 3));
        sd.put("b.bias", HostTensor.of(new float[] {42f}, 1));
        Path f = dir.resolve("x.pth");
        TorchSaveWriter.write(f, Map.of("state_dict", TorchSaveWriter.stateDict(sd)));

        // ZipInputStream verifies each STORED entry's CRC and size while reading.
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(f))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                assertEquals(ZipEntry.STORED, e.getMethod(), e.getName());
                entries.put(e.getName(), z.readAllBytes());
            }
        }
        assertEquals(List.of("archive/data.pkl", "archive/byteorder", "archive/data/0", "archive/data/1", "archive/version"),
                new ArrayList<>(entries.keySet()));
        assertEquals("3\n", new String(entries.get("archive/version"), StandardCharsets.US_ASCII));
        assertEquals("little", new String(entries.get("archive/byteorder"), StandardCharsets.US_ASCII));
        float[] back = new float[6];
        ByteBuffer.wrap(entries.get("archive/data/0")).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(back);
        assertArrayEquals(sd.get("a.weight").floats(), back);
        String pkl = new String(entries.get("archive/data.pkl"), StandardCharsets.ISO_8859_1);
        assertTrue(pkl.startsWith("\u0080\u0002") && pkl.endsWith("."), "protocol 2 pickle ending in STOP");
        assertTrue(pkl.contains("torch._utils\n_rebuild_tensor_v2\n") && pkl.contains("torch\nFloatStorage\n"));

        for (long offset : dataOffsets(Files.readAllBytes(f))) assertEquals(0, offset % 64, "entry data at " + offset);
    }

    @Test
    void picklerPicksTheSmallestIntegerOpcode() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Pickler p = new Pickler(b);
        p.integer(5);
        p.integer(300);
        p.integer(-1);
        p.integer(1L << 40);
        assertArrayEquals(new byte[] {'K', 5, 'M', 44, 1, 'J', -1, -1, -1, -1, (byte) 0x8a, 8, 0, 0, 0, 0, 0, 1, 0, 0}, b.toByteArray());
    }

    /** Walks the local file headers (STORED entries follow each other) and returns each data offset. */
    static List<Long> dataOffsets(byte[] zip) {
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        List<Long> out = new ArrayList<>();
        int pos = 0;
        while (b.getInt(pos) == 0x04034b50) {
            int size = b.getInt(pos + 18);
            int nameLen = Short.toUnsignedInt(b.getShort(pos + 26));
            int extraLen = Short.toUnsignedInt(b.getShort(pos + 28));
            int data = pos + 30 + nameLen + extraLen;
            out.add((long) data);
            pos = data + size;
        }
        assertEquals(5, out.size());
        return out;
    }

}
