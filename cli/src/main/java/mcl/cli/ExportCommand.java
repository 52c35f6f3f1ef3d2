package mcl.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import mcl.checkpoints.Checkpoint;
import mcl.checkpoints.CheckpointReader;
import mcl.checkpoints.Part;
import mcl.checkpoints.Which;
import mcl.checkpoints.export.Export;
import mcl.checkpoints.export.Format;
import mcl.graphs.Preset;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** `mcl export`: writes a checkpoint's weights for torchvision, detectron2, mmdetection, safetensors or ONNX. */
final class ExportCommand implements Command {
    private final PrintStream out;

    ExportCommand(PrintStream out) {
        this.out = out;
    }

    public String name() { return "export"; }

    public String summary() { return "export a checkpoint's weights for torchvision, detectron2, mmdetection, safetensors or ONNX"; }

    public Options options() {
        return new Options()
                .addOption(Main.flag("checkpoint", "DIR", "a run folder (uses checkpoints/latest) or one checkpoint folder"))
                .addOption(Main.flag("format", "F", "output format: " + Main.joined(Format.names())))
                .addOption(Main.flag("out", "FILE", "output file (.pth; detectron2 also .pkl; .safetensors; .onnx)"))
                .addOption(Main.flag("parts", "LIST", "comma-separated parts: " + Part.names().replace(" ", "") + " (default all; "
                        + "torchvision with backbone alone gives plain resnet names)"))
                .addOption(Main.flag("which", "ENC", "encoder: online|target (default online)"))
                .addOption(Main.flag("div", "K", "divide every non-normalisation weight by K (MCL's Div trick; default 1)"))
                .addOption(Main.flag("size", "H", "onnx only: input size in pixels, a multiple of 32 (default: the checkpoint's image_size)"));
    }

    public int run(CommandLine cl) throws Exception {
        for (String required : List.of("checkpoint", "format", "out")) {
            if (!cl.hasOption(required)) throw new UsageException("--" + required + " is required");
        }
        String formatName = cl.getOptionValue("format");
        Format format = Format.named(formatName);
        if (format == null) {
            throw new UsageException("unknown format '" + formatName + "'" + Main.suggestion(formatName, Format.names())
                    + "; valid formats: " + String.join(", ", Format.names()));
        }
        Set<Part> parts = Part.parseList(cl.getOptionValue("parts", Part.names().replace(" ", "")));
        Which which = Which.parse(cl.getOptionValue("which", "online"));
        double div = Main.doubleFlag(cl, "div", 1);
        if (cl.hasOption("size") && format != Format.ONNX) throw new UsageException("--size applies to --format onnx only");

        Checkpoint ck = CheckpointReader.open(Path.of(cl.getOptionValue("checkpoint")));
        Preset.named(ck.preset()); // an unknown preset in state.json fails here, naming the valid ones
        int size = Main.intFlag(cl, "size", ck.imageSize());
        Preset.checkImageSize(size);
        Path file = Path.of(cl.getOptionValue("out"));
        List<String> notes = Export.run(ck, format, which, parts, div, file, size);
        out.printf("wrote %s: %s %s (%s encoder, parts %s%s) from %s%n", file, format.flagName, ck.preset(), which.flagName(),
                parts.stream().map(Part::flagName).collect(Collectors.joining(",")), div == 1 ? "" : ", div " + div, ck.dir());
        notes.forEach(out::println);
        return 0;
    }
}
