package mcl.data.source;

import java.nio.file.Path;
import java.util.List;
import mcl.data.RgbImage;

/** Base of the file-backed sources: a fixed list of image paths, decoded on demand. */
public abstract class FileListSource implements ImageSource {
    private final List<Path> files;
    private final ThreadLocal<ImageDecoder> decoders = ThreadLocal.withInitial(ImageDecoder::new);
    private final DecodedCache cache = new DecodedCache();

    protected FileListSource(List<Path> files, String what) {
        if (files.isEmpty()) throw new IllegalArgumentException(what + ": no images found");
        this.files = List.copyOf(files);
    }

    @Override
    public int size() { return files.size(); }

    public Path path(int index) { return files.get(index); }

    @Override
    public String name(int index) { return files.get(index).toString(); }

    @Override
    public void read(int index, int cropSize, RgbImage out) throws BadImageException {
        if (cache.get(index, cropSize, out)) return;
        long t0 = System.nanoTime();
        decoders.get().decode(files.get(index), cropSize, out);
        cache.offer(index, cropSize, out, System.nanoTime() - t0);
    }
}
