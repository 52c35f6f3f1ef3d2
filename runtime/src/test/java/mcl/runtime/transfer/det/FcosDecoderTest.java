package mcl.runtime.transfer.det;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decoding det_eval outputs: scores, box geometry, clipping, per-level top-k and NMS across levels. */
class FcosDecoderTest {
    private static final int K = 3;
    private static final int L = 340; // 64 px

    /** Outputs of {@code batch} images where nothing scores (sigmoid(-10)^2, square-rooted: 4.5e-5). */
    private static float[][] quiet(int batch) {
        float[] cls = new float[batch * L * K];
        float[] box = new float[batch * L * 4];
        float[] ctr = new float[batch * L];
        Arrays.fill(cls, -10);
        Arrays.fill(ctr, -10);
        Arrays.fill(box, 1);
        return new float[][] {cls, box, ctr};
    }

    private static void put(float[][] o, int at, int cls, float clsLogit, float ctrLogit, float... ltrb) {
        o[0][at * K + cls - 1] = clsLogit;
        o[2][at] = ctrLogit;
        System.arraycopy(ltrb, 0, o[1], at * 4, 4);
    }

    @Test
    void oneConfidentLocationBecomesOneBox() {
        float[][] o = quiet(1);
        int at = 256 + 8 + 2; // P3 (x 2, y 1): centre (20, 12)
        put(o, at, 2, 4, 2, 5, 6, 7, 8);
        List<ScoredBox> d = FcosDecoder.standard(64, K).decode(o[0], o[1], o[2], 0);
        assertEquals(1, d.size());
        ScoredBox b = d.get(0);
        assertEquals(new ScoredBox(15, 6, 27, 20, 2, Math.sqrt(FcosDecoder.sigmoid(4) * FcosDecoder.sigmoid(2))), b);
    }

    @Test
    void nothingAboveTheThresholdGivesNoBoxes() {
        float[][] o = quiet(1);
        // sqrt(sigmoid(-4) * sigmoid(-2)) = sqrt(0.018 * 0.119) = 0.046: below 0.05
        put(o, 5, 1, -4, -2, 1, 1, 1, 1);
        assertEquals(List.of(), FcosDecoder.standard(64, K).decode(o[0], o[1], o[2], 0));
    }

    @Test
    void boxesAreClippedToTheImage() {
        float[][] o = quiet(1);
        put(o, 0, 1, 5, 5, 5, 4, 3, 70); // centre (2, 2)
        ScoredBox b = FcosDecoder.standard(64, K).decode(o[0], o[1], o[2], 0).get(0);
        assertEquals(List.of(0.0, 0.0, 5.0, 64.0), List.of(b.x0(), b.y0(), b.x1(), b.y1()));
    }

    /** The same garment seen by P2 and P3: one box survives NMS; the same place in another class stays. */
    @Test
    void duplicatesAcrossLevelsAreSuppressedPerClass() {
        float[][] o = quiet(1);
        put(o, 3 * 16 + 3, 1, 3, 3, 8, 8, 8, 8); // P2 centre (14, 14): box (6, 6, 22, 22)
        put(o, 256 + 8 + 1, 1, 5, 5, 6, 6, 10, 10); // P3 centre (12, 12): box (6, 6, 22, 22), higher score
        o[0][(3 * 16 + 4) * K + 2] = 6; // P2 centre (18, 14), class 3, ctr stays -10: sqrt(0.998 * 4.5e-5) = 0.0067, dropped
        put(o, 3 * 16 + 5, 3, 3, 3, 16, 8, 0, 8); // P2 centre (22, 14), class 3: box (6, 6, 22, 22)
        List<ScoredBox> d = FcosDecoder.standard(64, K).decode(o[0], o[1], o[2], 0);
        assertEquals(2, d.size(), d.toString());
        assertEquals(1, d.get(0).classId());
        assertEquals(FcosDecoder.sigmoid(5), d.get(0).score(), 1e-12);
        assertEquals(3, d.get(1).classId());
    }

    @Test
    void topKIsPerLevel() {
        float[][] o = quiet(1);
        put(o, 0, 1, 1, 5, 1, 1, 1, 1);
        put(o, 10, 1, 3, 5, 1, 1, 1, 1);
        put(o, 20, 1, 2, 5, 1, 1, 1, 1);
        put(o, 300, 1, 0, 5, 1, 1, 1, 1); // P3
        FcosDecoder top2 = new FcosDecoder(FcosLayout.of(64), K, 0.05, 2, 0.6, 100);
        List<ScoredBox> d = top2.decode(o[0], o[1], o[2], 0);
        assertEquals(3, d.size());
        FcosLayout l = top2.layout();
        assertEquals(List.of(l.centreX(10), l.centreX(20), l.centreX(300)), d.stream().map(b -> b.x0() + 1).toList());
    }

    @Test
    void eachImageOfABatchReadsItsOwnOutputs() {
        float[][] o = quiet(2);
        put(o, L + 339, 3, 5, 5, 4, 4, 4, 4); // image 1, P5 centre (48, 48)
        List<List<ScoredBox>> d = FcosDecoder.standard(64, K).decodeAll(o[0], o[1], o[2]);
        assertEquals(2, d.size());
        assertTrue(d.get(0).isEmpty());
        assertEquals(new ScoredBox(44, 44, 52, 52, 3, FcosDecoder.sigmoid(5)), d.get(1).get(0));
    }
}
