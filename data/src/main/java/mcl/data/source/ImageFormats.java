package mcl.data.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which files are images we decode: by extension first (cheap, like torchvision's ImageFolder),
 * then by the file's first bytes, so a text file named {@code .jpg} is not counted as an image.
 * Also names the image formats we see but do not decode, so a folder of SVGs is not ignored
 * without a word.
 */
public final class ImageFormats {
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "webp");

    /** Image formats people keep in photo folders that ImageIO here does not read, by extension. */
    private static final Map<String, String> UNSUPPORTED = Map.ofEntries(
            Map.entry("svg", "SVG"), Map.entry("svgz", "SVG"), Map.entry("tif", "TIFF"), Map.entry("tiff", "TIFF"),
            Map.entry("heic", "HEIC"), Map.entry("heif", "HEIF"), Map.entry("avif", "AVIF"), Map.entry("jxl", "JPEG XL"),
            Map.entry("jp2", "JPEG 2000"), Map.entry("ico", "ICO"), Map.entry("psd", "PSD"), Map.entry("dng", "raw (DNG)"),
            Map.entry("cr2", "raw (CR2)"), Map.entry("nef", "raw (NEF)"), Map.entry("arw", "raw (ARW)"), Map.entry("xcf", "XCF"));

    private ImageFormats() { }

    static String extension(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    }

    /** An extension we decode. */
    public static boolean hasImageName(Path file) { return EXTENSIONS.contains(extension(file)); }

    /** The format's name when the extension is an image format we do not decode, else null. */
    public static String unsupported(Path file) { return UNSUPPORTED.get(extension(file)); }

    /** The format the first bytes announce (JPEG, PNG, GIF, BMP, WebP), or null for anything else. */
    public static String sniff(Path file) {
        byte[] h = new byte[12];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(h, 0, h.length);
        } catch (IOException e) {
            return null;
        }
        if (n >= 3 && (h[0] & 0xff) == 0xFF && (h[1] & 0xff) == 0xD8 && (h[2] & 0xff) == 0xFF) return "JPEG";
        if (n >= 8 && (h[0] & 0xff) == 0x89 && h[1] == 'P' && h[2] == 'N' && h[3] == 'G') return "PNG";
        if (n >= 4 && h[0] == 'G' && h[1] == 'I' && h[2] == 'F' && h[3] == '8') return "GIF";
        if (n >= 2 && h[0] == 'B' && h[1] == 'M') return "BMP";
        if (n >= 12 && h[0] == 'R' && h[1] == 'I' && h[2] == 'F' && h[3] == 'F' && h[8] == 'W' && h[9] == 'E' && h[10] == 'B' && h[11] == 'P') return "WebP";
        return null;
    }
}
