package mcl.runtime.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import mcl.runtime.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** curves.png from metrics.jsonl records: drawn for one step and for many, with the loss's chance level. */
class CurvesPlotTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theChanceLevelIsTheLossOfUninformativeEmbeddings() {
        TrainConfig tiny = TrainConfig.preset("tiny");
        // Every tile's CE over B = 64 targets at chance is ln 64; 2T per direction, two directions, weights summing to 1.
        assertEquals(4 * 0.2 * Math.log(64), tiny.chanceLoss(), 1e-12);
        assertEquals(3.33, tiny.chanceLoss(), 0.005, "the loss a fresh tiny run logs at its first steps is ~3.4-3.5");
        assertEquals(4 * Math.log(16), TrainConfig.merge(tiny, JSON.createObjectNode().put("temperature", 1.0).put("batch", 16), "t").chanceLoss(), 1e-12,
                "the global batch sets the number of targets");
    }

    @Test
    void theProbeOfTheInitialWeightsIsDrawnAtStepZero() {
        List<JsonNode> m = List.of(
                JSON.createObjectNode().put("step", 1).put("loss", 11.0).put("probe_knn_top1_init", 0.75),
                JSON.createObjectNode().put("step", 2).put("loss", 10.9).put("probe_knn_top1", 0.8));
        var s = CurvesPlot.series(m, "probe_knn_top1", "k-NN");
        assertEquals(2, s.getItemCount());
        assertEquals(0.0, s.getX(0).doubleValue());
        assertEquals(0.75, s.getY(0).doubleValue());
        assertEquals(2.0, s.getX(1).doubleValue());
        assertEquals(1, CurvesPlot.series(m, "loss", "loss").getMinX(), 0.0, "no step 0 for keys without an _init value");
    }

    @Test
    void oneStepAndManyStepsAreDrawnWithVisibleContent() throws Exception {
        for (int steps : new int[] {1, 400}) {
            List<JsonNode> m = new ArrayList<>();
            for (int i = 1; i <= steps; i++) {
                ObjectNode o = JSON.createObjectNode().put("step", i).put("loss", 11.1 - 0.002 * i + 0.05 * Math.sin(i)).put("pos_cos", 0.001 * i)
                        .put("neg_cos", 0.0).put("lr", 16.0).put("ema_momentum", 0.99).put("grad_norm", 10.0 / i).put("images_per_s", 100)
                        .put("data_wait_s", 0.01).put("target_s", 0.05).put("online_s", 0.08).put("optim_s", 0.002);
                o.putArray("loss_levels").add(11.0).add(11.1).add(11.2);
                if (i % 50 == 7) o.put("loss", Double.NaN).put("skipped", true); // a skipped, non-finite step
                m.add(o);
            }
            Path png = dir.resolve("curves" + steps + ".png");
            CurvesPlot.write(m, "test run", png, 4 * Math.log(16));
            BufferedImage img = ImageIO.read(png.toFile());
            assertEquals(1920, img.getWidth());
            assertTrue(img.getHeight() > 600);
            // Real content: many distinct colours (lines, markers, text), not an empty canvas.
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < img.getHeight(); y += 3) for (int x = 0; x < img.getWidth(); x += 3) colours.add(img.getRGB(x, y));
            assertTrue(colours.size() > 50, steps + " steps: only " + colours.size() + " colours");
        }
        assertThrows(IllegalArgumentException.class, () -> CurvesPlot.write(List.of(), "empty", dir.resolve("e.png")));
    }
}
