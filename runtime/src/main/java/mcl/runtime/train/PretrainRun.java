package mcl.runtime.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import mcl.checkpoints.CheckpointWriter;
import mcl.checkpoints.TrainingCheckpoints;
import mcl.data.pipeline.BatchLoader;
import mcl.data.source.ImageSource;
import mcl.data.source.Sources;
import mcl.runtime.ort.Device;
import mcl.runtime.ort.SessionConfig;
import mcl.runtime.progress.Progress;
import mcl.runtime.train.GradientExchange;
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
    private final Function<TrainConfig, GraphBundle> graphs;
    private final Progress progress;
    private final CheckpointWriter.AfterFile afterFile;

    /**
     * @param graphs    builds (or loads) the training graphs for a config
     * @param afterFile called after each checkpoint file is written (tests inject faults with it)
     */
    public PretrainRun(Path dir, Function<TrainConfig, GraphBundle> graphs, Progress progress, CheckpointWriter.AfterFile afterFile) {
        this.dir = dir;
        this.graphs = graphs;
        this.progress = progress;
        this.afterFile = afterFile;
    }

    public Path dir() { return dir; }

    /** A new run: refuses a folder that already holds one (resume it instead). */
    public TrainLoop.Result start(TrainConfig config, BooleanSupplier stop) throws IOException {
        if (Files.exists(dir.resolve(CONFIG))) {
            throw new IllegalArgumentException(dir + " already holds a run (config.json); continue it with --resume " + dir + " or choose another --out");
        }
        Files.createDirectories(dir);
        TrainConfig.JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(CONFIG).toFile(), config.toJson());
        return train(config, null, stop);
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

    public static TrainConfig readConfig(Path file) throws IOException {
        var tree = TrainConfig.JSON.readTree(file.toFile());
        return TrainConfig.merge(TrainConfig.preset(tree.path("preset").asText("tiny")), tree, file.toString());
    }

    private TrainLoop.Result train(TrainConfig config, TrainingCheckpoints.Loaded from, BooleanSupplier stop) throws IOException {
        GraphBundle g = graphs.apply(config);
        SessionConfig session = new SessionConfig(Device.parse(config.device()), config.threads(), null);
        try (ImageSource source = Sources.open(config.data());
             Trainer trainer = new Trainer(g, config.larsSettings(), config.clipNorm(), session, GradientExchange.LOCAL);
             BatchLoader loader = new BatchLoader(source, config.dataConfig())) {
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
            CheckpointWriter writer = new CheckpointWriter(dir, config.keepCheckpoints(), afterFile);
            try (MetricsLog metrics = new MetricsLog(dir.resolve(MetricsLog.FILE), start)) {
                return new TrainLoop(config, trainer, loader, writer, metrics, progress, stop, GradientExchange.LOCAL.replicas())
                        .run(start, bad, skipped);
            }
        }
    }
}
