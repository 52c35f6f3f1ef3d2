package mcl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import mcl.data.bench.DataBenchmark;
import mcl.data.pipeline.DataConfig;
import mcl.runtime.bench.ProcStatus;
import mcl.runtime.train.TrainConfig;
import org.apache.commons.cli.CommandLine;

/**
 * `mcl bench data --data SPEC [--preset P]`: images per second and peak memory of the whole data
 * pipeline (decode, 2 views x L augmented copies, montages), next to torchvision's DataLoader
 * doing the same work (oracle/data_bench.py) when the folder is one it can read and torch is there.
 */
final class BenchData {
    private BenchData() { }

    static int run(CommandLine cl, PrintStream out) throws Exception {
        if (!cl.hasOption("data")) throw new UsageException("bench data needs --data SPEC (a folder, COCO .json, .txt list, synthetic, ...)");
        String spec = cl.getOptionValue("data");
        // Every draw decodes, as in torchvision's DataLoader: the cache of slow decodes (later epochs
        // of a training run) would otherwise serve the repeats of a small folder.
        if (System.getProperty("mcl.decode.cache.mb") == null) System.setProperty("mcl.decode.cache.mb", "0");
        TrainConfig preset = TrainConfig.preset(cl.getOptionValue("preset", "tiny"));
        int batch = Main.intFlag(cl, "batch", preset.batch());
        int workers = Main.intFlag(cl, "workers", 2);
        int steps = Main.intFlag(cl, "reps", 6);
        if (batch < 1 || workers < 1 || steps < 1) throw new UsageException("--batch, --workers and --reps must be positive");
        DataConfig cfg = DataConfig.of(preset.size(), batch, preset.levels()).withWorkers(workers);
        out.printf("ours: %s preset (%d px, %d levels), batch %d, %d workers, 1 warm-up + %d batches ...%n",
                preset.preset(), cfg.size(), cfg.levels(), batch, workers, steps);
        DataBenchmark.Result ours = DataBenchmark.measure(spec, cfg, steps);
        double oursPeak = ProcStatus.kib("VmHWM") / 1048576.0;
        JsonNode torch = null;
        Path script = Path.of(cl.getOptionValue("oracle", "oracle"), "data_bench.py");
        boolean folder = Files.isDirectory(Path.of(spec)) || spec.startsWith("synthetic");
        if (!cl.hasOption("no-torch") && folder && Files.isRegularFile(script)) {
            out.println("torch: the same work through torchvision's DataLoader ...");
            torch = runTorch(cl.getOptionValue("python", "/usr/bin/python3"), script, spec, preset.size() >= 224 ? "r50" : "tiny", batch, steps, workers, out);
        } else if (!cl.hasOption("no-torch")) {
            out.println("torch: skipped (" + (folder ? script + " not found; pass --oracle DIR" : "the torchvision side reads image folders only") + ")");
        }
        out.println();
        out.println("| data | preset | batch | workers | ours img/s | torchvision img/s | ours/torchvision | peak RSS ours | peak RSS torchvision |");
        out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        out.printf("| %s | %s | %d | %d | %.1f | %s | %s | %.2f GiB | %s |%n", ours.source(), preset.preset(), batch, workers, ours.imagesPerSecond(),
                torch == null ? "-" : String.format("%.1f", torch.get("images_per_s").asDouble()),
                torch == null ? "-" : String.format("%.2fx", ours.imagesPerSecond() / torch.get("images_per_s").asDouble()),
                oursPeak, torch == null ? "-" : String.format("%.2f GiB", torch.get("peak_rss_kib").asLong() / 1048576.0));
        if (ours.skipped() > 0) out.println("skipped files: " + ours.skipped());
        return 0;
    }

    private static JsonNode runTorch(String python, Path script, String spec, String config, int batch, int steps, int workers, PrintStream out)
            throws Exception {
        List<String> cmd = List.of(python, script.toString(), "--data", spec, "--config", config, "--batch", "" + batch, "--steps", "" + steps,
                "--workers", "" + workers);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            out.println("torch: data_bench.py failed (" + all.lines().reduce((a, b) -> b).orElse("") + "); ours only");
            return null;
        }
        String json = all.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
        return json == null ? null : new ObjectMapper().readTree(json);
    }
}
