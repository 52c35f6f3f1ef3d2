package mcl.runtime.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TransferConfigTest {
    @Test
    void labelFractionsParseFromPercentagesAndFractions() {
        assertEquals(0.01, TransferConfig.parseLabels("1%"), 1e-15);
        assertEquals(0.10, TransferConfig.parseLabels("10%"), 1e-15);
        assertEquals(1.0, TransferConfig.parseLabels("100%"), 1e-15);
        assertEquals(0.05, TransferConfig.parseLabels("0.05"), 1e-15);
        assertEquals("1%", TransferConfig.labelsName(0.01));
        assertEquals("12.5%", TransferConfig.labelsName(0.125));
        for (String bad : new String[] {"0%", "150%", "ten", "-1", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TransferConfig.parseLabels(bad));
            assertTrue(e.getMessage().contains("1%, 10% or 100%"), e.getMessage());
        }
    }

    @Test
    void labelledScenesAreTheFractionOfThePoolAndAtLeastOne() {
        TransferConfig d = TransferConfig.defaults("tiny");
        assertEquals(500, d.withLabels(0.01).labelledScenes());
        assertEquals(5000, d.withLabels(0.10).labelledScenes());
        assertEquals(1, d.withLabels(1e-6).labelledScenes());
    }
}
