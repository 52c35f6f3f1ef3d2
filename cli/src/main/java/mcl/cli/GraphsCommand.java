package mcl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import mcl.graph.Graph;
import mcl.graph.GraphManifest;
import mcl.graph.OnnxExport;
import mcl.graph.nn.BnMode;
import mcl.graphs.BackboneFpn;
import mcl.graphs.Preset;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** `mcl graphs`: writes ONNX graphs and their manifest for a preset. */
final class GraphsCommand implements Command {
    public String name() { return "graphs"; }

    public String summary() { return "write the ONNX graphs of a preset and manifest.json describing their interface"; }

    public Options options() {
        return new Options()
                .addOption(Main.flag("preset", "NAME", "network preset: " + Main.joined(Preset.names()) + " (default r50)"))
                .addOption(Main.flag("out", "DIR", "output folder (created if missing)"))
                .addOption(Main.flag("batch", "B", "static batch size of the graphs (default 2)"))
                .addOption(Main.flag("size", "H", "input size in pixels, a multiple of 32 (default: the preset's)"))
                .addOption(Main.flag("bn", "MODE", "batch norm mode of the forward graph: train|eval (default eval)"));
    }

    public int run(CommandLine cl) throws Exception {
        Preset preset = Preset.named(cl.getOptionValue("preset", "r50"));
        if (!cl.hasOption("out")) throw new UsageException("--out DIR is required");
        Path out = Path.of(cl.getOptionValue("out"));
        int batch = Main.intFlag(cl, "batch", 2);
        if (batch <= 0) throw new UsageException("--batch must be positive, got " + batch);
        int size = Main.intFlag(cl, "size", preset.imageSize());
        Preset.checkImageSize(size);
        BnMode bn = switch (cl.getOptionValue("bn", "eval")) {
            case "train" -> BnMode.TRAIN;
            case "eval" -> BnMode.EVAL;
            default -> throw new UsageException("--bn must be train or eval, got '" + cl.getOptionValue("bn") + "'");
        };
        Files.createDirectories(out);
        Graph g = BackboneFpn.graph(preset, bn, batch, size);
        Path model = out.resolve("backbone_fpn.onnx");
        Files.write(model, OnnxExport.toModel(g).toByteArray());
        ObjectNode manifest = GraphManifest.JSON.createObjectNode();
        manifest.put("preset", preset.name());
        manifest.put("backbone", preset.backbone().name());
        manifest.put("fpn_channels", preset.fpnChannels());
        manifest.put("image_size", size);
        manifest.put("batch", batch);
        manifest.put("bn_mode", bn.name().toLowerCase());
        manifest.putObject("graphs").set("backbone_fpn.onnx", GraphManifest.describe(g));
        GraphManifest.JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("manifest.json").toFile(), manifest);
        System.out.printf("wrote %s (%d nodes, %d parameters) and manifest.json%n", model, g.nodes().size(), g.params().size());
        return 0;
    }
}
