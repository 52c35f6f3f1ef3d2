package mcl.data.augment;

import mcl.data.FloatImage;
import mcl.data.RgbImage;

/**
 * The BYOL augmentation of one copy, in the recipe's order: RandomResizedCrop(scale 0.2-1,
 * ratio 3/4-4/3), horizontal flip p=0.5, ColorJitter(0.4, 0.4, 0.2, 0.1) p=0.8, grayscale
 * p=0.2, Gaussian blur sigma ~ U(0.1, 2) with the view's probability, solarize (128) with the
 * view's probability. {@link #draw} makes every random choice up front from one stream, then
 * {@link #apply} is deterministic, so draws can be inspected and tested on their own.
 */
public final class ByolAugment {
    public static final double FLIP_P = 0.5;
    public static final double JITTER_P = 0.8;
    public static final double GRAY_P = 0.2;

    /** The per-view probabilities. */
    public record View(double blurP, double solarizeP) {
        public static final View ONE = new View(1.0, 0.0);
        public static final View TWO = new View(0.1, 0.2);

        /** View 1 or 2 of the recipe. */
        public static View of(int view) {
            if (view == 1) return ONE;
            if (view == 2) return TWO;
            throw new IllegalArgumentException("view must be 1 or 2, got " + view);
        }
    }

    /** Every random choice for one copy. jitter is null when not applied; blurSigma 0 means no blur. */
    public record Draw(ResizedCrop.Box crop, boolean flip, ColorJitter.Draw jitter, boolean gray, double blurSigma, boolean solarize) { }

    /** Reusable per-thread buffers. */
    public static final class Scratch {
        final ResizedCrop.Scratch crop = new ResizedCrop.Scratch();
        final GaussianBlur.Scratch blur = new GaussianBlur.Scratch();
    }

    private ByolAugment() { }

    public static Draw draw(Rng rng, int srcWidth, int srcHeight, View view) {
        ResizedCrop.Box crop = ResizedCrop.draw(rng, srcWidth, srcHeight);
        boolean flip = rng.bernoulli(FLIP_P);
        // Draw the jitter factors whether or not it applies: later choices keep their place in the stream.
        ColorJitter.Draw jitter = ColorJitter.BYOL.draw(rng);
        boolean jitterOn = rng.bernoulli(JITTER_P);
        boolean gray = rng.bernoulli(GRAY_P);
        double sigma = rng.uniform(GaussianBlur.SIGMA_MIN, GaussianBlur.SIGMA_MAX);
        boolean blur = rng.bernoulli(view.blurP());
        boolean solarize = rng.bernoulli(view.solarizeP());
        return new Draw(crop, flip, jitterOn ? jitter : null, gray, blur ? sigma : 0.0, solarize);
    }

    /** Writes the augmented size x size copy of src into out. */
    public static void apply(Draw d, RgbImage src, int size, FloatImage out, Scratch s) {
        ResizedCrop.apply(src, d.crop(), size, size, out, s.crop);
        if (d.flip()) Flip.horizontal(out);
        if (d.jitter() != null) ColorJitter.apply(out, d.jitter());
        if (d.gray()) Grayscale.apply(out);
        if (d.blurSigma() > 0) GaussianBlur.apply(out, d.blurSigma(), s.blur);
        if (d.solarize()) Solarize.apply(out, Solarize.THRESHOLD);
    }
}
