package mcl.runtime.transfer.det;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Class-wise greedy non-maximum suppression (torchvision's batched_nms, as FCOS uses it): boxes
 * in descending score order (equal scores keep their input order); a box is dropped when a kept
 * box of the same class overlaps it with IoU strictly above the threshold; boxes of different
 * classes never suppress each other. At most {@code maxDetections} boxes come back, highest first.
 */
public final class Nms {
    private Nms() { }

    public static List<ScoredBox> classwise(List<ScoredBox> boxes, double iouThreshold, int maxDetections) {
        if (maxDetections < 0) throw new IllegalArgumentException("maxDetections must be >= 0, got " + maxDetections);
        List<ScoredBox> order = new ArrayList<>(boxes);
        order.sort(Comparator.comparingDouble(ScoredBox::score).reversed()); // stable: ties keep input order
        List<ScoredBox> kept = new ArrayList<>();
        for (ScoredBox b : order) {
            if (kept.size() == maxDetections) break;
            boolean suppressed = false;
            for (ScoredBox k : kept) {
                if (k.classId() == b.classId() && k.iou(b) > iouThreshold) {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed) kept.add(b);
        }
        return kept;
    }
}
