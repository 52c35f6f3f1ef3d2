package mcl.data.scenes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mcl.data.RgbImage;
import mcl.data.augment.Rng;
import mcl.data.source.SyntheticSource;

/**
 * {@link SyntheticSource}'s shape scenes as a labelled set: the stand-in when Fashion-MNIST is
 * not installed. Classes are the shape index + 1 (1..5), background 0. The TEST split uses a
 * seed derived from the given one, so its scenes differ from the TRAIN scenes of the same seed.
 */
final class SyntheticScenes implements LabelledScenes {
    static final List<String> CLASS_NAMES;
    private static final long TEST_SEED_KEY = 0x54455354L;

    static {
        List<String> names = new ArrayList<>();
        names.add("background");
        names.addAll(SyntheticSource.CLASSES);
        CLASS_NAMES = List.copyOf(names);
    }

    private final Split split;
    private final int count;
    private final SyntheticSource source;
    private final String fallbackReason;

    SyntheticScenes(Split split, int count, int side, long seed, String fallbackReason) {
        if (count < 1) throw new IllegalArgumentException("a scene set needs at least 1 scene, got " + count);
        if (side < FashionScenes.MIN_SIDE) throw new IllegalArgumentException("scene side must be >= " + FashionScenes.MIN_SIDE + ", got " + side);
        this.split = split;
        this.count = count;
        long splitSeed = split == Split.TRAIN ? seed : Rng.of(seed, TEST_SEED_KEY).nextLong();
        this.source = new SyntheticSource(count, splitSeed, side);
        this.fallbackReason = fallbackReason;
    }

    @Override
    public int size() { return count; }

    @Override
    public int side() { return source.side(); }

    @Override
    public List<String> classNames() { return CLASS_NAMES; }

    @Override
    public Split split() { return split; }

    @Override
    public Scene scene(int index) {
        if (index < 0 || index >= count) throw new IndexOutOfBoundsException("scene " + index + " of " + count);
        SyntheticSource.Scene s = source.scene(index);
        int[] classes = Arrays.stream(s.classes()).map(c -> c + 1).toArray();
        int[] sources = new int[classes.length];
        Arrays.fill(sources, -1);
        // SyntheticSource already dropped hidden instances; annotate() only adds the class map.
        return Scene.annotate(s.image(), s.instanceMap(), classes, sources, 1);
    }

    @Override
    public void renderImage(int index, RgbImage out) { source.read(index, source.side(), out); }

    @Override
    public boolean fellBack() { return fallbackReason != null; }

    @Override
    public String describe() {
        return "synthetic shape scenes (" + split.name().toLowerCase(java.util.Locale.ROOT) + " split, " + count + " of " + side() + "x" + side() + ", seed "
                + source.seed() + ", " + CLASS_NAMES.size() + " classes)" + (fallbackReason == null ? "" : " FALLBACK: " + fallbackReason);
    }
}
