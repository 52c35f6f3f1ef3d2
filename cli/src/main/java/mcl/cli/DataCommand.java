package mcl.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import mcl.data.prepare.PreparedDataset;
import mcl.data.prepare.Preparer;
import mcl.data.source.ImageSource;
import mcl.data.source.Sources;
import mcl.graphs.Preset;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/**
 * `mcl data prepare SRC --out DIR`: writes a source's images once at the resolution the recipe
 * needs, for fast repeated epochs (what FFCV and DALI users expect); `--data DIR` reads it.
 */
final class DataCommand implements Command, Main.TakesArguments {
    private final PrintStream out;

    DataCommand(PrintStream out) { this.out = out; }

    public String name() { return "data"; }

    public String usage() { return "prepare SRC --out DIR [flags]"; }

    public String summary() { return "`data prepare SRC --out DIR`: write a data source once at the resolution pre-training needs (fast epochs)"; }

    public Options options() {
        return new Options()
                .addOption(Main.flag("out", "DIR", "folder to write (created; a stopped preparation continues where it stopped)"))
                .addOption(Main.flag("preset", "NAME", "the crop size to keep full resolution for: " + String.join(", ", Preset.names())
                        + " (default tiny: 64 px; r18/r50: 224 px)"))
                .addOption(Main.flag("max-side", "PX", "also cap the longer side at PX pixels (default: no cap)"))
                .addOption(Main.flag("quality", "Q", "JPEG quality 1..100 (default 95)"))
                .addOption(Main.flag("workers", "N", "decoding threads (default: all cores)"));
    }

    public int run(CommandLine cl) throws Exception {
        List<String> args = cl.getArgList();
        if (args.size() != 2 || !args.get(0).equals("prepare")) {
            throw new UsageException("usage: mcl data prepare SRC --out DIR [--preset P] [--max-side PX]; SRC is any --data source (a folder, COCO .json, .txt list, ...)");
        }
        if (!cl.hasOption("out")) throw new UsageException("--out DIR is required (the folder to write the prepared dataset to)");
        Path dir = Path.of(cl.getOptionValue("out"));
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UsageException("--out " + dir + ": is a file, not a folder");
        Preset preset = Preset.named(cl.getOptionValue("preset", "tiny"));
        int maxSide = Main.intFlag(cl, "max-side", 0);
        if (maxSide < 0 || (maxSide > 0 && maxSide < preset.imageSize())) {
            throw new UsageException("--max-side " + maxSide + ": must be at least the crop size " + preset.imageSize() + " of preset " + preset.name());
        }
        int quality = Main.intFlag(cl, "quality", 95);
        if (quality < 1 || quality > 100) throw new UsageException("--quality " + quality + ": must be 1..100");
        int workers = Main.intFlag(cl, "workers", Runtime.getRuntime().availableProcessors());
        if (workers < 1) throw new UsageException("--workers " + workers + ": must be at least 1");
        String spec = args.get(1);
        Preparer preparer = new Preparer(preset.imageSize(), maxSide, quality / 100f, workers);
        try (ImageSource source = Sources.open(spec)) {
            out.println("preparing " + source.describe() + " for " + preset.imageSize() + "-px crops into " + dir
                    + (maxSide > 0 ? " (longer side at most " + maxSide + " px)" : ""));
            CountBar bar = new CountBar(out, System.console() != null, "images");
            Preparer.Result r = preparer.run(source, spec, dir, bar::update);
            bar.finish();
            out.println("wrote " + r.written() + " images, kept " + r.reused() + " from an earlier run, skipped " + r.skipped().size()
                    + (r.skipped().isEmpty() ? "" : " (listed in " + PreparedDataset.INDEX + ")") + "; use it with --data " + dir);
        }
        return 0;
    }
}
