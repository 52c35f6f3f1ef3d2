package mcl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mcl.graphs.nets.ResNet;
import mcl.runtime.bench.GradBenchmark;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * `mcl bench grad`: times forward+backward of the ResNet+FPN training graph in ONNX Runtime (ours)
 * and of the same torchvision network in PyTorch eager (oracle/bench_grad.py, a separate process)
 * with the same batch, size and thread count, and prints one table.
 */
final class BenchCommand implements Command, Main.TakesArguments {
    private final java.io.PrintStream out;

    BenchCommand(java.io.PrintStream out) { this.out = out; }

    public String name() { return "bench"; }

    public String usage() { return "grad|step|data|mpi [flags]"; }

    public String summary() { return "benchmarks next to PyTorch: `bench grad` (forward+backward), `bench step` (the whole MCL step), `bench data` (data pipeline), `bench mpi` (collectives between mpirun ranks, and a model of r50 at scale)"; }

    public Options options() {
        return new Options()
                .addOption(Main.flag("model", "NAME", "r18|r50 (ResNet body + FPN, train-mode BN; default r18)"))
                .addOption(Main.flag("batch", "B", "batch size (default 32; bench data: the preset's)"))
                .addOption(Main.flag("size", "H", "image size in pixels, a multiple of 32 (default 224)"))
                .addOption(Main.flag("threads", "T", "intra-op threads of ORT and torch.set_num_threads (default 2; bench step: the preset's, tiny 1, r18/r50 every core)"))
                .addOption(Main.flag("reps", "N", "timed repetitions (default 5; bench data: timed batches, default 6)"))
                .addOption(Main.flag("warmup", "N", "untimed warm-up repetitions before them (default 2)"))
                .addOption(Main.flag("profile", "FILE", "also write ORT's per-node profile of one extra run there and print its top 10"))
                .addOption(Main.flag("python", "EXE", "interpreter with torch and torchvision (default /usr/bin/python3)"))
                .addOption(Main.flag("oracle", "DIR", "folder holding bench_grad.py and data_bench.py (default ./oracle)"))
                .addOption(Main.flag("no-torch", null, "time ours only"))
                .addOption(Main.flag("data", "SPEC", "bench data: the data source to read; bench step: the data its pretrain row reads (default: the preset's)"))
                .addOption(Main.flag("preset", "NAME", "bench step / bench data: the preset, tiny (default), r18 or r50"))
                .addOption(Main.flag("workers", "N", "bench data: decoding threads (ours) / DataLoader workers (torch) (default 2)"));
    }

    public int run(CommandLine cl) throws Exception {
        List<String> args = cl.getArgList();
        if (args.size() == 1 && args.get(0).equals("data")) return BenchData.run(cl, out);
        if (args.size() == 1 && args.get(0).equals("step")) return BenchStep.run(cl, out);
        if (args.size() == 1 && args.get(0).equals("mpi")) return BenchMpi.run(cl, out);
        if (args.size() != 1 || !args.get(0).equals("grad")) throw new UsageException("usage: mcl bench grad|step|data|mpi [flags]; benchmarks: grad, step, data, mpi");
        String model = cl.getOptionValue("model", "r18");
        if (!model.equals("r18") && !model.equals("r50")) throw new UsageException("--model must be r18 or r50, got '" + model + "'");
        int batch = positive(cl, "batch", 32);
        int size = positive(cl, "size", 224);
        if (size % 32 != 0) throw new UsageException("--size must be a multiple of 32, got " + size);
        int threads = positive(cl, "threads", 2);
        int reps = positive(cl, "reps", 5);
        int warmup = Main.intFlag(cl, "warmup", 2);
        if (warmup < 0) throw new UsageException("--warmup must be >= 0");
        Path profile = cl.hasOption("profile") ? Path.of(cl.getOptionValue("profile")) : null;
        Path script = Path.of(cl.getOptionValue("oracle", "oracle"), "bench_grad.py");
        boolean torch = !cl.hasOption("no-torch");
        if (torch && !Files.isRegularFile(script)) throw new UsageException(script + " not found; run from the repository root, pass --oracle DIR, or --no-torch");

        var cfg = new GradBenchmark.Config(ResNet.variant(model), 256, batch, size, threads, reps, warmup, profile);
        out.printf("ours: building and timing %s+FPN fwd+bwd, batch %d, %d px, %d threads, %d warm-up + %d reps ...%n",
                model, batch, size, threads, warmup, reps);
        GradBenchmark.Result ours = GradBenchmark.run(cfg);
        out.printf("ours: %d nodes (%d forward), %d gradients; reps %s s; other processes' CPU s during them %s; RSS before session %.2f GiB%n",
                ours.nodes(), ours.forwardNodes(), ours.gradients(), fmt(ours.stepSeconds()), fmt(ours.foreignCpuSeconds()), ours.rssBeforeKib() / 1048576.0);

        JsonNode t = null;
        if (torch) {
            out.println("torch: timing the same network in PyTorch eager ...");
            t = runTorch(cl.getOptionValue("python", "/usr/bin/python3"), script, model, batch, size, threads, reps, warmup);
        }
        out.println();
        out.println("| model | batch | size | threads | ours median (min-max) s | torch median (min-max) s | ours/torch | peak RSS ours | peak RSS torch |");
        out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        out.printf("| %s+FPN | %d | %d | %d | %.2f (%.2f-%.2f) | %s | %s | %.1f GiB | %s |%n",
                model, batch, size, threads, ours.median(), ours.min(), ours.max(),
                t == null ? "-" : String.format("%.2f (%.2f-%.2f)", t.get("median").asDouble(), t.get("min").asDouble(), t.get("max").asDouble()),
                t == null ? "-" : String.format("%.2fx", ours.median() / t.get("median").asDouble()),
                ours.peakRssKib() / 1048576.0,
                t == null ? "-" : String.format("%.1f GiB", t.get("peak_rss_kib").asLong() / 1048576.0));
        if (t != null) {
            out.println("torch " + t.get("torch").asText() + ": reps " + t.get("seconds") + " s; other processes' CPU s during them " + t.get("foreign_cpu_s"));
        }
        if (ours.profile() != null) {
            out.println();
            out.println("profile written to " + ours.profileFile());
            out.print(ours.profile().format(10));
        }
        return 0;
    }

    private static JsonNode runTorch(String python, Path script, String model, int batch, int size, int threads, int reps, int warmup) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--model", model, "--batch", "" + batch, "--size", "" + size,
                "--threads", "" + threads, "--reps", "" + reps, "--warmup", "" + warmup));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // Same thread count for every pool torch might use (OpenMP and BLAS read these at start-up).
        pb.environment().put("OMP_NUM_THREADS", "" + threads);
        Process p = pb.start();
        String last = null;
        StringBuilder all = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                all.append(line).append('\n');
                if (line.startsWith("{")) last = line;
            }
        }
        if (p.waitFor() != 0 || last == null) throw new IllegalStateException("bench_grad.py failed:\n" + all);
        return new ObjectMapper().readTree(last);
    }

    static int positive(CommandLine cl, String flag, int dflt) {
        int v = Main.intFlag(cl, flag, dflt);
        if (v <= 0) throw new UsageException("--" + flag + " must be positive, got " + v);
        return v;
    }

    private static String fmt(double[] xs) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < xs.length; i++) sb.append(i == 0 ? "" : ", ").append(String.format("%.3f", xs[i]));
        return sb.append("]").toString();
    }
}
