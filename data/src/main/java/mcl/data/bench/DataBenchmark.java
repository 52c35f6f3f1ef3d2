package mcl.data.bench;

import mcl.data.pipeline.BatchLoader;
import mcl.data.pipeline.DataConfig;
import mcl.data.source.ImageSource;
import mcl.data.source.Sources;

/**
 * Throughput of the full pipeline (decode, 2 views x L augmented copies, montages), not a test:
 * {@code DataBenchmark --data SPEC [--config r50|tiny] [--batch 32] [--steps 6] [--workers 2]}.
 * Prints source images per second over the timed steps, after one warm-up step.
 */
public final class DataBenchmark {
    private DataBenchmark() { }

    /** Throughput over the timed steps after one warm-up step, and the files skipped on the way. */
    public record Result(double imagesPerSecond, double secondsPerStep, int skipped, String source) { }

    /** Times {@code steps} batches of {@code cfg} from {@code spec} after one warm-up batch. */
    public static Result measure(String spec, DataConfig cfg, int steps) throws Exception {
        try (ImageSource src = Sources.open(spec); BatchLoader loader = new BatchLoader(src, cfg)) {
            loader.next(); // warm-up: JIT, buffers
            long t0 = System.nanoTime();
            for (int s = 0; s < steps; s++) loader.next();
            double sec = (System.nanoTime() - t0) / 1e9;
            return new Result(steps * cfg.batch() / sec, sec / steps, loader.skippedFiles(), src.describe());
        }
    }

    public static void main(String[] args) throws Exception {
        String data = null;
        String preset = "r50";
        int batch = 32;
        int steps = 6;
        int workers = 2;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--data" -> data = args[i + 1];
                case "--config" -> preset = args[i + 1];
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--workers" -> workers = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (data == null) throw new IllegalArgumentException("--data is required; " + Sources.USAGE);
        DataConfig cfg = switch (preset) {
            case "r50" -> DataConfig.r50(batch);
            case "tiny" -> DataConfig.tiny(batch);
            default -> throw new IllegalArgumentException("--config is r50 or tiny, got " + preset);
        };
        cfg = cfg.withWorkers(workers);
        Result r = measure(data, cfg, steps);
        System.out.printf("java  %-5s %-40s B=%d L=%d H=%d workers=%d: %.1f images/s (%.2f s/step), skipped %d%n",
                preset, r.source(), cfg.batch(), cfg.levels(), cfg.size(), workers, r.imagesPerSecond(), r.secondsPerStep(), r.skipped());
    }
}
