package mcl.runtime.transfer.det;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Class-wise greedy NMS on boxes whose IoUs are worked out by hand. */
class NmsTest {
    private static ScoredBox box(double x0, double y0, double x1, double y1, int cls, double score) {
        return new ScoredBox(x0, y0, x1, y1, cls, score);
    }

    @Test
    void aDuplicateIsSuppressedButNotAnotherClassNorALooseNeighbour() {
        ScoredBox a = box(0, 0, 10, 10, 1, 0.9);
        ScoredBox dup = box(1, 0, 11, 10, 1, 0.8); // IoU 90 / 110 = 0.82 with a
        ScoredBox other = box(1, 0, 11, 10, 2, 0.8); // the same box, another class
        ScoredBox loose = box(5, 0, 15, 10, 1, 0.7); // IoU 50 / 150 = 0.33 with a, 60 / 140 with dup
        assertEquals(90 / 110.0, a.iou(dup), 1e-12);
        assertEquals(List.of(a, other, loose), Nms.classwise(List.of(loose, dup, other, a), 0.6, 100));
    }

    @Test
    void anIouExactlyAtTheThresholdIsKept() {
        ScoredBox a = box(0, 0, 10, 10, 1, 0.9);
        ScoredBox b = box(0, 0, 10, 6, 1, 0.5); // IoU 60 / 100
        assertEquals(0.6, a.iou(b), 0);
        assertEquals(List.of(a, b), Nms.classwise(List.of(b, a), 0.6, 100));
        assertEquals(List.of(a), Nms.classwise(List.of(b, a), 0.59, 100));
    }

    /** A suppressed box does not suppress others: c overlaps b (suppressed by a) but not a. */
    @Test
    void onlyKeptBoxesSuppress() {
        ScoredBox a = box(0, 0, 10, 10, 1, 0.9);
        ScoredBox b = box(2, 0, 12, 10, 1, 0.8); // IoU 80 / 120 = 0.67 with a
        ScoredBox c = box(4, 0, 14, 10, 1, 0.7); // IoU 60 / 140 = 0.43 with a, 80 / 120 with b
        assertEquals(List.of(a, c), Nms.classwise(List.of(c, b, a), 0.6, 100));
    }

    @Test
    void atMostMaxDetectionsHighestFirstAndEqualScoresInInputOrder() {
        ScoredBox b1 = box(0, 0, 1, 1, 1, 0.2);
        ScoredBox b2 = box(2, 0, 3, 1, 1, 0.9);
        ScoredBox b3 = box(4, 0, 5, 1, 1, 0.5);
        ScoredBox b4 = box(6, 0, 7, 1, 1, 0.5);
        ScoredBox b5 = box(8, 0, 9, 1, 1, 0.7);
        assertEquals(List.of(b2, b5, b3), Nms.classwise(List.of(b1, b2, b3, b4, b5), 0.6, 3));
        assertEquals(List.of(b2, b5, b4, b3, b1), Nms.classwise(List.of(b1, b2, b4, b3, b5), 0.6, 100));
    }

    @Test
    void degenerateBoxesOverlapNothing() {
        assertEquals(0, box(3, 3, 3, 8, 1, 1).iou(box(0, 0, 10, 10, 1, 1)));
        assertEquals(0, box(0, 0, 5, 5, 1, 1).iou(box(5, 0, 10, 5, 1, 1)));
    }
}
