package mcl.data.source;

import com.luciad.imageio.webp.WebPReadParam;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import mcl.data.RgbImage;
import mcl.data.augment.ResizedCrop;

/**
 * Decodes an image file with ImageIO (JPEG incl. CMYK/YCCK through the TwelveMonkeys plugin; WebP
 * through libwebp (webp-imageio), TwelveMonkeys' pure-Java decoder where libwebp cannot load; PNG,
 * BMP, GIF built in) into upright 8-bit RGB. Large images are reduced while decoding (JPEG
 * subsampling, libwebp scaling; PNG and the others subsample after decoding) so that memory stays bounded; alpha is dropped and grey, palette and
 * 16-bit images are converted, as PIL's {@code convert("RGB")} does. Per-thread: it keeps a
 * scratch image for the EXIF rotation.
 */
public final class ImageDecoder {
    static {
        ImageIO.setUseCache(false); // decode in memory, no temp files
        ImageIO.scanForPlugins();
    }

    /** Decoder warnings that mean the pixels are not all there. */
    private static final java.util.regex.Pattern DAMAGE = java.util.regex.Pattern.compile("(?i)truncat|premature|corrupt|missing eoi|unexpected end");

    /** Whether webp-imageio's native libwebp loaded (assumed until a decode finds otherwise). */
    private static volatile boolean nativeWebpLoads = true;

    private final RgbImage stored = new RgbImage();
    private int[] rowBuf = new int[0];

    /** Decodes {@code file}; cropSize bounds the subsampling (0 = none). */
    public void decode(Path file, int cropSize, RgbImage out) throws BadImageException {
        long bytes;
        try {
            bytes = Files.size(file);
        } catch (IOException e) {
            throw new BadImageException(file + ": cannot read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
        if (bytes == 0) throw new BadImageException(file + ": empty file (0 bytes)");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) throw new BadImageException(file + ": cannot open");
            List<ImageReader> readers = new ArrayList<>();
            ImageIO.getImageReaders(in).forEachRemaining(readers::add);
            if (readers.isEmpty()) throw new BadImageException(file + ": not a recognised image format");
            ImageReader reader = pick(readers);
            checkRiffLength(file, in, bytes);
            try {
                read(file, in, reader, cropSize, out);
            } catch (LinkageError e) {
                if (!isNativeWebp(reader)) throw e;
                // webp-imageio bundles libwebp for the common platforms only: fall back to pure Java.
                nativeWebpLoads = false;
                Warnings.warn("libwebp (webp-imageio) did not load (" + e + "); decoding WebP in pure Java, 10-30x slower");
                in.seek(0);
                read(file, in, pick(readers), cropSize, out);
            } finally {
                for (ImageReader r : readers) r.dispose();
            }
        } catch (BadImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Decoders report corrupt data with IOExceptions and, sometimes, runtime exceptions.
            throw new BadImageException(file + ": cannot decode (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        } catch (OutOfMemoryError e) {
            throw new BadImageException(file + ": too large to decode", e);
        }
    }

    /**
     * A WebP's RIFF header states its length: libwebp decodes a truncated file without complaint
     * (the missing rows left blank), so a file shorter than it says is reported as damaged here.
     */
    private static void checkRiffLength(Path file, ImageInputStream in, long bytes) throws IOException, BadImageException {
        byte[] h = new byte[12];
        in.mark();
        int n = in.read(h);
        in.reset();
        if (n < 12 || h[0] != 'R' || h[1] != 'I' || h[2] != 'F' || h[3] != 'F' || h[8] != 'W' || h[9] != 'E' || h[10] != 'B' || h[11] != 'P') return;
        long declared = 8 + ((h[4] & 0xffL) | (h[5] & 0xffL) << 8 | (h[6] & 0xffL) << 16 | (h[7] & 0xffL) << 24);
        if (bytes < declared) throw new BadImageException(file + ": damaged image (truncated WebP: " + bytes + " of " + declared + " bytes)");
    }

    /** libwebp's reader while it loads; otherwise the first reader that is not it. */
    private static ImageReader pick(List<ImageReader> readers) {
        for (ImageReader r : readers) if (isNativeWebp(r) == nativeWebpLoads) return r;
        return readers.get(0);
    }

    /** Tests: decode WebP with libwebp (true) or the pure-Java fallback (false). */
    static void useNativeWebp(boolean use) { nativeWebpLoads = use; }

    static boolean isNativeWebp(ImageReader r) {
        return r.getClass().getName().startsWith("com.luciad.imageio.webp.");
    }

    private void read(Path file, ImageInputStream in, ImageReader reader, int cropSize, RgbImage out) throws IOException, BadImageException {
        boolean jpeg = reader.getFormatName().toLowerCase(java.util.Locale.ROOT).contains("jp");
        int orientation = jpeg ? ExifOrientation.read(in) : 1;
        reader.setInput(in, true, true);
        String[] damage = {null};
        reader.addIIOReadWarningListener((src, warning) -> {
            if (damage[0] == null && DAMAGE.matcher(warning).find()) damage[0] = warning;
        });
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w <= 0 || h <= 0) throw new BadImageException(file + ": invalid size " + w + "x" + h);
        ImageReadParam param = reader.getDefaultReadParam();
        int sub = cropSize > 0 ? ResizedCrop.maxSubsampling(w, h, cropSize) : 1;
        int sw = (w + sub - 1) / sub;
        int sh = (h + sub - 1) / sub;
        boolean scaledWhileDecoding = jpeg;
        if (sub > 1 && param instanceof WebPReadParam webp) {
            // libwebp resamples (area-averaged) while decoding row by row: never the full image in memory.
            webp.setUseScaling(true);
            webp.setScaledWidth(sw);
            webp.setScaledHeight(sh);
            if (sub >= 4) {
                // Averaged down 4x or more, chroma upsampling and the deblocking filter change nothing
                // visible; skipping them saves ~20% of the decode.
                webp.setNoFancyUpsampling(true);
                webp.setBypassFiltering(true);
            }
            scaledWhileDecoding = true;
        } else if (sub > 1) {
            param.setSourceSubsampling(sub, sub, 0, 0);
        }
        // JPEG and libwebp reduce while decoding; the other decoders hold the whole image first.
        long pixels = scaledWhileDecoding ? (long) sw * sh : (long) w * h;
        BufferedImage img = DecodeBudget.decode(pixels, () -> reader.read(0, param));
        // A truncated or corrupt file often still "decodes" (the missing part grey): the decoder's warnings tell.
        if (damage[0] != null) throw new BadImageException(file + ": damaged image (" + damage[0] + ")");
        if (orientation == 1) {
            toRgb(img, out);
        } else {
            toRgb(img, stored);
            ExifOrientation.apply(orientation, stored, out);
        }
    }

    /** Converts any BufferedImage to 8-bit RGB, reading rasters directly where the layout allows. */
    void toRgb(BufferedImage img, RgbImage out) {
        int w = img.getWidth();
        int h = img.getHeight();
        out.resize(w, h);
        byte[] d = out.pixels();
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        ColorSpace cs = cm.getColorSpace();
        if (cm instanceof ComponentColorModel && raster.getDataBuffer() instanceof DataBufferByte db
                && raster.getSampleModel() instanceof PixelInterleavedSampleModel sm && cs.isCS_sRGB() && sm.getNumBands() >= 3
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0 && sm.getSampleSize(0) == 8) {
            // 8-bit interleaved RGB(A)/BGR(A), the usual JPEG/PNG result: copy bytes.
            byte[] src = db.getData();
            int[] off = sm.getBandOffsets();
            int ps = sm.getPixelStride();
            int ss = sm.getScanlineStride();
            int base = db.getOffset();
            for (int y = 0; y < h; y++) {
                int s = base + y * ss;
                int o = 3 * y * w;
                for (int x = 0; x < w; x++, s += ps, o += 3) {
                    d[o] = src[s + off[0]];
                    d[o + 1] = src[s + off[1]];
                    d[o + 2] = src[s + off[2]];
                }
            }
        } else if (cm instanceof ComponentColorModel && (cs.getType() == ColorSpace.TYPE_GRAY || cs.isCS_sRGB())) {
            // Grey (+alpha) or RGB at 8 or 16 bits: take the samples as stored (PIL's convention:
            // grey values are not gamma-converted), keeping the top 8 bits.
            int bands = cs.getType() == ColorSpace.TYPE_GRAY ? 1 : 3;
            if (rowBuf.length < w) rowBuf = new int[w];
            for (int c = 0; c < 3; c++) {
                int band = bands == 1 ? 0 : c;
                int shift = Math.max(0, raster.getSampleModel().getSampleSize(band) - 8);
                for (int y = 0; y < h; y++) {
                    raster.getSamples(0, y, w, 1, band, rowBuf);
                    int o = 3 * y * w + c;
                    for (int x = 0; x < w; x++, o += 3) d[o] = (byte) (rowBuf[x] >> shift);
                }
            }
        } else {
            // Palette, packed ints, CMYK left unconverted, other colour spaces: let Java2D convert to sRGB.
            if (rowBuf.length < w) rowBuf = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, rowBuf, 0, w);
                int o = 3 * y * w;
                for (int x = 0; x < w; x++, o += 3) {
                    int p = rowBuf[x];
                    d[o] = (byte) (p >> 16);
                    d[o + 1] = (byte) (p >> 8);
                    d[o + 2] = (byte) p;
                }
            }
        }
    }
}
