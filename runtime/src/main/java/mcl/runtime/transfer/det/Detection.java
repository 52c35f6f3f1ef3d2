package mcl.runtime.transfer.det;

import java.util.Objects;

/** One box a detector proposes: its image, its class (0-based), its box and its confidence. */
public record Detection(int imageId, int classId, PixelBox box, double score) {
    public Detection {
        Objects.requireNonNull(box, "box");
        if (!Double.isFinite(score)) throw new IllegalArgumentException("a detection's score must be finite, got " + score);
    }
}
