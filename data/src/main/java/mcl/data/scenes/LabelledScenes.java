package mcl.data.scenes;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import mcl.data.RgbImage;
import mcl.data.source.Warnings;

/**
 * A finite, indexed set of labelled scenes for dense fine-tuning (semantic segmentation) and
 * its evaluation. Scene i is a pure function of how the set was opened (split, seed, side) and
 * i, so it is regenerated on demand instead of stored. Safe to use from several threads.
 */
public interface LabelledScenes {
    /** Number of scenes, indices 0..size()-1. */
    int size();

    /** Canvas side in pixels. */
    int side();

    /** Number of classes including background (class 0): 11 for Fashion-MNIST scenes, 6 for the synthetic fallback. */
    default int numClasses() { return classNames().size(); }

    /** "background" followed by the object class names; class c is classNames().get(c). */
    List<String> classNames();

    Split split();

    Scene scene(int index);

    /** Renders only the image of scene i into out (no annotations); the pre-training path. */
    default void renderImage(int index, RgbImage out) { out.copyFrom(scene(index).image()); }

    /** One line, e.g. "Fashion-MNIST scenes (train split, 10000 of 128x128, seed 0, ...)"; says so when it fell back. */
    String describe();

    /** True when these are synthetic shapes standing in for missing Fashion-MNIST files. */
    default boolean fellBack() { return false; }

    /**
     * spec: {@code fashion-scenes[:DIR]} (garments from DIR, default Debian's
     * /usr/share/datasets/fashion-mnist; synthetic scenes with a one-line warning when the files
     * are missing) or {@code synthetic} (synthetic scenes, no warning).
     */
    static LabelledScenes open(String spec, Split split, int count, int side, long seed) {
        String lower = spec == null ? "" : spec.toLowerCase(Locale.ROOT);
        if (lower.equals("synthetic")) return new SyntheticScenes(split, count, side, seed, null);
        if (lower.equals("fashion-scenes") || lower.startsWith("fashion-scenes:")) {
            int colon = spec.indexOf(':');
            Path dir = colon < 0 ? FashionMnist.DEBIAN_DIR : Path.of(spec.substring(colon + 1));
            return fashionOrSynthetic(dir, split, count, side, seed);
        }
        throw new IllegalArgumentException("unknown labelled scene set '" + spec + "': expected fashion-scenes[:DIR] or synthetic");
    }

    /** Fashion-MNIST scenes from dir, or (warning once on stderr) synthetic scenes when dir lacks the split's files. */
    static LabelledScenes fashionOrSynthetic(Path dir, Split split, int count, int side, long seed) {
        if (FashionMnist.available(dir, split)) return new FashionScenes(FashionMnist.load(dir, split), count, seed, side);
        String why = "no Fashion-MNIST " + split.filePrefix() + " files in " + dir + " (apt-get install dataset-fashion-mnist)";
        Warnings.warn(why + "; falling back to synthetic scenes with " + SyntheticScenes.CLASS_NAMES.size() + " classes (background + shapes)");
        return new SyntheticScenes(split, count, side, seed, why);
    }
}
