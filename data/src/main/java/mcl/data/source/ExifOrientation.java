package mcl.data.source;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import mcl.data.RgbImage;

/**
 * EXIF orientation (tag 274) of JPEGs: cameras store pixels as the sensor saw them and record
 * how to turn them upright. ImageIO ignores the tag; the TwelveMonkeys metadata readers parse
 * it, and {@link #apply} turns the pixels upright.
 */
public final class ExifOrientation {
    private ExifOrientation() { }

    /** The orientation 1..8 found in the stream's APP1 Exif segment, or 1; the stream is left at 0. */
    public static int read(ImageInputStream in) {
        try {
            in.seek(0);
            List<JPEGSegment> segments = JPEGSegmentUtil.readSegments(in, JPEG.APP1, "Exif");
            for (JPEGSegment seg : segments) {
                try (InputStream data = seg.data()) {
                    byte[] bytes = data.readAllBytes();
                    // data() starts right after "Exif"; the TIFF header follows the identifier's zero padding.
                    int skip = 0;
                    while (skip < 2 && skip < bytes.length && bytes[skip] == 0) skip++;
                    try (ImageInputStream tiff = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(bytes, skip, bytes.length - skip))) {
                        Directory dir = new TIFFReader().read(tiff);
                        Entry e = dir.getEntryById(TIFF.TAG_ORIENTATION);
                        if (e != null && e.getValue() instanceof Number n && n.intValue() >= 1 && n.intValue() <= 8) return n.intValue();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Unreadable metadata: the pixels are still usable, keep them as stored.
        } finally {
            try { in.seek(0); } catch (IOException ignored) { }
        }
        return 1;
    }

    /** Turns src (stored orientation o) upright into dst; dst must not be src. */
    public static void apply(int o, RgbImage src, RgbImage dst) {
        int w = src.width();
        int h = src.height();
        boolean swap = o >= 5;
        dst.resize(swap ? h : w, swap ? w : h);
        int dw = dst.width();
        int dh = dst.height();
        byte[] s = src.pixels();
        byte[] d = dst.pixels();
        for (int yd = 0; yd < dh; yd++) {
            for (int xd = 0; xd < dw; xd++) {
                int xs;
                int ys;
                switch (o) {
                    case 2 -> { xs = w - 1 - xd; ys = yd; }
                    case 3 -> { xs = w - 1 - xd; ys = h - 1 - yd; }
                    case 4 -> { xs = xd; ys = h - 1 - yd; }
                    case 5 -> { xs = yd; ys = xd; }
                    case 6 -> { xs = yd; ys = h - 1 - xd; }
                    case 7 -> { xs = w - 1 - yd; ys = h - 1 - xd; }
                    case 8 -> { xs = w - 1 - yd; ys = xd; }
                    default -> { xs = xd; ys = yd; }
                }
                int si = 3 * (ys * w + xs);
                int di = 3 * (yd * dw + xd);
                d[di] = s[si];
                d[di + 1] = s[si + 1];
                d[di + 2] = s[si + 2];
            }
        }
    }
}
