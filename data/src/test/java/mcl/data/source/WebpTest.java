package mcl.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.luciad.imageio.webp.WebPWriteParam;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import mcl.data.RgbImage;
import mcl.data.augment.ResizedCrop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WebP through libwebp: reduced while decoding, the same pixels as the pure-Java fallback, damage reported. */
class WebpTest {
    @TempDir
    Path dir;
    private final ImageDecoder decoder = new ImageDecoder();

    @AfterEach
    void restore() { ImageDecoder.useNativeWebp(true); }

    static byte[] losslessWebp(BufferedImage img) throws Exception {
        ImageWriter w = ImageIO.getImageWritersByMIMEType("image/webp").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var ios = ImageIO.createImageOutputStream(out)) {
            w.setOutput(ios);
            WebPWriteParam p = new WebPWriteParam(null);
            p.setCompressionMode(WebPWriteParam.MODE_EXPLICIT);
            p.setCompressionType(p.getCompressionTypes()[WebPWriteParam.LOSSLESS_COMPRESSION]);
            w.write(null, new IIOImage(img, null, null), p);
        }
        w.dispose();
        return out.toByteArray();
    }

    private RgbImage decode(Path p, int cropSize) throws BadImageException {
        RgbImage out = new RgbImage();
        decoder.decode(p, cropSize, out);
        return out;
    }

    @Test
    void libwebpAndThePureJavaDecoderAgreeExactlyOnALosslessImage() throws Exception {
        Path p = dir.resolve("noise.webp");
        Files.write(p, losslessWebp(BadFilesTest.noise(97, 61)));
        RgbImage fast = decode(p, 0);
        ImageDecoder.useNativeWebp(false);
        RgbImage slow = decode(p, 0);
        assertEquals(97, fast.width());
        assertEquals(61, fast.height());
        assertTrue(Arrays.equals(fast.pixels(), slow.pixels()), "libwebp and TwelveMonkeys differ on a lossless WebP");
        BufferedImage ref = BadFilesTest.noise(97, 61);
        int rgb = ref.getRGB(40, 30);
        assertEquals((rgb >> 16) & 0xff, fast.get(40, 30, 0));
        assertEquals(rgb & 0xff, fast.get(40, 30, 2));
    }

    @Test
    void aLargeWebpIsScaledWhileDecodingToWhatTheCropsNeed() throws Exception {
        Path p = dir.resolve("big.webp");
        Files.write(p, losslessWebp(BadFilesTest.halves(1600, 1200)));
        int sub = ResizedCrop.maxSubsampling(1600, 1200, 32);
        assertTrue(sub >= 4, "the case must actually subsample, got " + sub);
        RgbImage img = decode(p, 32);
        assertEquals((1600 + sub - 1) / sub, img.width());
        assertEquals((1200 + sub - 1) / sub, img.height());
        int w = img.width();
        // Red left half, blue right half survive the resampling away from the seam.
        assertEquals(255, img.get(w / 4, img.height() / 2, 0), 2);
        assertEquals(255, img.get(3 * w / 4, img.height() / 2, 2), 2);
        assertEquals(0, img.get(3 * w / 4, img.height() / 2, 0), 2);
    }

    @Test
    void aTruncatedWebpFailsWithItsName() throws Exception {
        byte[] whole = losslessWebp(BadFilesTest.noise(200, 150));
        Path p = dir.resolve("cut.webp");
        Files.write(p, Arrays.copyOf(whole, whole.length / 2));
        var e = assertThrows(BadImageException.class, () -> decode(p, 0));
        assertTrue(e.getMessage().contains("cut.webp"), e.getMessage());
    }
}
