package mcl.runtime.train;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import mcl.checkpoints.CheckpointStore;
import mcl.checkpoints.TrainState;
import mcl.data.pipeline.ShardLoaders;
import mcl.runtime.optim.Schedule;
import mcl.runtime.progress.Progress;

/**
 * The run: batches in step order through the {@link Trainer}, metrics and progress after every
 * step, a checkpoint every {@code checkpoint_every} steps, at the end, and when a stop is
 * requested (SIGINT/SIGTERM). Non-finite steps are skipped and counted; {@code max_bad_steps} in
 * a row end the run. A failed save (disk full) is reported and training goes on: the previous
 * checkpoint is intact.
 */
public final class TrainLoop {
    public enum Outcome { COMPLETED, STOPPED, DIVERGED }

    /** How the run ended, at which step, and the newest good checkpoint. */
    public record Result(Outcome outcome, long step, Path checkpoint, String message) { }

    private final TrainConfig config;
    private final Trainer trainer;
    private final ShardLoaders loader;
    private final CheckpointStore store;
    private final MetricsLog metrics;
    private final Progress progress;
    private final BooleanSupplier stopRequested;
    private final Probe probe;
    private long savedStep = -1;
    private Path savedAt;

    /** A score of the online weights logged every {@code eval_every} steps (the k-NN probe). */
    @FunctionalInterface
    public interface Probe {
        double score(java.util.Map<String, mcl.tensors.HostTensor> online);
    }

    public TrainLoop(TrainConfig config, Trainer trainer, ShardLoaders loader, CheckpointStore store, MetricsLog metrics,
                     Progress progress, BooleanSupplier stopRequested) {
        this(config, trainer, loader, store, metrics, progress, stopRequested, null);
    }

    /** @param probe scored every {@code eval_every} steps and logged as {@code probe_knn_top1}; null for none */
    public TrainLoop(TrainConfig config, Trainer trainer, ShardLoaders loader, CheckpointStore store, MetricsLog metrics,
                     Progress progress, BooleanSupplier stopRequested, Probe probe) {
        this.config = config;
        this.trainer = trainer;
        this.loader = loader;
        this.store = store;
        this.metrics = metrics;
        this.progress = progress;
        this.stopRequested = stopRequested;
        this.probe = probe;
    }

    /** Trains from {@code start}'s step to {@code steps}; {@code start} carries the guard counters of a resume. */
    public Result run(long startStep, int consecutiveBad, long skipped) throws IOException {
        Schedule lr = config.lrSchedule();
        Schedule ema = config.emaSchedule();
        if (loader.position() != startStep) loader.seek(startStep);
        progress.start(startStep, config.steps());
        long t0 = System.nanoTime();
        long step = startStep;
        // The probe of the initial weights, so the curve shows where pre-training started from.
        double probeAtStart = startStep == 0 && probe != null && config.evalEvery() > 0 ? probe.score(trainer.online().snapshot()) : Double.NaN;
        int bad = consecutiveBad;
        long skippedTotal = skipped;
        try {
            while (step < config.steps()) {
                if (stopRequested.getAsBoolean()) {
                    Path ck = save(step, bad, skippedTotal);
                    return new Result(Outcome.STOPPED, step, ck, "stopped at step " + step + "; checkpoint " + ck
                            + "; continue with: ./mcl pretrain --resume " + runDirOf(ck));
                }
                long ts = System.nanoTime();
                var batches = loader.next();
                long wait = loader.lastWaitNanos();
                double lrNow = lr.at(step);
                double m = ema.at(step);
                StepResult r = trainer.step(batches, lrNow, m);
                long stepNs = System.nanoTime() - ts;
                long epoch = batches.get(0).epoch();
                if (r.skipped()) {
                    bad++;
                    skippedTotal++;
                    progress.message("step " + (step + 1) + ": non-finite " + (Double.isFinite(r.loss()) ? "gradient" : "loss")
                            + " (loss " + r.loss() + ", gradient norm " + r.gradNorm() + "); step skipped (" + bad + " in a row, "
                            + skippedTotal + " in all)");
                } else {
                    bad = 0;
                }
                ObjectNode rec = record(step + 1, epoch, r, lrNow, m, stepNs, wait);
                if (step == 0 && Double.isFinite(probeAtStart)) rec.put("probe_knn_top1_init", probeAtStart);
                if (probe != null && config.evalEvery() > 0 && ((step + 1) % config.evalEvery() == 0 || step + 1 == config.steps())) {
                    long tp = System.nanoTime();
                    double top1 = probe.score(trainer.online().snapshot());
                    if (Double.isFinite(top1)) {
                        rec.put("probe_knn_top1", top1);
                        rec.put("probe_s", (System.nanoTime() - tp) / 1e9);
                    }
                }
                metrics.write(rec);
                step++;
                double elapsed = (System.nanoTime() - t0) / 1e9;
                double perStep = elapsed / (step - startStep);
                progress.update(step - 1, epoch, r.loss(), config.batch() / perStep, perStep * (config.steps() - step));
                if (bad >= config.maxBadSteps()) {
                    Path last = store.latest();
                    return new Result(Outcome.DIVERGED, step, last, bad + " non-finite steps in a row, the last at step " + step
                            + "; stopping. Last good checkpoint: " + (last == null ? "none (no checkpoint was written yet)" : last)
                            + ". Lower base_lr or clip_norm and resume from it.");
                }
                if (step % config.checkpointEvery() == 0 && step < config.steps()) save(step, bad, skippedTotal);
            }
            Path ck = save(step, bad, skippedTotal);
            return new Result(Outcome.COMPLETED, step, ck, "finished " + step + (step == 1 ? " step" : " steps") + (skippedTotal > 0 ? " (" + skippedTotal + " skipped)" : ""));
        } finally {
            progress.finish();
        }
    }

    /** Saves, or reports a failed save and keeps the previous checkpoint as the latest. */
    private Path save(long step, int bad, long skipped) {
        if (step == savedStep) return savedAt; // a stop right after a periodic save
        TrainState s = new TrainState(step, step / loader.stepsPerEpoch(), step, config.seed(), bad, skipped, config.toJson(),
                trainer.online().snapshot(), trainer.target().snapshot(), trainer.optimizerState());
        try {
            Path p = store.save(s);
            savedStep = step;
            savedAt = p;
            progress.message("checkpoint " + p);
            return p;
        } catch (IOException | RuntimeException e) {
            Path prev = store.latest();
            progress.message("WARNING: could not save the checkpoint of step " + step + " (" + e.getMessage() + "); "
                    + (prev == null ? "no earlier checkpoint exists" : "the previous checkpoint " + prev + " is intact"));
            return prev;
        }
    }

    private static String runDirOf(Path ck) {
        return ck == null ? "RUN_DIR" : ck.toAbsolutePath().getParent().getParent().toString();
    }

    /** One metrics line; {@code step} counts steps completed (1 for the first), as the console and checkpoint names do. */
    private ObjectNode record(long step, long epoch, StepResult r, double lr, double m, long stepNs, long waitNs) {
        ObjectNode o = TrainConfig.JSON.createObjectNode();
        o.put("step", step);
        o.put("epoch", epoch);
        o.put("loss", r.loss());
        ArrayNode lv = o.putArray("loss_levels");
        for (double v : r.levelLosses()) lv.add(v);
        o.put("pos_cos", r.posCos());
        o.put("neg_cos", r.negCos());
        o.put("lr", lr);
        o.put("ema_momentum", m);
        o.put("grad_norm", r.gradNorm());
        o.put("images_per_s", config.batch() / (stepNs / 1e9));
        o.put("data_wait_s", waitNs / 1e9);
        o.put("step_s", stepNs / 1e9);
        o.put("copy_s", r.copyNs() / 1e9);
        o.put("target_s", r.targetNs() / 1e9);
        o.put("online_s", r.onlineNs() / 1e9);
        o.put("optim_s", r.optimNs() / 1e9);
        o.put("ema_s", r.emaNs() / 1e9);
        o.put("exchange_s", r.exchangeNs() / 1e9);
        o.put("sync_bn_s", r.syncBnNs() / 1e9);
        if (r.skipped()) o.put("skipped", true);
        return o;
    }
}
