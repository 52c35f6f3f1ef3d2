package mcl.data.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import mcl.data.RgbImage;
import mcl.data.source.ImageSource;
import mcl.data.source.PreparedSource;
import mcl.data.source.Sources;
import mcl.data.source.Warnings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `mcl data prepare`: sizes the recipe needs, corrupt inputs skipped, deterministic, resumable, read back by --data DIR. */
class PreparerTest {
    @TempDir
    Path dir;
    private Consumer<String> oldSink;
    private final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void quiet() { oldSink = Warnings.setSink(warnings::add); }

    @AfterEach
    void restore() { Warnings.setSink(oldSink); }

    private Path photos() throws Exception {
        Path src = Files.createDirectories(dir.resolve("photos"));
        java.util.Random r = new java.util.Random(3);
        BufferedImage big = new BufferedImage(1200, 900, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 900; y++) for (int x = 0; x < 1200; x++) big.setRGB(x, y, ((x / 40) % 2 == 0 ? 0xc03020 : 0x2040d0) ^ r.nextInt(16));
        ImageIO.write(big, "jpg", src.resolve("a_big.jpg").toFile());
        ImageIO.write(big.getSubimage(0, 0, 100, 80), "png", src.resolve("b_small.png").toFile());
        byte[] whole = Files.readAllBytes(src.resolve("a_big.jpg"));
        Files.write(src.resolve("c_cut.jpg"), java.util.Arrays.copyOf(whole, 600));
        return src;
    }

    @Test
    void writesEachImageAtTheSizeTheSmallestCropNeeds() throws Exception {
        Path src = photos();
        Preparer p = new Preparer(64, 0, 0.95f, 2);
        // the smallest crop (area 0.2, ratio 3/4) of 1200x900 is sqrt(0.15 * 1200 * 900) = 402 px across: scale 64/402
        assertArrayEquals(new int[] {191, 143}, p.targetSize(1200, 900));
        assertArrayEquals(new int[] {100, 80}, p.targetSize(100, 80), "small images are never enlarged");
        assertArrayEquals(new int[] {100, 75}, new Preparer(64, 100, 0.95f, 1).targetSize(1200, 900), "--max-side caps the longer side");

        Path out = dir.resolve("prepared");
        int[] last = new int[3];
        Preparer.Result r;
        try (ImageSource s = Sources.open(src.toString())) {
            r = p.run(s, src.toString(), out, (done, total, skipped) -> last[0] = Math.max(last[0], done));
        }
        assertEquals(2, r.images());
        assertEquals(1, r.skipped().size(), "the truncated JPEG: " + r.skipped());
        assertTrue(r.skipped().get(0).contains("c_cut.jpg"), r.skipped().toString());
        assertEquals(3, last[0], "progress reached every image");
        BufferedImage a = ImageIO.read(out.resolve("images/00000000.jpg").toFile());
        assertEquals(191, a.getWidth());
        assertEquals(143, a.getHeight());

        try (ImageSource back = Sources.open(out.toString())) {
            assertTrue(back instanceof PreparedSource, back.describe());
            assertEquals(2, back.size());
            RgbImage img = new RgbImage();
            back.read(1, 64, img);
            assertEquals(100, img.width());
            assertTrue(back.name(0).endsWith("00000000.jpg"));
        }
    }

    @Test
    void isDeterministicAndResumable() throws Exception {
        Path src = photos();
        Preparer p = new Preparer(64, 0, 0.95f, 2);
        Path one = dir.resolve("one");
        Path two = dir.resolve("two");
        try (ImageSource s = Sources.open(src.toString())) {
            p.run(s, "photos", one, (d, t, k) -> { });
            p.run(s, "photos", two, (d, t, k) -> { });
            for (String f : List.of("00000000.jpg", "00000001.jpg")) {
                assertArrayEquals(Files.readAllBytes(one.resolve("images").resolve(f)), Files.readAllBytes(two.resolve("images").resolve(f)), f);
            }
            // A stopped preparation: no index yet, one image missing, a half-written temporary file.
            Files.delete(two.resolve(PreparedDataset.INDEX));
            Files.delete(two.resolve("images/00000001.jpg"));
            Files.write(two.resolve("images/00000001.jpg.tmp"), new byte[] {1, 2, 3});
            assertFalse(PreparedDataset.isPrepared(two), "a folder without its index is not a dataset");
            Preparer.Result again = p.run(s, "photos", two, (d, t, k) -> { });
            assertEquals(1, again.written());
            assertEquals(1, again.reused());
            assertArrayEquals(Files.readAllBytes(one.resolve("images/00000001.jpg")), Files.readAllBytes(two.resolve("images/00000001.jpg")));
            assertEquals(Files.readString(one.resolve(PreparedDataset.INDEX)), Files.readString(two.resolve(PreparedDataset.INDEX)));
        }
    }
}
