package mcl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import mcl.data.pipeline.BatchLoader;
import mcl.data.montage.MontageBatch;
import mcl.data.source.ImageSource;
import mcl.data.source.Sources;
import mcl.graph.DType;
import mcl.graph.FlopCount;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.ops.Linalg;
import mcl.graphs.mcl.MclGraphs;
import mcl.runtime.bench.GradBenchmark;
import mcl.runtime.bench.ProfileSummary;
import mcl.runtime.ort.Device;
import mcl.runtime.ort.DirectBuffers;
import mcl.runtime.ort.GraphSession;
import mcl.runtime.ort.SessionConfig;
import mcl.runtime.progress.PlainLines;
import mcl.runtime.train.StepResult;
import mcl.runtime.train.Trainer;
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

    /**
     * Steps run before the timed ones, on both sides. ORT plans its memory on the first run and its
     * arena still grows on the second: r18 batch 8 took 7.8 and 6.7 s for steps 1-2 of a run, then
     * 4.1-4.4 s (PyTorch's r50 steps settle likewise), so one warm-up step let the slow second
     * step into medians of few steps.
     */
    static final int WARMUP = 2;

    static int run(CommandLine cl, PrintStream out) throws Exception {
        String name = cl.getOptionValue("preset", "tiny");
        TrainConfig preset = TrainConfig.preset(name);
        int batch = Main.intFlag(cl, "batch", preset.batch());
        // As `mcl pretrain` runs the preset (tiny: 1; r18/r50: 0 = every core), and the same count for PyTorch.
        int threads = Main.intFlag(cl, "threads", preset.threads() > 0 ? preset.threads() : Runtime.getRuntime().availableProcessors());
        int reps = Main.intFlag(cl, "reps", 5);
        if (batch < 2 || threads < 1 || reps < 1) throw new UsageException("bench step: --batch must be >= 2, --threads and --reps >= 1");
        Path dir = Files.createTempDirectory("mcl-bench-step");
        var o = preset.toJson().put("steps", reps + WARMUP).put("warmup_steps", 0).put("batch", batch).put("threads", threads)
                .put("data", cl.getOptionValue("data", preset.data())).put("log_every", 1_000_000).put("checkpoint_every", 1_000_000);
        TrainConfig config = TrainConfig.merge(preset, o, "bench step");
        out.printf("ours: %s preset, batch %d, %d px, %d levels, %d threads, data %s: %d warm-up + %d steps of mcl pretrain ...%n",
                name, batch, config.size(), config.levels(), threads, config.data(), WARMUP, reps);
        TrainLoop.Result r = new PretrainRun(dir, TrainingGraphs::forConfig, new PlainLines(new PrintStream(java.io.OutputStream.nullOutputStream()), 1_000_000),
                (f, s) -> { }).start(config, () -> false);
        if (r.outcome() != TrainLoop.Outcome.COMPLETED) throw new IllegalStateException("the benchmark run did not complete: " + r.message());
        List<JsonNode> m = MetricsLog.read(dir.resolve(MetricsLog.FILE)).subList(WARMUP, reps + WARMUP);
        double[] ours = PARTS.stream().mapToDouble(k -> median(m.stream().mapToDouble(x -> x.path(k).asDouble()).toArray())).toArray();
        out.printf("ours: the same step on one fixed batch, no data loading alongside (as the PyTorch side runs) ...%n");
        double[] fixed = fixedBatch(config, reps);
        MclGraphs.Built built = TrainingGraphs.build(config);
        ProfileSummary profile = null;
        if (cl.hasOption("profile")) {
            out.println("ours: one more step on that batch, profiled by ONNX Runtime ...");
            profile = profiledStep(config, built, Path.of(cl.getOptionValue("profile")).toAbsolutePath());
        }
        JsonNode torch = null;
        Path script = Path.of(cl.getOptionValue("oracle", "oracle"), "bench_step.py");
        if (!cl.hasOption("no-torch") && Files.isRegularFile(script)) {
            out.println("torch: the same step in PyTorch eager ...");
            ProcessBuilder pb = new ProcessBuilder(cl.getOptionValue("python", "/usr/bin/python3"), script.toString(), name, "--batch", "" + batch,
                    "--steps", "" + reps, "--warmup", "" + WARMUP, "--threads", "" + threads).redirectErrorStream(true);
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
        out.println(row("mcl (ONNX Runtime), data loading alongside", ours));
        out.println(row("mcl (ONNX Runtime), fixed batch", fixed));
        if (torch != null) {
            JsonNode t = torch;
            double[] theirs = PARTS.stream().mapToDouble(k -> t.path(k).asDouble(Double.NaN)).toArray();
            out.println(row("PyTorch eager " + t.path("torch").asText(), theirs));
            out.println(ratioRow("mcl / PyTorch (as mcl pretrain runs)", ours, theirs));
            out.println(ratioRow("mcl fixed batch / PyTorch", fixed, theirs));
        }
        double flops = FlopCount.matrixFlops(built.online()) + 2 * FlopCount.matrixFlops(built.target());
        double gemm = gemmRate(threads);
        out.printf("%nmatrix work per step (convs and matrix products, 2 FLOPs per multiply-add): %.2f GFLOP; "
                + "achieved: ours %.1f GFLOP/s (fixed batch)%s; ORT's 1024x1024 MatMul on %d thread(s): %.1f GFLOP/s%n",
                flops / 1e9, flops / fixed[0] / 1e9, torch == null ? "" : String.format(", PyTorch %.1f GFLOP/s", flops / torch.path("step_s").asDouble() / 1e9),
                threads, gemm / 1e9);
        if (profile != null) {
            out.printf("%nonline_train's profile written to %s%n", cl.getOptionValue("profile"));
            out.print(profile.format(12));
        }
        deleteTree(dir);
        return 0;
    }

    /**
     * The step's parts on one batch held fixed, in seconds (PARTS order; data wait 0): what the
     * PyTorch side measures, without the data workers competing for the cores.
     */
    private static double[] fixedBatch(TrainConfig config, int reps) throws Exception {
        SessionConfig session = new SessionConfig(Device.parse(config.device()), config.threads(), null);
        MontageBatch batch = firstBatch(config);
        double[][] parts = new double[PARTS.size()][reps];
        try (Trainer t = new Trainer(TrainingGraphs.forConfig(config), config.larsSettings(), config.clipNorm(), session)) {
            t.initialise(config.seed());
            for (int i = 0; i < WARMUP; i++) t.step(batch, 1e-4, 0.99);
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                StepResult r = t.step(batch, 1e-4, 0.99);
                long wall = System.nanoTime() - t0;
                double[] v = {wall, r.targetNs(), r.onlineNs(), r.optimNs(), r.emaNs(), 0};
                for (int k = 0; k < v.length; k++) parts[k][i] = v[k] / 1e9;
            }
        }
        double[] out = new double[PARTS.size()];
        for (int k = 0; k < out.length; k++) out[k] = median(parts[k]);
        return out;
    }

    /**
     * Two warm-up steps and one recorded step on one batch with ORT's profiler on; online_train's
     * profile is moved to {@code target} and its last run summarised per op type and gradient rule.
     */
    private static ProfileSummary profiledStep(TrainConfig config, MclGraphs.Built built, Path target) throws Exception {
        Files.createDirectories(target.getParent());
        String prefix = target.getParent().resolve("mcl_bench_step").toString();
        SessionConfig session = new SessionConfig(Device.parse(config.device()), config.threads(), null).withProfiling(prefix);
        MontageBatch batch = firstBatch(config);
        long started = System.currentTimeMillis();
        try (Trainer t = new Trainer(TrainingGraphs.forConfig(config), config.larsSettings(), config.clipNorm(), session)) {
            t.initialise(config.seed());
            for (int i = 0; i < 3; i++) t.step(batch, 1e-4, 0.99);
        }
        Path written = ProfileSummary.moveWritten(prefix + "_online_train", started, target);
        try (var rest = Files.list(target.getParent())) { // the target graph's profile is not reported
            for (Path p : rest.filter(f -> f.getFileName().toString().startsWith("mcl_bench_step_target_forward_")).toList()) Files.deleteIfExists(p);
        }
        var tg = GradBenchmark.TrainingGraph.of(built.online());
        return ProfileSummary.read(written, tg.passOfNode(), tg.ruleOfNode());
    }

    private static MontageBatch firstBatch(TrainConfig config) throws Exception {
        try (ImageSource source = Sources.open(config.data()); BatchLoader loader = new BatchLoader(source, config.dataConfig())) {
            return loader.next();
        }
    }

    /** FLOP/s of one 1024x1024x1024 MatMul in ORT with {@code threads} intra-op threads (median of 7 after 2 warm-ups). */
    static double gemmRate(int threads) {
        int n = 1024;
        Graph g = new Graph("gemm");
        g.output("c", Linalg.matmul(g.input("a", DType.FLOAT, n, n), g.input("b", DType.FLOAT, n, n)));
        try (GraphSession s = GraphSession.open(OnnxExport.toModel(g).toByteArray(), new SessionConfig(Device.CPU, threads, null))) {
            java.nio.FloatBuffer a = DirectBuffers.floats(n * n);
            for (int i = 0; i < n * n; i++) a.put(i, (i % 7) * 0.1f);
            s.bindInput("a", a);
            s.bindInput("b", a);
            s.bindOutput("c", DirectBuffers.floats(n * n));
            double[] t = new double[9];
            for (int i = 0; i < t.length; i++) {
                long t0 = System.nanoTime();
                s.run().close();
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
            return 2.0 * n * n * n / median(Arrays.copyOfRange(t, 2, t.length));
        }
    }

    private static String ratioRow(String label, double[] ours, double[] theirs) {
        StringBuilder b = new StringBuilder("| " + label + " |");
        for (int i = 0; i < ours.length - 1; i++) b.append(String.format(" %.2fx |", ours[i] / theirs[i]));
        return b.append(" - |").toString();
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
