package mcl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import mcl.checkpoints.CheckpointReader;
import mcl.checkpoints.Part;
import mcl.checkpoints.Which;
import mcl.checkpoints.export.Export;
import mcl.checkpoints.export.Format;
import mcl.runtime.train.PretrainRun;
import mcl.runtime.progress.CurvesPlot;
import mcl.runtime.progress.Progress;
import mcl.runtime.train.GraphBundle;
import mcl.runtime.train.MetricsLog;
import mcl.runtime.train.TrainConfig;
import mcl.runtime.train.TrainLoop;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * `mcl pretrain`: MCL pre-training into a run folder. Settings come from a preset, then
 * {@code --config FILE.json}, then one flag per setting ({@code --base-lr 2}); SIGINT/SIGTERM save
 * a checkpoint and exit cleanly; {@code --resume RUN_DIR} continues exactly where it stopped.
 */
final class PretrainCommand implements Command {
    private static final List<String> OWN = List.of("config", "out", "resume");
    private final PrintStream out;
    private final Function<TrainConfig, GraphBundle> graphs;

    PretrainCommand(PrintStream out) {
        this(out, TrainingGraphs::forConfig);
    }

    /** With another graph source (tests train the fixture graphs through the real command). */
    PretrainCommand(PrintStream out, Function<TrainConfig, GraphBundle> graphs) {
        this.out = out;
        this.graphs = graphs;
    }

    public String name() { return "pretrain"; }

    public String summary() { return "pre-train a backbone with MCL (default: the tiny preset on synthetic images, a few minutes on a CPU)"; }

    public Options options() {
        Options o = new Options()
                .addOption(Main.flag("config", "FILE", "JSON file of settings (overrides the preset; flags override it)"))
                .addOption(Main.flag("out", "DIR", "run folder to create (default ./runs/<timestamp>)"))
                .addOption(Main.flag("resume", "RUN_DIR", "continue a stopped run from its newest good checkpoint"));
        TrainConfig d = TrainConfig.preset("tiny");
        ObjectNode defaults = d.toJson();
        for (String f : TrainConfig.fieldNames()) {
            String hint = f.equals("preset") ? "one of " + String.join(", ", TrainConfig.PRESETS) + " (default tiny)"
                    : f.equals("device") ? "cpu|cuda (cuda needs the `gpu` build profile)"
                    : f.equals("graphs") ? "folder with online_train.onnx, target_forward.onnx, manifest.json"
                    : f.equals("data") ? "data source: folder, COCO .json, .txt list, fashion-mnist[:DIR], fashion-scenes[:N[:SEED[:SIDE]]], synthetic[:N[:SEED]]"
                    : "tiny preset: " + defaults.get(f);
            o.addOption(Main.flag(f.replace('_', '-'), "V", hint));
        }
        return o;
    }

    public int run(CommandLine cl) throws Exception {
        Progress progress = Progress.forStream(out, System.console() != null, 10);
        PretrainRun run;
        TrainLoop.Result result;
        TrainConfig config;
        try (StopOnSignal stop = new StopOnSignal()) {
            if (cl.hasOption("resume")) {
                for (org.apache.commons.cli.Option opt : cl.getOptions()) {
                    if (!opt.getLongOpt().equals("resume")) {
                        throw new UsageException("--resume continues with the run's saved config.json; --" + opt.getLongOpt() + " cannot be combined with it");
                    }
                }
                Path dir = Path.of(cl.getOptionValue("resume"));
                run = new PretrainRun(dir, graphs, progress, (f, s) -> { });
                config = PretrainRun.readConfig(checkRun(dir));
                result = run.resume(stop::stopped);
            } else {
                config = effectiveConfig(cl);
                Path dir = Path.of(cl.getOptionValue("out",
                        Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))).toString()));
                run = new PretrainRun(dir, graphs, progress, (f, s) -> { });
                out.println("run folder " + dir.toAbsolutePath() + " (" + config.preset() + " preset, " + config.steps() + " steps, batch "
                        + config.batch() + ", data " + config.data() + ")");
                result = run.start(config, stop::stopped);
            }
        }
        out.println(result.message());
        Path dir = run.dir();
        Path curves = dir.resolve("curves.png");
        CurvesPlot.write(MetricsLog.read(dir.resolve(MetricsLog.FILE)), "mcl pretrain " + dir.getFileName() + " (" + config.preset() + ")", curves);
        if (result.outcome() == TrainLoop.Outcome.COMPLETED && result.checkpoint() != null) {
            Path exported = dir.resolve("backbone.safetensors");
            var ck = CheckpointReader.open(result.checkpoint());
            Set<Part> parts = EnumSet.noneOf(Part.class);
            for (String n : ck.weights(Which.ONLINE).keySet()) if (Part.of(n) != null) parts.add(Part.of(n));
            Export.run(ck, Format.SAFETENSORS, Which.ONLINE, parts, 1, exported, config.size());
            out.println("checkpoint: " + result.checkpoint());
            out.println("curves:     " + curves);
            out.println("backbone:   " + exported + " (safetensors, torchvision names; `mcl export --checkpoint " + dir
                    + " --format detectron2|mmdet|torchvision` for other frameworks)");
            return 0;
        }
        out.println("checkpoint: " + (result.checkpoint() == null ? "none" : result.checkpoint()));
        out.println("curves:     " + curves);
        return result.outcome() == TrainLoop.Outcome.STOPPED ? 0 : 1;
    }

    private static Path checkRun(Path dir) {
        Path c = dir.resolve(PretrainRun.CONFIG);
        if (!Files.isRegularFile(c)) throw new UsageException(dir + " is not a run folder (no " + PretrainRun.CONFIG + ")");
        return c;
    }

    /** preset -> --config file -> flags. */
    static TrainConfig effectiveConfig(CommandLine cl) throws java.io.IOException {
        TrainConfig c = TrainConfig.preset(cl.getOptionValue("preset", "tiny"));
        if (cl.hasOption("config")) {
            Path f = Path.of(cl.getOptionValue("config"));
            if (!Files.isRegularFile(f)) throw new UsageException("--config " + f + " does not exist");
            JsonNode tree;
            try {
                tree = TrainConfig.JSON.readTree(f.toFile());
            } catch (java.io.IOException e) {
                throw new UsageException(f + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (tree == null || !tree.isObject()) throw new UsageException(f + " must hold a JSON object of settings");
            if (tree.has("preset") && !cl.hasOption("preset")) c = TrainConfig.preset(tree.get("preset").asText());
            c = TrainConfig.merge(c, tree, f.toString());
        }
        ObjectNode flags = TrainConfig.JSON.createObjectNode();
        for (org.apache.commons.cli.Option o : cl.getOptions()) {
            String key = o.getLongOpt().replace('-', '_');
            if (OWN.contains(o.getLongOpt())) continue;
            String v = o.getValue();
            flags.set(key, scalar(v));
        }
        return TrainConfig.merge(c, flags, "flags");
    }

    /** A flag's text as the JSON value it most likely means (number, boolean, else string). */
    private static JsonNode scalar(String v) {
        var f = TrainConfig.JSON.getNodeFactory();
        try {
            return f.numberNode(Long.parseLong(v));
        } catch (NumberFormatException e) {
            // not an integer
        }
        try {
            return f.numberNode(Double.parseDouble(v));
        } catch (NumberFormatException e) {
            return f.textNode(v);
        }
    }
}
