package mcl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import mcl.data.pipeline.DataConfig;
import mcl.graph.Graph;
import mcl.graph.GraphManifest;
import mcl.graph.OnnxExport;
import mcl.graph.nn.BnMode;
import mcl.graphs.BackboneFpn;
import mcl.graphs.Preset;
import mcl.graphs.mcl.MatchMode;
import mcl.graphs.mcl.MclConfig;
import mcl.graphs.mcl.MclGraphs;
import mcl.runtime.train.TrainConfig;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * `mcl graphs`: writes the MCL training graphs of a preset (online_train.onnx, target_forward.onnx),
 * the backbone+FPN inference graph (backbone_fpn.onnx) and manifest.json describing all three.
 */
final class GraphsCommand implements Command {
    public static final String FORWARD = "backbone_fpn.onnx";
    private final java.io.PrintStream out;

    GraphsCommand(java.io.PrintStream out) { this.out = out; }

    public String name() { return "graphs"; }

    public String summary() { return "write the ONNX training and inference graphs of a preset and manifest.json (the graph contract)"; }

    public Options options() {
        return new Options()
                .addOption(Main.flag("preset", "NAME", "network preset: " + Main.joined(Preset.names()) + " (default tiny, as everywhere)"))
                .addOption(Main.flag("out", "DIR", "output folder (created if missing)"))
                .addOption(Main.flag("levels", "L", "montage levels 1..4 (default: the preset's; 1 = image-level baseline)"))
                .addOption(Main.flag("mode", "M", "level matching mode a|b|c|d (default a)"))
                .addOption(Main.flag("batch", "B", "images per view (default: the preset's)"))
                .addOption(Main.flag("size", "H", "input size in pixels, a multiple of 32 (default: the preset's)"))
                .addOption(Main.flag("temperature", "T", "InfoNCE temperature (default: the preset's recipe, as `mcl pretrain`: tiny 0.2, r18/r50 1.0)"));
    }

    public int run(CommandLine cl) throws Exception {
        Preset preset = Preset.named(cl.getOptionValue("preset", "tiny"));
        if (!cl.hasOption("out")) throw new UsageException("--out DIR is required (the folder to write the graphs to, e.g. --out graphs/tiny)");
        Path out = Path.of(cl.getOptionValue("out"));
        int batch = Main.intFlag(cl, "batch", preset.batch());
        int size = Main.intFlag(cl, "size", preset.imageSize());
        int levels = Main.intFlag(cl, "levels", preset.levels());
        Preset.checkImageSize(size);
        MatchMode mode = MatchMode.parse(cl.getOptionValue("mode", "a"));
        int[] montages = DataConfig.defaultMontages(batch, levels);
        MclConfig cfg = MclConfig.of(preset, levels, mode, batch, size, montages);
        double t;
        try {
            t = cl.hasOption("temperature") ? Double.parseDouble(cl.getOptionValue("temperature")) : TrainConfig.preset(preset.name()).temperature();
        } catch (NumberFormatException e) {
            throw new UsageException("--temperature needs a number, got '" + cl.getOptionValue("temperature") + "'");
        }
        cfg = new MclConfig(preset, levels, mode, batch, size, montages, t, cfg.levelWeights());
        MclGraphs.Built built = MclGraphs.write(cfg, out);
        Graph forward = BackboneFpn.graph(preset, BnMode.EVAL, batch, size);
        Files.write(out.resolve(FORWARD), OnnxExport.toModel(forward).toByteArray());
        ObjectNode manifest = built.manifest();
        ((ObjectNode) manifest.get("graphs")).set(FORWARD, GraphManifest.describe(forward));
        GraphManifest.JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve(MclGraphs.MANIFEST).toFile(), manifest);
        // Node counts of the files as written (export drops nodes no output reads), as `mcl validate` reports them.
        this.out.printf("wrote %s: %s (%d nodes), %s (%d nodes), %s, manifest.json; %d trainable parameters%n", out,
                MclGraphs.ONLINE, writtenNodes(out.resolve(MclGraphs.ONLINE)), MclGraphs.TARGET, writtenNodes(out.resolve(MclGraphs.TARGET)), FORWARD,
                built.online().params().stream().filter(p -> p.trainable()).count());
        return 0;
    }

    private static int writtenNodes(Path model) throws java.io.IOException {
        return mcl.onnx.OnnxProto.ModelProto.parseFrom(Files.readAllBytes(model)).getGraph().getNodeCount();
    }
}
