package mcl.data.source;

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
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import mcl.data.RgbImage;
import mcl.data.augment.ResizedCrop;

/**
 * Decodes an image file with ImageIO (JPEG incl. CMYK/YCCK and WebP through the TwelveMonkeys
 * plugins; PNG, BMP, GIF built in) into upright 8-bit RGB. Large images are decoded with
 * source subsampling so that memory stays bounded; alpha is dropped and grey, palette and
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
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new BadImageException(file + ": not a recognised image format");
            ImageReader reader = readers.next();
            try {
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
                if (sub > 1) param.setSourceSubsampling(sub, sub, 0, 0);
                // JPEG subsamples while decoding; the other decoders hold the whole image first.
                long pixels = jpeg ? (long) ((w + sub - 1) / sub) * ((h + sub - 1) / sub) : (long) w * h;
                BufferedImage img = DecodeBudget.decode(pixels, () -> reader.read(0, param));
                // A truncated or corrupt file often still "decodes" (the missing part grey): the decoder's warnings tell.
                if (damage[0] != null) throw new BadImageException(file + ": damaged image (" + damage[0] + ")");
                if (orientation == 1) {
                    toRgb(img, out);
                } else {
                    toRgb(img, stored);
                    ExifOrientation.apply(orientation, stored, out);
                }
            } finally {
                reader.dispose();
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
