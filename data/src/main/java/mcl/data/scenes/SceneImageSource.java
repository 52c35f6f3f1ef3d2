package mcl.data.scenes;

import mcl.data.RgbImage;
import mcl.data.source.ImageSource;

/** The images of a labelled scene set, without labels: lets pre-training run on the same scenes (--data fashion-scenes). */
public final class SceneImageSource implements ImageSource {
    public static final String SPEC_USAGE = "fashion-scenes[:N[:SEED[:SIDE]]]";
    private final LabelledScenes scenes;
    private final String spec;

    public SceneImageSource(LabelledScenes scenes, String spec) {
        this.scenes = scenes;
        this.spec = spec;
    }

    /**
     * Parses {@code fashion-scenes[:N[:SEED[:SIDE]]]} (train split, Debian's Fashion-MNIST,
     * default N 10000, SEED 0, SIDE 128); falls back to synthetic scenes, with a warning, when
     * Fashion-MNIST is not installed.
     */
    public static SceneImageSource open(String spec) {
        String[] parts = spec.split(":");
        int n;
        long seed;
        int side;
        try {
            if (parts.length > 4) throw new NumberFormatException("too many fields");
            n = parts.length > 1 ? Integer.parseInt(parts[1]) : FashionScenes.DEFAULT_COUNT;
            seed = parts.length > 2 ? Long.parseLong(parts[2]) : 0L;
            side = parts.length > 3 ? Integer.parseInt(parts[3]) : FashionScenes.DEFAULT_SIDE;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad scene source '" + spec + "': expected " + SPEC_USAGE + " (" + e.getMessage() + ")");
        }
        return new SceneImageSource(LabelledScenes.fashionOrSynthetic(FashionMnist.DEBIAN_DIR, Split.TRAIN, n, side, seed), spec);
    }

    public LabelledScenes scenes() { return scenes; }

    @Override
    public int size() { return scenes.size(); }

    @Override
    public String name(int index) { return spec + "#" + index; }

    @Override
    public void read(int index, int cropSize, RgbImage out) { scenes.renderImage(index, out); }

    @Override
    public String describe() { return scenes.describe(); }
}
