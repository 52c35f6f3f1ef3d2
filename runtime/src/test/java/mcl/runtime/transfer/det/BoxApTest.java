package mcl.runtime.transfer.det;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** BoxAp on the cases of {@link ApCases#hand()}, whose numbers are worked out in their comments. */
class BoxApTest {
    static Stream<ApCases.Case> handCases() {
        return ApCases.hand().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("handCases")
    void matchesTheHandComputedNumbers(ApCases.Case c) {
        assertScores(c.expected(), c.evaluate(), 1e-12, c.name());
    }

    /** Both sides NaN, or equal within tol, for each of the six numbers. */
    static void assertScores(BoxApScores expected, BoxApScores actual, double tol, String what) {
        double[] e = expected.values();
        double[] a = actual.values();
        for (int i = 0; i < e.length; i++) {
            String msg = what + ": " + BoxApScores.NAMES[i] + " expected " + e[i] + ", got " + a[i] + " (" + actual + ")";
            if (Double.isNaN(e[i]) || Double.isNaN(a[i])) assertEquals(Double.isNaN(e[i]), Double.isNaN(a[i]), msg);
            else assertEquals(e[i], a[i], tol, msg);
        }
    }

    @Test
    void thresholdsAreCocoEvalsLinspaceValues() {
        assertEquals(10, BoxAp.IOU_THRESHOLDS.length);
        assertEquals(0.5, BoxAp.IOU_THRESHOLDS[0]);
        assertEquals(0.75, BoxAp.IOU_THRESHOLDS[5]);
        assertEquals(0.95, BoxAp.IOU_THRESHOLDS[9]);
        assertEquals(101, BoxAp.RECALL_POINTS.length);
        assertEquals(1.0, BoxAp.RECALL_POINTS[100]);
        assertNotEquals(0.35, BoxAp.RECALL_POINTS[35], "numpy.linspace(0, 1, 101)[35] is 35 * 0.01, just above 0.35");
    }

    @Test
    void scaledSizeBoundsAreCocosScaledBySideOver640() {
        assertEquals(new AreaRanges(1024, 9216), AreaRanges.forImageSide(640));
        AreaRanges r = AreaRanges.forImageSide(128);
        assertEquals(6.4 * 6.4, r.smallMax(), 1e-12);
        assertEquals(19.2 * 19.2, r.largeMin(), 1e-12);
    }

    @Test
    void rejectsClassesOutsideTheRange() {
        var g = List.of(ApCases.gt(1, 2, ApCases.box(0, 0, 4, 4)));
        var e = assertThrows(IllegalArgumentException.class, () -> BoxAp.evaluate(2, g, List.of(), ApCases.SCENES));
        assertEquals("class 2 is outside 0..1", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PixelBox(5, 0, 4, 4));
    }
}
