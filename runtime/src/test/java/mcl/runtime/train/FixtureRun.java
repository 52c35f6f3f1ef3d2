package mcl.runtime.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import mcl.checkpoints.CheckpointWriter;
import mcl.runtime.progress.PlainLines;
import mcl.runtime.train.FixtureGraphs;
import mcl.runtime.train.MetricsLog;
import mcl.runtime.train.TrainConfig;
import mcl.runtime.train.TrainLoop;

/** Short runs of the fixture graphs through the real run machinery (config, loader, loop, writer). */
public final class FixtureRun {
    private FixtureRun() { }

    /** 32 px, batch 4, 2 levels, synthetic data, one ORT thread (bitwise reproducible). */
    public static TrainConfig config(long steps, int checkpointEvery) {
        var o = TrainConfig.JSON.createObjectNode();
        o.put("data", "synthetic:24:3");
        o.put("size", 32);
        o.put("batch", 4);
        o.put("levels", 2);
        o.put("steps", steps);
        o.put("warmup_steps", 2);
        o.put("checkpoint_every", checkpointEvery);
        o.put("keep_checkpoints", 2);
        o.put("threads", 1);
        o.put("workers", 1);
        o.put("prefetch", 1);
        o.put("seed", 11);
        o.put("eval_every", 0);
        return TrainConfig.merge(TrainConfig.preset("tiny"), o, "test");
    }

    public static PretrainRun run(Path dir, CheckpointWriter.AfterFile hook) {
        return new PretrainRun(dir, (c, split) -> FixtureGraphs.build(c.dataConfig()), new PlainLines(System.out, 1), hook);
    }

    public static TrainLoop.Result start(Path dir, TrainConfig c, BooleanSupplier stop) throws IOException {
        return run(dir, (f, s) -> { }).start(c, stop);
    }

    public static TrainLoop.Result resume(Path dir, BooleanSupplier stop) throws IOException {
        return run(dir, (f, s) -> { }).resume(stop);
    }

    /** The losses of metrics.jsonl in step order. */
    public static double[] losses(Path dir) throws IOException {
        List<JsonNode> m = MetricsLog.read(dir.resolve(MetricsLog.FILE));
        double[] out = new double[m.size()];
        for (int i = 0; i < out.length; i++) {
            if (m.get(i).get("step").asLong() != i + 1) throw new IllegalStateException("metrics step " + m.get(i).get("step") + " at line " + i);
            out[i] = m.get(i).get("loss").asDouble();
        }
        return out;
    }

    /** Stops before step {@code n} (the loop asks once per step, before taking the batch). */
    public static BooleanSupplier stopBefore(long n) {
        long[] calls = {0};
        return () -> calls[0]++ >= n;
    }

    public static BooleanSupplier never() { return () -> false; }
}
