package mcl.data.scenes;

import java.util.Arrays;

/**
 * One semantic-segmentation batch in the layout ONNX Runtime takes: {@link #images} float32
 * [B, 3, S, S] normalised like the pre-training input (ImageNet mean/std), {@link #labels}
 * int64 [B, S, S] with the class per pixel (0 = background). Allocated once and refilled by
 * {@link SegBatches}; a short last batch fills {@link #count} positions and zeroes the rest
 * (image 0, label 0), so evaluation must only score positions below count().
 */
public final class SegBatch {
    private final int capacity;
    private final int side;
    private final float[] images;
    private final long[] labels;
    private final int[] indices;
    private final boolean[] flipped;
    private int count;

    public SegBatch(int capacity, int side) {
        if (capacity < 1 || side < 1) throw new IllegalArgumentException("batch needs positive capacity and side, got " + capacity + ", " + side);
        if ((long) capacity * 3 * side * side > Integer.MAX_VALUE) throw new IllegalArgumentException("batch too large: " + capacity + "x3x" + side + "x" + side);
        this.capacity = capacity;
        this.side = side;
        this.images = new float[capacity * 3 * side * side];
        this.labels = new long[capacity * side * side];
        this.indices = new int[capacity];
        this.flipped = new boolean[capacity];
    }

    /** B, the number of positions. */
    public int capacity() { return capacity; }

    /** S, the image side. */
    public int side() { return side; }

    /** Positions 0..count()-1 hold scenes; the rest are padding. */
    public int count() { return count; }

    /** float32 [B, 3, S, S], (value - MEAN[c]) / STD[c] on 0..255 RGB. */
    public float[] images() { return images; }

    /** int64 [B, S, S], the class of pixel (x, y) of position b at b*S*S + y*S + x. */
    public long[] labels() { return labels; }

    /** {B, 3, S, S}, for building the input tensor. */
    public long[] imageShape() { return new long[] {capacity, 3, side, side}; }

    /** {B, S, S}. */
    public long[] labelShape() { return new long[] {capacity, side, side}; }

    /** The scene index at position b (valid below count()). */
    public int index(int b) { return indices[b]; }

    /** Whether position b was mirrored left-right. */
    public boolean flipped(int b) { return flipped[b]; }

    void set(int b, int sceneIndex, boolean flip) {
        indices[b] = sceneIndex;
        flipped[b] = flip;
    }

    void setCount(int count) {
        this.count = count;
        int plane = side * side;
        Arrays.fill(images, count * 3 * plane, capacity * 3 * plane, 0f);
        Arrays.fill(labels, count * plane, capacity * plane, 0L);
        Arrays.fill(indices, count, capacity, -1);
        Arrays.fill(flipped, count, capacity, false);
    }
}
