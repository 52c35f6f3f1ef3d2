package mcl.runtime.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** mIoU and pixel accuracy on cases worked out by hand. */
class SegMetricsTest {
    @Test
    void handComputedThreeClassCase() {
        // labels:     0 0 1 1 2 2      predicted: 0 1 1 1 2 0
        // class 0: TP 1, FN 1 (a 0 called 1), FP 1 (a 2 called 0)  -> 1/3
        // class 1: TP 2, FN 0, FP 1                                -> 2/3
        // class 2: TP 1, FN 1, FP 0                                -> 1/2
        SegMetrics m = new SegMetrics(3);
        int[] label = {0, 0, 1, 1, 2, 2};
        int[] pred = {0, 1, 1, 1, 2, 0};
        for (int i = 0; i < label.length; i++) m.add(label[i], pred[i]);
        assertArrayEquals(new double[] {1 / 3.0, 2 / 3.0, 1 / 2.0}, m.iou(), 1e-12);
        assertEquals((1 / 3.0 + 2 / 3.0 + 1 / 2.0) / 3, m.meanIou(), 1e-12);
        assertEquals(4 / 6.0, m.pixelAccuracy(), 1e-12);
        assertEquals(6, m.pixels());
    }

    @Test
    void aClassInNeitherLabelsNorPredictionsIsLeftOutOfTheMean() {
        SegMetrics m = new SegMetrics(4);
        m.add(0, 0);
        m.add(1, 1);
        m.add(1, 0); // class 0: TP 1, FP 1 -> 1/2; class 1: TP 1, FN 1 -> 1/2; classes 2, 3 absent
        double[] iou = m.iou();
        assertEquals(0.5, iou[0], 1e-12);
        assertEquals(0.5, iou[1], 1e-12);
        assertTrue(Double.isNaN(iou[2]) && Double.isNaN(iou[3]));
        assertEquals(0.5, m.meanIou(), 1e-12);
    }

    @Test
    void aPredictedButAbsentClassCountsAsZero() {
        SegMetrics m = new SegMetrics(3);
        m.add(0, 0);
        m.add(0, 2); // class 2 never in the labels but predicted once: IoU 0, and it pulls the mean down
        assertEquals(0.0, m.iou()[2], 0);
        assertEquals((0.5 + 0.0) / 2, m.meanIou(), 1e-12);
    }

    @Test
    void argMaxOverTheClassAxisOfNchwLogits() {
        // B = 2 (only the first is counted), K = 2, H = 1, W = 2
        float[] logits = {
            0.1f, 0.9f, /* class 1 */ 0.5f, 0.2f, // image 0: pixel 0 -> class 1, pixel 1 -> class 0
            9f, 9f, 0f, 0f};                      // image 1: not counted
        SegMetrics m = new SegMetrics(2);
        m.addLogits(FloatBuffer.wrap(logits), new long[] {1, 1, 0, 0}, 1, 1, 2);
        assertEquals(2, m.pixels());
        assertEquals(0.5, m.pixelAccuracy(), 1e-12); // pixel 0 right (1), pixel 1 wrong (label 1, predicted 0)
        assertArrayEquals(new long[][] {{0, 0}, {1, 1}}, m.confusion());
    }

    @Test
    void outOfRangeClassesAreRejected() {
        SegMetrics m = new SegMetrics(3);
        assertThrows(IllegalArgumentException.class, () -> m.add(3, 0));
        assertThrows(IllegalArgumentException.class, () -> m.add(0, -1));
        assertThrows(IllegalArgumentException.class, () -> new SegMetrics(1));
    }
}
