package mcl.runtime.transfer.det;

import java.util.Objects;

/** One labelled object: its image, its class (0-based) and its box. */
public record GroundTruth(int imageId, int classId, PixelBox box) {
    public GroundTruth {
        Objects.requireNonNull(box, "box");
    }
}
