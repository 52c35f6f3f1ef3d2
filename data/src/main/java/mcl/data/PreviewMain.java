package mcl.data;

import java.nio.file.Path;
import mcl.data.montage.MontageBatch;
import mcl.data.pipeline.BatchLoader;
import mcl.data.pipeline.DataConfig;
import mcl.data.preview.MontagePreview;
import mcl.data.source.ImageSource;
import mcl.data.source.Sources;

/**
 * Writes one batch as a PNG without the CLI:
 * {@code PreviewMain --data SPEC --out montages.png [--size 224] [--batch 16] [--levels 4] [--seed 0] [--step 0] [--smoothing 0]}.
 */
public final class PreviewMain {
    private PreviewMain() { }

    public static void main(String[] args) throws Exception {
        String data = null;
        Path out = Path.of("montages.png");
        int size = 224;
        int batch = 16;
        int levels = 4;
        long seed = 0;
        long step = 0;
        double smoothing = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) usage("missing value after " + a);
            String v = args[++i];
            switch (a) {
                case "--data" -> data = v;
                case "--out" -> out = Path.of(v);
                case "--size" -> size = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--levels" -> levels = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--step" -> step = Long.parseLong(v);
                case "--smoothing" -> smoothing = Double.parseDouble(v);
                default -> usage("unknown option " + a);
            }
        }
        if (data == null) usage("--data is required");
        DataConfig config = DataConfig.of(size, batch, levels).withSeed(seed).withSmoothing(smoothing);
        try (ImageSource source = Sources.open(data); BatchLoader loader = new BatchLoader(source, config)) {
            loader.seek(step);
            MontageBatch b = loader.next();
            MontagePreview.write(b, out);
            System.out.println("wrote " + out + " from " + source.describe() + "; " + config + "; skipped files: " + loader.skippedFiles());
        }
    }

    private static void usage(String why) {
        System.err.println(why + "\nusage: PreviewMain --data SPEC --out montages.png [--size 224] [--batch 16] [--levels 4] [--seed 0] [--step 0] [--smoothing 0]\n"
                + Sources.USAGE);
        System.exit(2);
    }
}
