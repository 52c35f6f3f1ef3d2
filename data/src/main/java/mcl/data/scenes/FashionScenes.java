package mcl.data.scenes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import mcl.data.RgbImage;
import mcl.data.augment.Rng;

/**
 * "Fashion-MNIST scenes": 3-8 garments pasted onto a cluttered background (see
 * {@link Backgrounds}), later garments occluding earlier ones. Scene i is a pure function of
 * (split, seed, i); garments come only from the split's own file, so TEST scenes never show a
 * training garment.
 *
 * <p>Per garment: the 28x28 image is scaled (bilinear) to a frame of side s with s/side drawn
 * log-uniformly from [{@value #MIN_SCALE}, {@value #MAX_SCALE}] (log-uniform so small and large
 * garments are equally common), aspect jittered by up to ~20%, mirrored half of the time, and
 * centred anywhere in [-0.2s, side+0.2s] (so garments may be cut by the border). Its pixels are
 * those whose interpolated intensity exceeds {@value #THRESHOLD}/255: that drops the faint
 * halo around Fashion-MNIST items but keeps dark garments mostly solid (on t10k, 93% of an
 * item's non-zero pixels survive on average and fewer than 0.5% of items keep under 70%; a
 * higher threshold such as 24 punches holes in 2% of items). Only those pixels are painted and labelled,
 * so image and labels agree exactly. The paint is a random colour or texture (solid, stripes,
 * checks, dots, two-tone gradient) shaded by the garment's intensity so its folds and seams
 * stay visible.
 */
public final class FashionScenes implements LabelledScenes {
    public static final int DEFAULT_SIDE = 128;
    public static final int MIN_SIDE = 32;
    public static final int DEFAULT_COUNT = 10_000;
    public static final double MIN_SCALE = 0.12;
    public static final double MAX_SCALE = 0.70;
    /** Interpolated Fashion-MNIST intensity (0..255) above which a pixel belongs to the garment. */
    public static final int THRESHOLD = 12;
    /** Instances with fewer visible pixels are dropped (hidden or cut off) and the rest renumbered. */
    public static final int MIN_VISIBLE_PIXELS = 16;
    public static final int MIN_GARMENTS = 3;
    public static final int MAX_GARMENTS = 8;
    public static final List<String> CLASS_NAMES;
    /** Keeps these streams apart from SyntheticSource's (which also uses Rng.SCENE). */
    private static final long FASHION_KEY = 0x46534e53L;

    static {
        List<String> names = new ArrayList<>();
        names.add("background");
        names.addAll(FashionMnist.CLASS_NAMES);
        CLASS_NAMES = List.copyOf(names);
    }

    private final FashionMnist garments;
    private final int count;
    private final long seed;
    private final int side;
    private final ThreadLocal<int[]> maps;

    public FashionScenes(FashionMnist garments, int count, long seed, int side) {
        if (count < 1) throw new IllegalArgumentException("a scene set needs at least 1 scene, got " + count);
        if (side < MIN_SIDE) throw new IllegalArgumentException("scene side must be >= " + MIN_SIDE + ", got " + side);
        this.garments = garments;
        this.count = count;
        this.seed = seed;
        this.side = side;
        this.maps = ThreadLocal.withInitial(() -> new int[side * side]);
    }

    @Override
    public int size() { return count; }

    @Override
    public int side() { return side; }

    public long seed() { return seed; }

    @Override
    public List<String> classNames() { return CLASS_NAMES; }

    @Override
    public Split split() { return garments.split(); }

    @Override
    public Scene scene(int index) {
        check(index);
        RgbImage img = new RgbImage(side, side);
        int[] map = new int[side * side];
        int[][] raw = render(index, img, map);
        return Scene.annotate(img, map, raw[0], raw[1], MIN_VISIBLE_PIXELS);
    }

    @Override
    public void renderImage(int index, RgbImage out) {
        check(index);
        render(index, out, maps.get());
    }

    private void check(int index) {
        if (index < 0 || index >= count) throw new IndexOutOfBoundsException("scene " + index + " of " + count);
    }

    /** Paints scene i into img and map; returns {classes 1..10, source garment indices} per painted instance. */
    private int[][] render(long index, RgbImage img, int[] map) {
        Rng rng = Rng.of(seed, Rng.SCENE, FASHION_KEY, garments.split().ordinal(), index);
        img.resize(side, side);
        Arrays.fill(map, 0, side * side, -1);
        Backgrounds.paint(rng, img);
        Backgrounds.clutter(rng, img);
        int n = MIN_GARMENTS + rng.nextInt(MAX_GARMENTS - MIN_GARMENTS + 1);
        int[] classes = new int[n];
        int[] sources = new int[n];
        for (int i = 0; i < n; i++) {
            int g = rng.nextInt(garments.size());
            sources[i] = g;
            classes[i] = garments.label(g) + 1;
            paintGarment(rng, g, i, img, map);
        }
        return new int[][] {classes, sources};
    }

    private void paintGarment(Rng rng, int g, int id, RgbImage img, int[] map) {
        double s = side * StrictMath.exp(rng.uniform(StrictMath.log(MIN_SCALE), StrictMath.log(MAX_SCALE)));
        double aspect = StrictMath.sqrt(StrictMath.exp(rng.uniform(-0.2, 0.2)));
        double w = s * aspect;
        double h = s / aspect;
        double cx = rng.uniform(-0.2 * s, side + 0.2 * s);
        double cy = rng.uniform(-0.2 * s, side + 0.2 * s);
        boolean mirror = rng.bernoulli(0.5);
        Paint paint = Paint.random(rng, side);
        double left = cx - w / 2;
        double top = cy - h / 2;
        int cols = garments.cols();
        int rows = garments.rows();
        double sx = cols / w;
        double sy = rows / h;
        int x0 = Math.max(0, (int) Math.floor(left));
        int x1 = Math.min(side, (int) Math.ceil(left + w));
        int y0 = Math.max(0, (int) Math.floor(top));
        int y1 = Math.min(side, (int) Math.ceil(top + h));
        int[] rgb = new int[3];
        for (int y = y0; y < y1; y++) {
            double gy = (y + 0.5 - top) * sy - 0.5;
            for (int x = x0; x < x1; x++) {
                double gx = (x + 0.5 - left) * sx - 0.5;
                if (mirror) gx = cols - 1 - gx;
                double v = bilinear(g, gx, gy);
                if (v <= THRESHOLD) continue;
                paint.colour(x + 0.5 - left, y + 0.5 - top, w, h, v / 255.0, rgb);
                img.set(x, y, rgb[0], rgb[1], rgb[2]);
                map[y * side + x] = id;
            }
        }
    }

    /** Bilinear intensity of garment g at (gx, gy) in its pixel-centre coordinates; 0 outside. */
    private double bilinear(int g, double gx, double gy) {
        int ix = (int) Math.floor(gx);
        int iy = (int) Math.floor(gy);
        double fx = gx - ix;
        double fy = gy - iy;
        double top = garments.intensity(g, ix, iy) * (1 - fx) + garments.intensity(g, ix + 1, iy) * fx;
        double bottom = garments.intensity(g, ix, iy + 1) * (1 - fx) + garments.intensity(g, ix + 1, iy + 1) * fx;
        return top * (1 - fy) + bottom * fy;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "Fashion-MNIST scenes (%s split: garments from %s; %d scenes of %dx%d, seed %d, %d classes)",
                garments.split().name().toLowerCase(Locale.ROOT), garments.imageFile(), count, side, side, seed, CLASS_NAMES.size());
    }

    /** A garment's random paint: a colour or two-colour texture in the garment's own frame, shaded by its intensity. */
    private record Paint(int texture, int[] a, int[] b, double period, double ca, double sa) {
        static Paint random(Rng rng, int side) {
            int texture = rng.nextInt(5);
            int[] a = Backgrounds.colour(rng);
            int[] b = Backgrounds.colour(rng);
            double period = rng.uniform(2, Math.max(3, side * 0.06));
            double angle = rng.uniform(0, Math.PI);
            return new Paint(texture, a, b, period, StrictMath.cos(angle), StrictMath.sin(angle));
        }

        /** (u, v): position in the w x h garment frame; intensity 0..1. */
        void colour(double u, double v, double w, double h, double intensity, int[] out) {
            double t = switch (texture) {
                case 0 -> 0;
                case 1 -> ((int) Math.floor((u * ca + v * sa) / period) & 1);
                case 2 -> (((int) Math.floor(u / period) + (int) Math.floor(v / period)) & 1);
                case 3 -> {
                    double mu = u / period - Math.floor(u / period) - 0.5;
                    double mv = v / period - Math.floor(v / period) - 0.5;
                    yield mu * mu + mv * mv < 0.09 ? 1 : 0;
                }
                default -> Backgrounds.clamp01(v / h);
            };
            // Shading keeps 30% of the paint at the threshold, so even dark garments are not black.
            double shade = 0.3 + 0.7 * intensity;
            for (int c = 0; c < 3; c++) out[c] = Backgrounds.clamp((int) ((a[c] + t * (b[c] - a[c])) * shade));
        }
    }
}
