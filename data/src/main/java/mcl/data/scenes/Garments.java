package mcl.data.scenes;

import mcl.data.FloatImage;
import mcl.data.RgbImage;
import mcl.data.augment.ResizedCrop;
import mcl.data.montage.MontageBatch;

/**
 * Single Fashion-MNIST garments as network input for frozen-feature probes: the 28x28 grey image
 * resized (antialiased bilinear, as the augmentations resize) to the preset's side, grey copied to
 * RGB, normalised with the pre-training constants. Not thread-safe (reuses buffers).
 */
public final class Garments {
    private final FashionMnist set;
    private final int side;
    private final int first;
    private final RgbImage rgb = new RgbImage();
    private final FloatImage resized = new FloatImage();
    private final ResizedCrop.Scratch scratch = new ResizedCrop.Scratch();

    public Garments(FashionMnist set, int side) {
        this(set, side, 0);
    }

    private Garments(FashionMnist set, int side, int first) {
        this.set = set;
        this.side = side;
        this.first = first;
    }

    /**
     * The last {@code count} garments of the same file, as a held-out validation set: probe settings
     * and pre-training recipes are chosen on these (training garments from the front of the file,
     * never overlapping), never on the test split.
     */
    public Garments last(int count) {
        if (count < 1 || count > size()) throw new IllegalArgumentException("cannot take the last " + count + " of " + size() + " garments");
        return new Garments(set, side, first + size() - count);
    }

    public int label(int index) { return set.label(first + index); }

    public int size() { return set.size() - first; }

    /** Writes garment {@code index} as normalised [3, side, side] floats at {@code offset} of {@code out}. */
    public void write(int index, float[] out, int offset) {
        index += first;
        rgb.resize(set.cols(), set.rows());
        for (int y = 0; y < set.rows(); y++) {
            for (int x = 0; x < set.cols(); x++) {
                int v = set.intensity(index, x, y);
                rgb.set(x, y, v, v, v);
            }
        }
        ResizedCrop.apply(rgb, new ResizedCrop.Box(0, 0, set.rows(), set.cols()), side, side, resized, scratch);
        float[] d = resized.data();
        int plane = side * side;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) out[offset + c * plane + i] = (d[c * plane + i] * 255f - MontageBatch.MEAN[c]) / MontageBatch.STD[c];
        }
    }
}
