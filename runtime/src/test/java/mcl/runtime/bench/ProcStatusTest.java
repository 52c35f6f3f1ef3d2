package mcl.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The benchmark's "other processes' CPU seconds" is never negative (it was, by tick rounding). */
class ProcStatusTest {
    @Test
    void foreignCpuTimeIsNeverNegative() {
        double spin = 0;
        for (int i = 0; i < 20; i++) {
            double before = ProcStatus.foreignCpuSeconds();
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < 20_000_000L) spin += Math.sqrt(spin + i); // our own CPU time only
            double d = ProcStatus.foreignSince(before);
            assertTrue(Double.isNaN(d) || d >= 0, "negative: " + d);
        }
        assertTrue(spin > 0);
    }
}
