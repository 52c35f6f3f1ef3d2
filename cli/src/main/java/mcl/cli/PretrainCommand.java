package mcl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import mcl.checkpoints.CheckpointReader;
import mcl.checkpoints.Part;
import mcl.checkpoints.Which;
import mcl.checkpoints.export.Export;
import mcl.checkpoints.export.Format;
import mcl.runtime.dist.Communicator;
import mcl.runtime.dist.Mpi;
import mcl.runtime.train.PretrainRun;
import mcl.runtime.train.Split;
import mcl.runtime.progress.CurvesPlot;
import mcl.runtime.progress.Progress;
import mcl.runtime.train.GraphBundle;
import mcl.runtime.train.MetricsLog;
import mcl.runtime.train.Settings;
import mcl.runtime.train.TrainConfig;
import mcl.data.source.ImageSource;
import mcl.data.source.Sources;
import mcl.runtime.train.TrainLoop;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * `mcl pretrain`: MCL pre-training into a run folder. Settings come from a preset, then
 * {@code --config FILE.json}, then one flag per setting ({@code --base-lr 2}); SIGINT/SIGTERM save
 * a checkpoint and exit cleanly; {@code --resume RUN_DIR} continues exactly where it stopped.
 */
final class PretrainCommand implements Command {
    private static final List<String> OWN = List.of("config", "out", "resume", "no-sync-bn");
    private static final List<String> RESUME_FLAGS = List.of("resume", "steps");
    private final PrintStream out;
    private final mcl.runtime.train.GraphSource graphs;

    PretrainCommand(PrintStream out) {
        this(out, TrainingGraphs::forConfig);
    }

    /** With another graph source (tests train the fixture graphs through the real command). */
    PretrainCommand(PrintStream out, mcl.runtime.train.GraphSource graphs) {
        this.out = out;
        this.graphs = graphs;
    }

    public String name() { return "pretrain"; }

    public String summary() { return "pre-train a backbone with MCL (default: the tiny preset on Fashion-MNIST garments, a few minutes on a CPU)"; }

    public Options options() { return options(TrainConfig.preset("tiny")); }

    /** `--preset r50 --help` shows r50's values. */
    public Options helpOptions(String[] args) {
        List<String> a = List.of(args);
        int i = a.indexOf("--preset");
        String preset = i >= 0 && i + 1 < a.size() && TrainConfig.PRESETS.contains(a.get(i + 1)) ? a.get(i + 1) : "tiny";
        return options(TrainConfig.preset(preset));
    }

    private static Options options(TrainConfig d) {
        Options o = new Options()
                .addOption(Main.flag("out", "DIR", "run folder to create (default runs/<date-time>); refused if it already holds a run"))
                .addOption(Main.flag("resume", "RUN_DIR", "continue a stopped run from its newest good checkpoint, exactly; with --steps N "
                        + "extend a stopped or finished run to N steps in all (the lr and EMA schedules are re-planned over N steps)"))
                .addOption(Main.flag("config", "FILE", "JSON object of settings (names as below with _ for -): overrides the preset, flags override it"))
                .addOption(org.apache.commons.cli.Option.builder().longOpt("no-sync-bn")
                        .desc("the same as --sync-bn false: BatchNorm statistics per shard under mpirun or --shards").build());
        ObjectNode values = d.toJson();
        for (Settings.Setting s : Settings.all()) {
            JsonNode v = values.get(s.name());
            String shown = v == null || v.isNull() ? "none" : v.asText();
            String arg = switch (s.name()) {
                case "preset" -> "NAME";
                case "data" -> "SPEC";
                case "graphs" -> "DIR";
                case "device" -> "cpu|cuda";
                case "mode" -> "a|b|c|d";
                case "sync_bn" -> "true|false";
                default -> s.kind() == Settings.Kind.WHOLE ? "N" : "X";
            };
            o.addOption(Main.flag(s.name().replace('_', '-'), arg, s.meaning() + " [" + d.preset() + " preset: " + shown + "]"));
        }
        return o;
    }

    /**
     * Under mpirun (Open MPI sets OMPI_COMM_WORLD_SIZE in every rank) each process is one rank of a
     * data-parallel job; otherwise MPI is not loaded at all. A rank that fails ends the whole job
     * with MPI_Abort, naming itself; finalizing on an error path would leave the others waiting.
     */
    public int run(CommandLine cl) throws Exception {
        Communicator comm = Mpi.launchedByMpirun() ? Mpi.init() : Communicator.SINGLE;
        try {
            int code = run(cl, comm);
            comm.close();
            return code;
        } catch (Throwable e) {
            if (comm.size() > 1) {
                System.err.println("mcl pretrain: rank " + comm.rank() + " of " + comm.size() + " failed, ending the job: "
                        + (e.getMessage() == null ? e.toString() : e.getMessage()));
                comm.abort(1);
            }
            throw e;
        }
    }

    private int run(CommandLine cl, Communicator comm) throws Exception {
        boolean rank0 = comm.rank() == 0;
        PrintStream out = rank0 ? this.out : new PrintStream(java.io.OutputStream.nullOutputStream());
        Progress progress = Progress.forStream(out, System.console() != null, 10);
        PretrainRun run;
        TrainLoop.Result result;
        TrainConfig config;
        try (StopOnSignal stop = new StopOnSignal()) {
            if (cl.hasOption("resume")) {
                for (org.apache.commons.cli.Option opt : cl.getOptions()) {
                    if (!RESUME_FLAGS.contains(opt.getLongOpt())) {
                        throw new UsageException("--" + opt.getLongOpt() + " cannot be combined with --resume: a resumed run keeps the settings in its config.json"
                                + " (only --steps N, to extend it, may be given)");
                    }
                }
                Path dir = Path.of(cl.getOptionValue("resume"));
                checkRun(dir);
                run = new PretrainRun(dir, graphs, progress, (f, s) -> { }, comm);
                if (cl.hasOption("steps")) {
                    long steps = positiveSteps(cl.getOptionValue("steps"));
                    if (rank0) out.println(run.extend(steps));
                    comm.allReduceSum(new double[1]); // the others read config.json once rank 0 has rewritten it
                }
                config = PretrainRun.readConfig(dir.resolve(PretrainRun.CONFIG));
                Split split = Split.of(config, comm.size());
                if (split.shards() > 1) out.println("data parallel: " + split);
                result = run.resume(stop::stopped);
            } else {
                Path dir = Path.of(cl.getOptionValue("out",
                        Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))).toString()));
                Settings.Checked checked = checkNewRun(cl, dir, rank0);
                config = checked.config();
                checked.notes().forEach(out::println);
                run = new PretrainRun(dir, graphs, progress, (f, s) -> { }, comm);
                out.println("run folder " + dir.toAbsolutePath() + " (" + config.preset() + " preset, " + config.steps() + " steps, batch "
                        + config.batch() + ", data " + config.data() + ")");
                Split split = Split.of(config, comm.size());
                if (split.shards() > 1) out.println("data parallel: " + split);
                result = run.start(config, stop::stopped);
            }
        }
        if (!rank0) return result.outcome() == TrainLoop.Outcome.DIVERGED ? 1 : 0;
        out.println(result.message());
        Path dir = run.dir();
        Path curves = dir.resolve("curves.png");
        CurvesPlot.write(MetricsLog.read(dir.resolve(MetricsLog.FILE)), "mcl pretrain " + dir.getFileName() + " (" + config.preset() + ")", curves,
                config.chanceLoss());
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
        if (!Files.isRegularFile(c)) throw new UsageException("--resume " + dir + ": not a run folder (no " + PretrainRun.CONFIG + "); give the folder a run was started in");
        return c;
    }

    private static long positiveSteps(String v) {
        try {
            long n = Long.parseLong(v);
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--steps " + v + ": not a positive whole number; give the run's new total, e.g. --steps 600");
    }

    /**
     * Everything a new run needs, checked before anything is written: the settings (preset ->
     * --config file -> flags), the output folder and the data source. Every problem is reported.
     */
    static Settings.Checked checkNewRun(CommandLine cl, Path out) throws java.io.IOException {
        return checkNewRun(cl, out, true);
    }

    /** @param checkOut whether to check the output folder (rank 0 alone writes it; the others would race with it) */
    static Settings.Checked checkNewRun(CommandLine cl, Path out, boolean checkOut) throws java.io.IOException {
        List<String> problems = new ArrayList<>();
        Settings.Checked checked = null;
        try {
            checked = effectiveConfig(cl);
        } catch (Settings.Invalid e) {
            problems.addAll(e.problems());
        }
        if (checkOut) problems.addAll(outProblems(out));
        String data = checked != null ? checked.config().data() : cl.getOptionValue("data");
        if (data != null) problems.addAll(dataProblems(data, checked == null ? 1 : checked.config().batch()));
        if (checked != null && checked.config().batch() % (checked.config().shards() * processes()) != 0) {
            TrainConfig c = checked.config();
            int n = c.shards() * processes();
            problems.add("--batch " + c.batch() + " is the global batch: it does not split into " + n + " equal shards ("
                    + processes() + (processes() == 1 ? " process" : " processes") + " x --shards " + c.shards() + "); give a multiple of " + n);
        }
        if (!problems.isEmpty()) throw new Settings.Invalid(problems);
        return checked;
    }

    /** Processes of the job this one belongs to (mpirun -np N), read before MPI starts. */
    private static int processes() {
        String n = System.getenv("OMPI_COMM_WORLD_SIZE");
        try {
            return n == null ? 1 : Math.max(1, Integer.parseInt(n.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** Whether a new run can be created at {@code out}. */
    static List<String> outProblems(Path out) {
        if (Files.isDirectory(out) && Files.exists(out.resolve(PretrainRun.CONFIG))) {
            return List.of("--out " + out + ": already holds a run; continue it with ./mcl pretrain --resume " + out
                    + " (add --steps N to extend it), or choose another --out");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) return List.of("--out " + out + ": is a file, not a folder; give a new folder name, e.g. --out runs/my-run");
        Path p = out.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) p = p.getParent();
        if (p != null && !Files.isDirectory(p)) return List.of("--out " + out + ": cannot be created, " + p + " is a file");
        if (p != null && !Files.isWritable(p)) return List.of("--out " + out + ": cannot be created, " + p + " is not writable; choose a place you can write to");
        return List.of();
    }

    /** Whether the data source opens and holds at least one batch. */
    static List<String> dataProblems(String spec, int batch) {
        try (ImageSource source = Sources.open(spec)) {
            if (source.size() < batch) {
                return List.of("--data " + spec + ": " + source.describe() + " holds " + source.size() + " images, fewer than one batch of " + batch
                        + "; add images or lower --batch");
            }
            return List.of();
        } catch (IllegalArgumentException e) {
            return List.of("--data " + spec + ": " + e.getMessage());
        }
    }

    /** preset -> --config file -> flags, each value remembered with where it came from. */
    static Settings.Checked effectiveConfig(CommandLine cl) throws java.io.IOException {
        ObjectNode file = null;
        String fileName = null;
        if (cl.hasOption("config")) {
            Path f = Path.of(cl.getOptionValue("config"));
            if (!Files.isRegularFile(f)) throw new Settings.Invalid(List.of("--config " + f + ": no such file"));
            JsonNode tree;
            try {
                tree = TrainConfig.JSON.readTree(f.toFile());
            } catch (java.io.IOException e) {
                throw new Settings.Invalid(List.of("--config " + f + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")"));
            }
            if (tree == null || !tree.isObject()) throw new Settings.Invalid(List.of("--config " + f + ": must hold a JSON object of settings"));
            file = (ObjectNode) tree;
            fileName = f.toString();
        }
        ObjectNode flags = TrainConfig.JSON.createObjectNode();
        for (org.apache.commons.cli.Option o : cl.getOptions()) {
            if (OWN.contains(o.getLongOpt())) continue;
            flags.set(o.getLongOpt().replace('-', '_'), scalar(o.getValue()));
        }
        String preset = flags.has("preset") ? flags.get("preset").asText() : file != null && file.has("preset") ? file.get("preset").asText() : "tiny";
        if (!TrainConfig.PRESETS.contains(preset)) {
            throw new Settings.Invalid(List.of((flags.has("preset") ? "--preset" : fileName + " \"preset\"") + " '" + preset
                    + "': unknown preset; valid presets: " + String.join(", ", TrainConfig.PRESETS)));
        }
        ObjectNode tree = TrainConfig.preset(preset).toJson();
        Map<String, String> origin = new HashMap<>();
        List<String> unknown = new ArrayList<>();
        if (file != null) {
            unknown.addAll(TrainConfig.unknownFields(file, fileName));
            tree.setAll(file);
            for (String k : (Iterable<String>) file::fieldNames) origin.put(k, fileName);
        }
        if (cl.hasOption("no-sync-bn")) {
            if (flags.has("sync_bn")) throw new Settings.Invalid(List.of("--no-sync-bn and --sync-bn both given; keep one"));
            flags.put("sync_bn", false);
        }
        tree.setAll(flags);
        for (String k : (Iterable<String>) flags::fieldNames) origin.put(k, "flags");
        if (!unknown.isEmpty()) throw new Settings.Invalid(unknown);
        return Settings.check(tree, origin);
    }

    /** A flag's text as the JSON value it most likely means (number, else string). */
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
