package mcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main job itself, exactly as a new user runs it: `mcl pretrain` (tiny preset, real
 * MCL graphs, synthetic data, 300 steps, the default seed). The loss of the last 30 steps must be
 * clearly below the first 30 (30-step window means wander by ~0.05 on the plateau) and the
 * positive cosine up. The loss stays on a plateau for the first 100-150 steps, and at tiny's lr of
 * 16 the trajectory is chaotic: a float32 rounding change (the 2026-12-03 BN rewrite, gradients
 * equal to 7e-6 at step 1) moves the grad norm by 0.5% at step 4 and the escape from the plateau
 * by tens of steps. Measured loss drop / last pos_cos over seeds 0-3, before -> after that change:
 * 0.42/0.21 -> 0.23/0.12, 0.74/0.34 -> 0.83/0.37, 0.31/0.13 -> 0.48/0.22, 0.53/0.29 -> 0.13/0.12.
 * So the bar is a drop of 0.2 (4x the wander) and a cosine rise of 0.1: what a broken gradient
 * cannot do and every seed measured does (except seed 3 after the change, by 0.07).
 */
class DefaultRunTest {
    @TempDir
    Path dir;

    @Test
    void defaultRunLossFalls() throws Exception {
        Path run = dir.resolve("run");
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = new Main(new PrintStream(out, true), new PrintStream(err, true))
                .run("pretrain", "--out", run.toString(), "--log-every", "100");
        assertEquals(0, code, err.toString() + out);
        List<JsonNode> rows = Files.readAllLines(run.resolve("metrics.jsonl")).stream().map(DefaultRunTest::parse).toList();
        assertEquals(300, rows.size());
        double firstLoss = mean(rows.subList(0, 30), "loss");
        double lastLoss = mean(rows.subList(270, 300), "loss");
        double firstPos = mean(rows.subList(0, 30), "pos_cos");
        double lastPos = mean(rows.subList(270, 300), "pos_cos");
        System.out.printf("default run: loss %.3f -> %.3f, pos_cos %.3f -> %.3f%n", firstLoss, lastLoss, firstPos, lastPos);
        assertTrue(firstLoss - lastLoss > 0.2, "loss did not fall: " + firstLoss + " -> " + lastLoss);
        assertTrue(lastPos - firstPos > 0.1, "positive cosine did not rise: " + firstPos + " -> " + lastPos);
        assertTrue(Files.isRegularFile(run.resolve("backbone.safetensors")));
        assertTrue(Files.isRegularFile(run.resolve("curves.png")));
        // The k-NN probe of the frozen backbone every 50 steps (tiny's eval_every; CI installs Fashion-MNIST).
        List<Double> probes = rows.stream().filter(r -> r.has("probe_knn_top1")).map(r -> r.get("probe_knn_top1").asDouble()).toList();
        assertEquals(List.of(50L, 100L, 150L, 200L, 250L, 300L), rows.stream().filter(r -> r.has("probe_knn_top1")).map(r -> r.get("step").asLong()).toList());
        assertTrue(probes.stream().allMatch(p -> p > 0.2 && p <= 1), "k-NN top-1 far above chance (0.1): " + probes);
        double init = rows.get(0).get("probe_knn_top1_init").asDouble();
        System.out.println("default run k-NN top-1 at step 0 and every 50 steps: " + init + " " + probes);
        // The tiny recipe was tuned for this (BENCHMARKS.md): 76.6 % -> 78.3-78.8 % over the last three
        // probes, 2 points where one reading's standard error is 0.9.
        assertTrue((probes.get(3) + probes.get(4) + probes.get(5)) / 3 > init + 0.01, "the probe rises over the default run: " + init + " -> " + probes);
    }

    private static JsonNode parse(String line) {
        try {
            return new ObjectMapper().readTree(line);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double mean(List<JsonNode> rows, String field) {
        return rows.stream().mapToDouble(r -> r.get(field).asDouble()).average().orElseThrow();
    }
}
