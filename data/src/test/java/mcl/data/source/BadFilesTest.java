package mcl.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import mcl.data.RgbImage;
import mcl.data.pipeline.BatchLoader;
import mcl.data.pipeline.DataConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of real-world file the issue lists: decoded correctly, or skipped with one warning and counted. */
class BadFilesTest {
    @TempDir
    Path dir;
    private final List<String> warnings = new ArrayList<>();
    private Consumer<String> oldSink;
    private final ImageDecoder decoder = new ImageDecoder();

    @BeforeEach
    void captureWarnings() { oldSink = Warnings.setSink(warnings::add); }

    @AfterEach
    void restore() { Warnings.setSink(oldSink); }

    /** Left half red, right half blue. */
    static BufferedImage halves(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, x < w / 2 ? 0xff0000 : 0x0000ff);
        return img;
    }

    static byte[] jpeg(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (var ios = ImageIO.createImageOutputStream(out)) {
            w.setOutput(ios);
            var p = w.getDefaultWriteParam();
            p.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.95f);
            w.write(null, new IIOImage(img, null, null), p);
        }
        w.dispose();
        return out.toByteArray();
    }

    /** Inserts an APP1 Exif segment with only the orientation tag right after the JPEG's SOI marker. */
    static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, 0, 0, 0, 0};
        byte[] payload = new byte[6 + tiff.length];
        System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, payload, 0, 6);
        System.arraycopy(tiff, 0, payload, 6, tiff.length);
        int len = payload.length + 2;
        byte[] out = new byte[jpeg.length + 4 + payload.length];
        out[0] = jpeg[0];
        out[1] = jpeg[1];
        out[2] = (byte) 0xff;
        out[3] = (byte) 0xe1;
        out[4] = (byte) (len >> 8);
        out[5] = (byte) len;
        System.arraycopy(payload, 0, out, 6, payload.length);
        System.arraycopy(jpeg, 2, out, 6 + payload.length, jpeg.length - 2);
        return out;
    }

    private RgbImage decode(Path p) throws BadImageException {
        RgbImage out = new RgbImage();
        decoder.decode(p, 0, out);
        return out;
    }

    private static void assertRgb(RgbImage img, int x, int y, int r, int g, int b, int tol) {
        int[] got = {img.get(x, y, 0), img.get(x, y, 1), img.get(x, y, 2)};
        assertTrue(Math.abs(got[0] - r) <= tol && Math.abs(got[1] - g) <= tol && Math.abs(got[2] - b) <= tol,
                "pixel (" + x + "," + y + ") = " + Arrays.toString(got) + ", expected ~" + r + "," + g + "," + b);
    }

    @Test
    void exifRotatedJpegIsTurnedUpright() throws Exception {
        Path p = dir.resolve("rotated.jpg");
        Files.write(p, withExifOrientation(jpeg(halves(40, 20)), 6)); // stored landscape, displayed rotated 90 degrees clockwise
        RgbImage img = decode(p);
        assertEquals(20, img.width());
        assertEquals(40, img.height());
        assertRgb(img, 10, 5, 255, 0, 0, 40); // the stored left (red) half is now on top
        assertRgb(img, 10, 35, 0, 0, 255, 40);
        Path q = dir.resolve("upside.jpg");
        Files.write(q, withExifOrientation(jpeg(halves(40, 20)), 3));
        RgbImage img3 = decode(q);
        assertEquals(40, img3.width());
        assertRgb(img3, 5, 10, 0, 0, 255, 40); // rotated 180: blue on the left
    }

    @Test
    void grayscalePaletteAlphaAnd16BitAreConvertedLikePil() throws Exception {
        BufferedImage gray = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(3, 3, 0, 100);
        Path pg = dir.resolve("gray.png");
        ImageIO.write(gray, "png", pg.toFile());
        RgbImage g = decode(pg);
        assertRgb(g, 3, 3, 100, 100, 100, 0); // raw grey value, no gamma conversion
        assertRgb(g, 0, 0, 0, 0, 0, 0);

        BufferedImage g16 = new BufferedImage(6, 5, BufferedImage.TYPE_USHORT_GRAY);
        g16.getRaster().setSample(1, 2, 0, 0x8000);
        g16.getRaster().setSample(2, 2, 0, 0xffff);
        Path p16 = dir.resolve("gray16.png");
        ImageIO.write(g16, "png", p16.toFile());
        RgbImage s = decode(p16);
        assertRgb(s, 1, 2, 128, 128, 128, 0);
        assertRgb(s, 2, 2, 255, 255, 255, 0);

        // 16x16: the JDK's GIF reader misreads the 4x4 GIF its own writer makes (PIL reads that file right).
        byte[] r = {(byte) 255, 0, 10};
        byte[] gg = {0, (byte) 255, 20};
        byte[] b = {0, 0, 30};
        BufferedImage pal = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 3, r, gg, b));
        WritableRaster pr = pal.getRaster();
        pr.setSample(1, 1, 0, 1);
        pr.setSample(2, 2, 0, 2);
        for (String fmt : new String[] {"png", "gif"}) {
            Path pp = dir.resolve("palette." + fmt);
            assertTrue(ImageIO.write(pal, fmt, pp.toFile()), fmt);
            RgbImage pi = decode(pp);
            assertRgb(pi, 0, 0, 255, 0, 0, 0);
            assertRgb(pi, 1, 1, 0, 255, 0, 0);
            assertRgb(pi, 2, 2, 10, 20, 30, 0);
        }

        Path bmp = dir.resolve("halves.bmp"); // 24-bit (the JDK's BMP writer mangles custom palettes)
        assertTrue(ImageIO.write(halves(10, 4), "bmp", bmp.toFile()));
        RgbImage bi = decode(bmp);
        assertRgb(bi, 1, 1, 255, 0, 0, 0);
        assertRgb(bi, 8, 1, 0, 0, 255, 0);

        BufferedImage argb = new BufferedImage(5, 5, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00123456); // fully transparent: colour kept, alpha dropped (PIL convert("RGB"))
        argb.setRGB(1, 0, 0xff00ff00);
        Path pa = dir.resolve("alpha.png");
        ImageIO.write(argb, "png", pa.toFile());
        RgbImage a = decode(pa);
        assertRgb(a, 0, 0, 0x12, 0x34, 0x56, 0);
        assertRgb(a, 1, 0, 0, 255, 0, 0);
    }

    @Test
    void cmykJpegIsConvertedToRgb() throws Exception {
        // A real Adobe CMYK JPEG needs a CMYK encoder: PIL has one (ImageIO does not), so the test makes it with python3.
        Path p = dir.resolve("cmyk.jpg");
        String script = "from PIL import Image\n"
                + "im = Image.new('CMYK', (32, 16), (0, 0, 0, 0))\n"          // left: no ink = white
                + "im.paste((255, 0, 0, 0), (16, 0, 32, 16))\n"               // right: full cyan
                + "im.save(r'" + p + "', quality=95)\n";
        Process proc;
        try {
            proc = new ProcessBuilder(mcl.testing.Oracle.PYTHON, "-c", script).redirectErrorStream(true).start();
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("python3 unavailable: " + e.getMessage());
            return;
        }
        String out = new String(proc.getInputStream().readAllBytes());
        if (proc.waitFor() != 0) {
            if ("true".equals(System.getenv("CI"))) throw new AssertionError("python3 with PIL is needed to make a CMYK JPEG: " + out);
            org.junit.jupiter.api.Assumptions.abort("python3 with PIL unavailable: " + out);
        }
        RgbImage img = decode(p);
        assertEquals(32, img.width());
        assertRgb(img, 4, 8, 255, 255, 255, 25);
        int r = img.get(24, 8, 0);
        int g = img.get(24, 8, 1);
        int b = img.get(24, 8, 2);
        // Cyan ink prints as a light blue-green; the exact shade depends on the CMYK profile used.
        assertTrue(r < 100 && g > 120 && b > 180, "cyan decoded as " + r + "," + g + "," + b);
    }

    @Test
    void brokenFilesAreSkippedWithOneWarningEachAndCounted() throws Exception {
        Path root = dir.resolve("photos");
        Path sub = Files.createDirectories(root.resolve("sub"));
        byte[] good = jpeg(halves(64, 48));
        Files.write(root.resolve("good1.jpg"), good);
        Files.write(sub.resolve("good2.JPEG"), good);
        ImageIO.write(halves(3, 2), "png", root.resolve("tiny.png").toFile()); // smaller than any crop
        ImageIO.write(new BufferedImage(30, 30, BufferedImage.TYPE_BYTE_GRAY), "png", root.resolve("gray.png").toFile());
        Files.write(root.resolve("rotated.jpg"), withExifOrientation(good, 8));
        Files.write(root.resolve("zero.jpg"), new byte[0]);
        Files.writeString(root.resolve("notes.png"), "this is not an image\n");
        byte[] random = new byte[5000];
        new java.util.Random(1).nextBytes(random);
        Files.write(root.resolve("random.jpg"), random);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(halves(200, 200), "png", png);
        Files.write(root.resolve("truncated.png"), Arrays.copyOf(png.toByteArray(), png.size() / 2));
        Files.write(root.resolve("truncated.jpg"), Arrays.copyOf(good, good.length / 2));
        byte[] bigJpeg = jpeg(noise(256, 256));
        Files.write(root.resolve("cut500.jpg"), Arrays.copyOf(bigJpeg, 500)); // the case: decoded to flat grey before
        Files.writeString(root.resolve("README.txt"), "ignored: not an image extension");
        Files.writeString(root.resolve("logo.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
        Files.writeString(sub.resolve("icon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
        Files.createSymbolicLink(sub.resolve("loop"), root); // a symlink loop

        FolderSource src = FolderSource.open(root);
        assertEquals(4, src.skippedWhileOpening(), "the symlink loop and three files whose bytes are no image: " + warnings);
        assertEquals(3, warnings.size(), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("symlink loop")), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("skipped 3 file(s) named like images whose content is not an image")
                && w.contains("notes.png") && w.contains("random.jpg") && w.contains("zero.jpg")), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("ignored 2 SVG file(s)") && w.contains("SVG is not supported")), "named once: " + warnings);
        assertEquals(8, src.size(), "only files that are images count");

        // Damaged files fail on their own with a message naming them; a truncated JPEG no longer decodes to grey.
        for (String bad : List.of("truncated.png", "truncated.jpg", "cut500.jpg")) {
            var e = assertThrows(BadImageException.class, () -> decode(root.resolve(bad)), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
        decode(root.resolve("good1.jpg")); // a whole JPEG raises no damage warning

        warnings.clear();
        DataConfig cfg = DataConfig.of(32, 2, 3).withWorkers(2);
        try (BatchLoader loader = new BatchLoader(src, cfg)) {
            for (int i = 0; i < 3 * loader.stepsPerEpoch(); i++) loader.next(); // three epochs: every file is tried
            assertEquals(4 + 3, loader.skippedFiles());
            assertEquals(3, warnings.size(), "one warning per damaged file, however often it is drawn: " + warnings);
        }
    }

    static BufferedImage noise(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        java.util.Random r = new java.util.Random(7);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, r.nextInt(0x1000000));
        return img;
    }

    @Test
    void emptyFolderStopsWithAClearMessage() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("readme.txt"), "no images here");
        var e = assertThrows(IllegalArgumentException.class, () -> Sources.open(empty.toString()));
        assertTrue(e.getMessage().contains("no images"), e.getMessage());
    }
}
