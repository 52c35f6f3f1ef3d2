package mcl.data.source;

import mcl.data.RgbImage;

/**
 * A finite, indexed set of images. Lifecycle: open (usually via {@link Sources#open}), then
 * {@link #read} any index from any thread, any number of times, then {@link #close}. Indices
 * are stable: the same index always names the same image, which makes epochs reproducible.
 */
public interface ImageSource extends AutoCloseable {
    /** Number of images (0 is never returned: opening an empty source fails). */
    int size();

    /** A human-readable name of image i (its file path, or a synthetic label) for messages. */
    String name(int index);

    /**
     * Decodes image i into {@code out} as 8-bit RGB, upright. {@code cropSize} is the side the
     * augmentation will crop to; a source may decode a subsampled image as long as the smallest
     * crop keeps that many pixels (see {@code ResizedCrop.maxSubsampling}).
     *
     * @throws BadImageException when the image cannot be used (the loader skips it)
     */
    void read(int index, int cropSize, RgbImage out) throws BadImageException;

    /** Entries dropped while opening (unreadable folders, symlink loops), each already warned about. */
    default int skippedWhileOpening() { return 0; }

    /** A one-line description, e.g. "folder /data/coco (118287 images)". */
    String describe();

    @Override
    default void close() { }
}
