package mcl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import mcl.runtime.progress.PlainLines;
import mcl.runtime.train.MetricsLog;
import mcl.runtime.train.PretrainRun;
import mcl.runtime.train.TrainConfig;
import mcl.runtime.train.TrainLoop;
import org.apache.commons.cli.CommandLine;

/**
 * `mcl bench step --preset P`: the whole MCL training step (target forward on both views, online
 * forward+backward, optimiser, EMA) as the trainer runs it, split into its parts, next to the same
 * step in PyTorch eager on the reference model (oracle/bench_step.py) with the same shapes and threads.
 */
final class BenchStep {
    private static final List<String> PARTS = List.of("step_s", "target_s", "online_s", "optim_s", "ema_s", "data_wait_s");

    private BenchStep() { }

    static int run(CommandLine cl, PrintStream out) throws Exception {
        String name = cl.getOptionValue("preset", "tiny");
        TrainConfig preset = TrainConfig.preset(name);
        int batch = Main.intFlag(cl, "batch", preset.batch());
        int threads = Main.intFlag(cl, "threads", 2);
        int reps = Main.intFlag(cl, "reps", 5);
        if (batch < 2 || threads < 1 || reps < 1) throw new UsageException("bench step: --batch must be >= 2, --threads and --reps >= 1");
        Path dir = Files.createTempDirectory("mcl-bench-step");
        var o = preset.toJson().put("steps", reps + 1).put("warmup_steps", 0).put("batch", batch).put("threads", threads)
                .put("data", "synthetic").put("log_every", 1_000_000).put("checkpoint_every", 1_000_000);
        TrainConfig config = TrainConfig.merge(preset, o, "bench step");
        out.printf("ours: %s preset, batch %d, %d px, %d levels, %d threads: 1 warm-up + %d steps of mcl pretrain ...%n",
                name, batch, config.size(), config.levels(), threads, reps);
        TrainLoop.Result r = new PretrainRun(dir, TrainingGraphs::forConfig, new PlainLines(new PrintStream(java.io.OutputStream.nullOutputStream()), 1_000_000),
                (f, s) -> { }).start(config, () -> false);
        if (r.outcome() != TrainLoop.Outcome.COMPLETED) throw new IllegalStateException("the benchmark run did not complete: " + r.message());
        List<JsonNode> m = MetricsLog.read(dir.resolve(MetricsLog.FILE)).subList(1, reps + 1);
        double[] ours = PARTS.stream().mapToDouble(k -> median(m.stream().mapToDouble(x -> x.path(k).asDouble()).toArray())).toArray();
        JsonNode torch = null;
        Path script = Path.of(cl.getOptionValue("oracle", "oracle"), "bench_step.py");
        if (!cl.hasOption("no-torch") && Files.isRegularFile(script)) {
            out.println("torch: the same step in PyTorch eager ...");
            ProcessBuilder pb = new ProcessBuilder(cl.getOptionValue("python", "/usr/bin/python3"), script.toString(), name, "--batch", "" + batch,
                    "--steps", "" + reps, "--threads", "" + threads).redirectErrorStream(true);
            pb.environment().put("OMP_NUM_THREADS", "" + threads);
            Process p = pb.start();
            String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String json = all.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
            if (p.waitFor() != 0 || json == null) out.println("torch: bench_step.py failed; ours only\n" + all);
            else torch = new ObjectMapper().readTree(json);
        }
        out.println();
        out.println("| " + name + ", batch " + batch + ", " + threads + " threads (median of " + reps + " steps) | whole step | target fwd (2 views) | online fwd+bwd | optimiser | EMA + BN | data wait |");
        out.println("| --- | --- | --- | --- | --- | --- | --- |");
        out.println(row("mcl (ONNX Runtime)", ours));
        if (torch != null) {
            JsonNode t = torch;
            double[] theirs = PARTS.stream().mapToDouble(k -> t.path(k).asDouble(Double.NaN)).toArray();
            out.println(row("PyTorch eager " + t.path("torch").asText(), theirs));
            double[] ratio = new double[PARTS.size()];
            for (int i = 0; i < ratio.length; i++) ratio[i] = ours[i] / theirs[i];
            StringBuilder b = new StringBuilder("| mcl / PyTorch |");
            for (int i = 0; i < ratio.length - 1; i++) b.append(String.format(" %.2fx |", ratio[i]));
            out.println(b.append(" - |"));
        }
        deleteTree(dir);
        return 0;
    }

    private static String row(String label, double[] s) {
        StringBuilder b = new StringBuilder("| " + label + " |");
        for (int i = 0; i < s.length; i++) b.append(Double.isNaN(s[i]) ? " - |" : String.format(" %.1f ms |", 1000 * s[i]));
        return b.toString();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
