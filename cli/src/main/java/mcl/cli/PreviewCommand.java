package mcl.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import mcl.data.pipeline.BatchLoader;
import mcl.data.pipeline.DataConfig;
import mcl.data.preview.MontagePreview;
import mcl.data.source.ImageSource;
import mcl.data.source.Sources;
import mcl.runtime.train.TrainConfig;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** `mcl preview`: one batch of a preset's montages as a PNG, to check data and augmentations by eye. */
final class PreviewCommand implements Command {
    private final PrintStream out;

    PreviewCommand(PrintStream out) { this.out = out; }

    public String name() { return "preview"; }

    public String summary() { return "render one batch of augmented multi-level montages as a PNG"; }

    public Options options() {
        return new Options()
                .addOption(Main.flag("data", "SPEC", Sources.USAGE.replace("--data takes ", "")))
                .addOption(Main.flag("out", "FILE", "PNG to write"))
                .addOption(Main.flag("preset", "P", "size, batch and levels of: " + String.join(", ", TrainConfig.PRESETS) + " (default tiny)"))
                .addOption(Main.flag("seed", "S", "random seed (default 0)"))
                .addOption(Main.flag("step", "N", "which step's batch (default 0)"));
    }

    public int run(CommandLine cl) throws Exception {
        if (!cl.hasOption("data")) throw new UsageException("--data is required; " + Sources.USAGE);
        if (!cl.hasOption("out")) throw new UsageException("--out FILE.png is required");
        TrainConfig preset = TrainConfig.preset(cl.getOptionValue("preset", "tiny"));
        DataConfig config = preset.dataConfig().withSeed(Main.intFlag(cl, "seed", 0)).withPrefetch(1);
        Path png = Path.of(cl.getOptionValue("out"));
        try (ImageSource source = Sources.open(cl.getOptionValue("data")); BatchLoader loader = new BatchLoader(source, config)) {
            loader.seek(Main.intFlag(cl, "step", 0));
            out.println("decoding one batch from " + source.describe() + " (" + config.batch() + " images, 2 views, " + config.levels() + " levels) ...");
            MontagePreview.write(Waiting.run(out, "still decoding (large photos take a while)", 5000, loader::next), png);
            out.println("wrote " + png + " from " + source.describe() + " (" + preset.preset() + ": " + config.size() + " px, batch "
                    + config.batch() + ", " + config.levels() + " levels); skipped files: " + loader.skippedFiles());
        }
        return 0;
    }
}
