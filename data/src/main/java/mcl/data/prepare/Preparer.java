package mcl.data.prepare;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import mcl.data.FloatImage;
import mcl.data.RgbImage;
import mcl.data.augment.ResizedCrop;
import mcl.data.source.BadImageException;
import mcl.data.source.ImageSource;

/**
 * Writes every image of a source once, at the resolution pre-training needs, as JPEG
 * ({@link PreparedDataset}). Each image is scaled down (antialiased, as the augmentation's resize)
 * only as far as the smallest random crop of the recipe still has {@code cropSize} pixels across
 * (ResizedCrop's scale 0.2 and ratio 3/4), and at most to {@code maxSide}. JPEG at quality 95:
 * the recipe reads JPEG-compressed photos anyway (COCO, ImageNet), and a 0.5-megapixel JPEG
 * decodes in milliseconds where a 4096x4096 WebP takes seconds. Deterministic: file i depends on
 * source image i alone. Resumable: each file appears by an atomic rename, so a stopped run
 * leaves only whole files, and the next run skips them.
 */
public final class Preparer {
    /** Told after every image: how many are done (written or skipped) of the total, and how many were skipped. */
    @FunctionalInterface
    public interface Listener {
        void progress(int done, int total, int skipped);
    }

    /** What a preparation did. */
    public record Result(int images, int written, int reused, List<String> skipped, Path index) { }

    private final int cropSize;
    private final int maxSide;
    private final float quality;
    private final int workers;

    /**
     * @param cropSize the pre-training crop side (the preset's size)
     * @param maxSide  cap on the longer side (0: none)
     */
    public Preparer(int cropSize, int maxSide, float quality, int workers) {
        if (cropSize < 1) throw new IllegalArgumentException("crop size must be positive, got " + cropSize);
        if (maxSide < 0) throw new IllegalArgumentException("--max-side must be positive, got " + maxSide);
        if (!(quality > 0 && quality <= 1)) throw new IllegalArgumentException("JPEG quality must be in (0, 100], got " + quality * 100);
        if (workers < 1) throw new IllegalArgumentException("workers must be positive, got " + workers);
        this.cropSize = cropSize;
        this.maxSide = maxSide;
        this.quality = quality;
        this.workers = workers;
    }

    /** The size image {@code w x h} is stored at: the smallest crop keeps cropSize pixels, the longer side at most maxSide. */
    public int[] targetSize(int w, int h) {
        double smallestCropSide = Math.sqrt(ResizedCrop.SCALE_MIN * ResizedCrop.RATIO_MIN * w * (double) h);
        double f = Math.min(1, cropSize / smallestCropSide);
        if (maxSide > 0) f = Math.min(f, maxSide / (double) Math.max(w, h));
        f = Math.min(1, f);
        return new int[] {Math.max(1, (int) Math.round(w * f)), Math.max(1, (int) Math.round(h * f))};
    }

    public Result run(ImageSource source, String sourceSpec, Path dir, Listener listener) throws IOException, InterruptedException {
        Path images = dir.resolve(PreparedDataset.IMAGES);
        Files.createDirectories(images);
        Files.deleteIfExists(dir.resolve(PreparedDataset.INDEX)); // the index comes last: until then the folder is unfinished
        int n = source.size();
        boolean[] ok = new boolean[n];
        String[] why = new String[n];
        AtomicInteger done = new AtomicInteger();
        AtomicInteger skipped = new AtomicInteger();
        AtomicInteger written = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);
            for (int i = 0; i < n; i++) {
                int index = i;
                jobs.add(pool.submit(() -> {
                    Path file = images.resolve(PreparedDataset.fileName(index));
                    try {
                        if (!Files.isRegularFile(file)) {
                            write(source, index, file, buffers.get());
                            written.incrementAndGet();
                        }
                        ok[index] = true;
                    } catch (BadImageException | IOException e) {
                        why[index] = source.name(index) + ": " + e.getMessage();
                        skipped.incrementAndGet();
                    }
                    listener.progress(done.incrementAndGet(), n, skipped.get());
                    return null;
                }));
            }
            for (Future<?> f : jobs) f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("preparing failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        ObjectNode root = PreparedDataset.JSON.createObjectNode();
        root.put("format", PreparedDataset.FORMAT);
        root.put("source", sourceSpec);
        root.put("crop_size", cropSize);
        root.put("max_side", maxSide);
        root.put("jpeg_quality", Math.round(quality * 100));
        ArrayNode list = root.putArray("images");
        ArrayNode bad = root.putArray("skipped");
        List<String> skippedList = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (ok[i]) list.addObject().put("file", PreparedDataset.fileName(i)).put("source", source.name(i));
            else {
                bad.add(why[i]);
                skippedList.add(why[i]);
            }
        }
        if (list.isEmpty()) throw new IOException("no image of " + source.describe() + " could be prepared");
        Path index = dir.resolve(PreparedDataset.INDEX);
        Path tmp = dir.resolve(PreparedDataset.INDEX + ".tmp");
        PreparedDataset.JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
        Files.move(tmp, index, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new Result(list.size(), written.get(), list.size() - written.get(), skippedList, index);
    }

    /** Per-thread buffers: decoded image, resized planes, the output raster. */
    private static final class Buffers {
        final RgbImage rgb = new RgbImage();
        final FloatImage resized = new FloatImage();
        final ResizedCrop.Scratch scratch = new ResizedCrop.Scratch();
    }

    private void write(ImageSource source, int index, Path file, Buffers b) throws BadImageException, IOException {
        source.read(index, cropSize, b.rgb); // a source may already subsample what the crop cannot need
        int[] size = targetSize(b.rgb.width(), b.rgb.height());
        ResizedCrop.apply(b.rgb, new ResizedCrop.Box(0, 0, b.rgb.height(), b.rgb.width()), size[0], size[1], b.resized, b.scratch);
        BufferedImage img = new BufferedImage(size[0], size[1], BufferedImage.TYPE_3BYTE_BGR);
        byte[] px = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        float[] d = b.resized.data();
        int plane = size[0] * size[1];
        for (int i = 0; i < plane; i++) {
            px[3 * i] = toByte(d[2 * plane + i]);  // BGR order of TYPE_3BYTE_BGR
            px[3 * i + 1] = toByte(d[plane + i]);
            px[3 * i + 2] = toByte(d[i]);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (OutputStream os = Files.newOutputStream(tmp); var ios = ImageIO.createImageOutputStream(os)) {
            w.setOutput(ios);
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            w.write(null, new IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte toByte(float v) { return (byte) Math.max(0, Math.min(255, Math.round(v * 255f))); }
}
