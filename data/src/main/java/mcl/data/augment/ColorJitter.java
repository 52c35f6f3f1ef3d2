package mcl.data.augment;

import mcl.data.FloatImage;

/**
 * torchvision's {@code ColorJitter}: factors drawn uniformly (brightness, contrast, saturation
 * in [1-x, 1+x], hue in [-x, x]) and the four adjustments applied in a random order.
 */
public final class ColorJitter {
    /** The BYOL strengths. */
    public static final ColorJitter BYOL = new ColorJitter(0.4, 0.4, 0.2, 0.1);

    private final double brightness;
    private final double contrast;
    private final double saturation;
    private final double hue;

    public ColorJitter(double brightness, double contrast, double saturation, double hue) {
        this.brightness = brightness;
        this.contrast = contrast;
        this.saturation = saturation;
        this.hue = hue;
    }

    /** One draw: order[k] is the k-th op to apply (0 brightness, 1 contrast, 2 saturation, 3 hue). */
    public record Draw(int[] order, float brightness, float contrast, float saturation, float hue) { }

    public Draw draw(Rng rng) {
        int[] order = rng.permutation(4);
        float b = (float) rng.uniform(1 - brightness, 1 + brightness);
        float c = (float) rng.uniform(1 - contrast, 1 + contrast);
        float s = (float) rng.uniform(1 - saturation, 1 + saturation);
        float h = (float) rng.uniform(-hue, hue);
        return new Draw(order, b, c, s, h);
    }

    public static void apply(FloatImage img, Draw d) {
        for (int op : d.order()) {
            switch (op) {
                case 0 -> ColorOps.brightness(img, d.brightness());
                case 1 -> ColorOps.contrast(img, d.contrast());
                case 2 -> ColorOps.saturation(img, d.saturation());
                default -> ColorOps.hue(img, d.hue());
            }
        }
    }
}
