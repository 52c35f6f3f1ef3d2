package mcl.runtime.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import mcl.checkpoints.CheckpointWriter;
import mcl.checkpoints.TrainingCheckpoints;
import mcl.data.pipeline.ShardLoaders;
import mcl.runtime.dist.Communicator;
import mcl.data.source.ImageSource;
import mcl.data.source.Sources;
import mcl.runtime.ort.Device;
import mcl.runtime.ort.SessionConfig;
import mcl.runtime.progress.Progress;
import mcl.runtime.train.GraphBundle;
import mcl.runtime.train.MetricsLog;
import mcl.runtime.train.TrainConfig;
import mcl.runtime.train.TrainLoop;
import mcl.runtime.train.Trainer;

/**
 * A run folder from start or resume to the end: {@code config.json} (the effective config),
 * {@code metrics.jsonl}, {@code checkpoints/}. Wires the data source, the graphs, the
 * {@link Trainer}, the {@link CheckpointWriter} and the {@link TrainLoop}.
 */
public final class PretrainRun {
    public static final String CONFIG = "config.json";

    private final Path dir;
    private final GraphSource graphs;
    private final Progress progress;
    private final CheckpointWriter.AfterFile afterFile;
    private final Communicator comm;

    /**
     * @param graphs    builds (or loads) the training graphs for a config
     * @param afterFile called after each checkpoint file is written (tests inject faults with it)
     */
    public PretrainRun(Path dir, GraphSource graphs, Progress progress, CheckpointWriter.AfterFile afterFile) {
        this(dir, graphs, progress, afterFile, Communicator.SINGLE);
    }

    /**
     * One process of a data-parallel job: rank 0 writes the run folder, metrics, checkpoints and
     * progress; the others train silently (a resume reads the run folder on every rank, so it must
     * be on a file system they share).
     */
    public PretrainRun(Path dir, GraphSource graphs, Progress progress, CheckpointWriter.AfterFile afterFile,
                       Communicator comm) {
        this.dir = dir;
        this.graphs = graphs;
        this.progress = comm.rank() == 0 ? progress : Progress.SILENT;
        this.afterFile = afterFile;
        this.comm = comm;
    }

    private boolean writer() { return comm.rank() == 0; }

    public Path dir() { return dir; }

    /**
     * A new run: refuses a folder that already holds one (resume it instead). A run that fails
     * before its first checkpoint leaves nothing behind, so the same command can be tried again.
     */
    public TrainLoop.Result start(TrainConfig config, BooleanSupplier stop) throws IOException {
        if (!writer()) return train(config, null, stop);
        if (Files.exists(dir.resolve(CONFIG))) {
            throw new IllegalArgumentException(dir + " already holds a run (config.json); continue it with ./mcl pretrain --resume " + dir + " or choose another --out");
        }
        boolean created = !Files.exists(dir);
        try {
            Files.createDirectories(dir);
        } catch (java.nio.file.FileSystemException e) {
            throw new IllegalArgumentException("cannot create the run folder " + dir + ": " + (e.getReason() != null ? e.getReason() : e.getMessage()), e);
        }
        writeConfig(config);
        try {
            return train(config, null, stop);
        } catch (IOException | RuntimeException | Error e) {
            if (!Files.isDirectory(dir.resolve("checkpoints"))) removeFailedStart(created);
            throw e;
        }
    }

    private void writeConfig(TrainConfig config) throws IOException {
        Path tmp = dir.resolve(CONFIG + ".tmp");
        TrainConfig.JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), config.toJson());
        Files.move(tmp, dir.resolve(CONFIG), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes the files a start wrote before it failed (and the folder, if the start created it). */
    private void removeFailedStart(boolean createdFolder) {
        try {
            Files.deleteIfExists(dir.resolve(CONFIG));
            Files.deleteIfExists(dir.resolve(MetricsLog.FILE));
            if (createdFolder) Files.deleteIfExists(dir);
        } catch (IOException e) {
            progress.message("WARNING: could not remove the failed run's files in " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Extends a stopped or finished run to {@code steps} in all. The schedules are defined over the
     * run's total steps, so they are re-planned as if the run had been started with the new length:
     * the steps already taken stay as they were, the next steps follow the new plan (the learning
     * rate rises from the old plan's value to the new plan's at the current step). Returns what
     * changed, for the user.
     */
    public String extend(long steps) throws IOException {
        Path cfg = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfg)) throw new IllegalArgumentException(dir + " is not a run folder (no " + CONFIG + ")");
        TrainConfig old = readConfig(cfg);
        long done = completedSteps();
        if (steps <= done) {
            throw new IllegalArgumentException("--steps " + steps + ": the run has already taken " + done + " steps; give more than " + done
                    + " to extend it (or leave --steps out to continue it as planned)");
        }
        if (steps < old.warmupSteps()) {
            throw new IllegalArgumentException("--steps " + steps + ": shorter than the run's warm-up of " + old.warmupSteps()
                    + " steps (config.json \"warmup_steps\"); give at least " + old.warmupSteps());
        }
        var tree = old.toJson();
        tree.put("steps", steps);
        TrainConfig now = TrainConfig.merge(old, tree, "--steps");
        writeConfig(now);
        return String.format("extending %s from %d to %d steps (%d taken): the schedules are re-planned over %d steps; lr at step %d: %.4g -> %.4g,"
                        + " EMA momentum %.6f -> %.6f", dir, old.steps(), steps, done, steps, done, old.lrSchedule().at(done), now.lrSchedule().at(done),
                old.emaSchedule().at(done), now.emaSchedule().at(done));
    }

    /** Steps recorded by the newest checkpoint, 0 when none was written. */
    private long completedSteps() {
        if (!Files.isDirectory(dir.resolve("checkpoints"))) return 0;
        try {
            return mcl.checkpoints.CheckpointReader.open(dir).step();
        } catch (mcl.checkpoints.InvalidCheckpointException e) {
            return TrainingCheckpoints.loadNewestGood(dir).state().step();
        }
    }

    /** Continues from the newest good checkpoint, with the config saved in the run folder. */
    public TrainLoop.Result resume(BooleanSupplier stop) throws IOException {
        Path cfg = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfg)) throw new IllegalArgumentException(dir + " is not a run folder (no " + CONFIG + ")");
        TrainConfig config = readConfig(cfg);
        TrainingCheckpoints.Loaded loaded = Files.isDirectory(dir.resolve("checkpoints")) ? TrainingCheckpoints.loadNewestGood(dir) : null;
        if (loaded != null) {
            for (String r : loaded.rejected()) progress.message("WARNING: rejected checkpoint: " + r);
            progress.message("resuming from " + loaded.dir() + " (step " + loaded.state().step() + ")");
        } else {
            progress.message("no checkpoint in " + dir + " yet: starting from step 0");
        }
        return train(config, loaded, stop);
    }

    /** The checkpoints of ranks other than 0: rank 0 writes the job's. */
    private static final mcl.checkpoints.CheckpointStore NO_CHECKPOINTS = new mcl.checkpoints.CheckpointStore() {
        public Path save(mcl.checkpoints.TrainState state) { return null; }

        public Path latest() { return null; }
    };

    public static TrainConfig readConfig(Path file) throws IOException {
        var tree = TrainConfig.JSON.readTree(file.toFile());
        return TrainConfig.merge(TrainConfig.preset(tree.path("preset").asText("tiny")), tree, file.toString());
    }

    /** The k-NN probe of `eval_every`, when asked for, the network is a preset's and Fashion-MNIST is installed. */
    private TrainLoop.Probe probe(TrainConfig config) {
        if (config.evalEvery() <= 0 || config.graphs() != null) return null;
        var p = mcl.runtime.probe.ProbeDuringTraining.openOrNull(mcl.graphs.Preset.named(config.preset()), config.threads());
        if (p == null) {
            progress.message("note: no k-NN probe during training (eval_every): Debian's dataset-fashion-mnist is not installed");
            return null;
        }
        return p::knnTop1;
    }

    /** ONNX Runtime threads: as configured, or when 0 (all cores) the cores shared by the processes on this machine. */
    private int threads(TrainConfig config) {
        if (config.threads() > 0 || comm.localSize() <= 1) return config.threads();
        return Math.max(1, Runtime.getRuntime().availableProcessors() / comm.localSize());
    }

    /** Every process stops at the same step: a stop asked of any (a signal reaches them at different moments) stops all. */
    private BooleanSupplier agreed(BooleanSupplier stop) {
        if (comm.size() == 1) return stop;
        return () -> {
            double[] flag = {stop.getAsBoolean() ? 1 : 0};
            comm.allReduceSum(flag);
            return flag[0] > 0;
        };
    }

    private TrainLoop.Result train(TrainConfig config, TrainingCheckpoints.Loaded from, BooleanSupplier stop) throws IOException {
        Split split = Split.of(config, comm.size());
        GraphBundle g = graphs.build(config, split);
        SessionConfig session = new SessionConfig(Device.parse(config.device()), threads(config), null, comm.localRank());
        try (ImageSource source = Sources.open(config.data());
             Trainer trainer = new Trainer(g, config.larsSettings(), config.clipNorm(), session, comm);
             ShardLoaders loader = ShardLoaders.open(source, config.dataConfig(split.shardBatch()), comm.rank() * config.shards(), config.shards(),
                     split.shards())) {
            if (trainer.stagesSummary() != null) progress.message(trainer.stagesSummary());
            long start = 0;
            int bad = 0;
            long skipped = 0;
            if (from != null) {
                trainer.restore(from.state().online(), from.state().target(), from.state().optimizer());
                start = from.state().step();
                bad = from.state().consecutiveBad();
                skipped = from.state().skippedSteps();
            } else {
                trainer.initialise(config.seed());
            }
            mcl.checkpoints.CheckpointStore writer = writer() ? new CheckpointWriter(dir, config.keepCheckpoints(), afterFile) : NO_CHECKPOINTS;
            try (MetricsLog metrics = writer() ? new MetricsLog(dir.resolve(MetricsLog.FILE), start) : MetricsLog.none()) {
                return new TrainLoop(config, trainer, loader, writer, metrics, progress, agreed(stop), writer() ? probe(config) : null)
                        .run(start, bad, skipped);
            }
        }
    }
}
