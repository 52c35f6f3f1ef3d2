package mcl.data.source;

import java.util.ArrayList;
import java.util.List;
import mcl.data.RgbImage;
import mcl.data.augment.Rng;

/**
 * Procedural scenes that need no files: 3 to 8 textured objects (rectangles, ellipses,
 * triangles, rings, crosses; solid, striped, checked or dotted; 10-50% of the side, rotated)
 * on a gradient, striped, checked or wavy background. Each scene is a pure function of
 * (seed, index), and comes with what a detector fine-tunes on: per-instance boxes, classes
 * and a per-pixel instance map (later objects occlude earlier ones; boxes are of the
 * visible pixels).
 */
public final class SyntheticSource implements ImageSource {
    public static final int DEFAULT_COUNT = 10_000;
    public static final int DEFAULT_SIZE = 256;
    public static final List<String> CLASSES = List.of("rectangle", "ellipse", "triangle", "ring", "cross");
    /** Instances with fewer visible pixels than this are dropped (hidden behind others). */
    static final int MIN_VISIBLE_PIXELS = 16;

    private final int count;
    private final long seed;
    private final int side;
    private final ThreadLocal<int[]> maps;

    public SyntheticSource(int count, long seed, int side) {
        if (count < 1) throw new IllegalArgumentException("synthetic source needs at least 1 image, got " + count);
        if (side < 16) throw new IllegalArgumentException("synthetic image side must be >= 16, got " + side);
        this.count = count;
        this.seed = seed;
        this.side = side;
        this.maps = ThreadLocal.withInitial(() -> new int[side * side]);
    }

    /**
     * One scene with its annotations.
     *
     * @param boxes       per instance {x0, y0, x1, y1} in pixels, x1/y1 exclusive
     * @param classes     per instance an index into {@link #CLASSES}
     * @param instanceMap per pixel (row-major) the instance index, or -1 for background
     */
    public record Scene(RgbImage image, int[][] boxes, int[] classes, int[] instanceMap) {
        public int instances() { return classes.length; }

        /** The per-pixel mask of instance i. */
        public boolean[] mask(int i) {
            boolean[] m = new boolean[instanceMap.length];
            for (int p = 0; p < m.length; p++) m[p] = instanceMap[p] == i;
            return m;
        }
    }

    public Scene scene(long index) {
        RgbImage img = new RgbImage(side, side);
        int[] map = new int[side * side];
        List<Integer> classes = render(index, img, map);
        // Visible boxes; drop instances that ended up (almost) hidden and renumber the rest.
        int n = classes.size();
        int[] area = new int[n];
        int[][] box = new int[n][] ;
        for (int i = 0; i < n; i++) box[i] = new int[] {side, side, -1, -1};
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int id = map[y * side + x];
                if (id < 0) continue;
                area[id]++;
                int[] b = box[id];
                b[0] = Math.min(b[0], x);
                b[1] = Math.min(b[1], y);
                b[2] = Math.max(b[2], x + 1);
                b[3] = Math.max(b[3], y + 1);
            }
        }
        int[] remap = new int[n];
        List<int[]> keptBoxes = new ArrayList<>();
        List<Integer> keptClasses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (area[i] >= MIN_VISIBLE_PIXELS) {
                remap[i] = keptBoxes.size();
                keptBoxes.add(box[i]);
                keptClasses.add(classes.get(i));
            } else {
                remap[i] = -1;
            }
        }
        for (int p = 0; p < map.length; p++) if (map[p] >= 0) map[p] = remap[map[p]];
        return new Scene(img, keptBoxes.toArray(new int[0][]), keptClasses.stream().mapToInt(Integer::intValue).toArray(), map);
    }

    /** Paints scene {@code index} into img and map; returns the class of each painted instance. */
    private List<Integer> render(long index, RgbImage img, int[] map) {
        Rng rng = Rng.of(seed, Rng.SCENE, index);
        img.resize(side, side);
        java.util.Arrays.fill(map, 0, side * side, -1);
        background(rng, img);
        int objects = 3 + rng.nextInt(6);
        List<Integer> classes = new ArrayList<>();
        for (int i = 0; i < objects; i++) {
            int cls = rng.nextInt(CLASSES.size());
            paintObject(rng, cls, i, img, map);
            classes.add(cls);
        }
        return classes;
    }

    private static int[] colour(Rng rng) { return new int[] {rng.nextInt(256), rng.nextInt(256), rng.nextInt(256)}; }

    private void background(Rng rng, RgbImage img) {
        int kind = rng.nextInt(4);
        int[] a = colour(rng);
        int[] b = colour(rng);
        double angle = rng.uniform(0, Math.PI);
        double ca = Math.cos(angle);
        double sa = Math.sin(angle);
        double period = rng.uniform(8, 48);
        double[] fx = {rng.uniform(0.01, 0.08), rng.uniform(0.01, 0.08), rng.uniform(0.01, 0.08)};
        double[] fy = {rng.uniform(0.01, 0.08), rng.uniform(0.01, 0.08), rng.uniform(0.01, 0.08)};
        long noiseKey = rng.nextLong();
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double u = x * ca + y * sa;
                double t = switch (kind) {
                    case 0 -> Math.min(1, Math.max(0, u / (side * 1.42)));
                    case 1 -> ((int) Math.floor(u / period) & 1);
                    case 2 -> (((int) Math.floor(x / period) + (int) Math.floor(y / period)) & 1);
                    default -> 0.5 + 0.5 * Math.sin(fx[0] * x * 6.28 + fy[0] * y * 3.1) * Math.cos(fx[1] * x + fy[1] * y * 5.0);
                };
                // A little per-pixel grain so no region is perfectly flat.
                int grain = (int) ((hash(noiseKey, x, y) & 15) - 8);
                img.set(x, y, clamp((int) (a[0] + t * (b[0] - a[0])) + grain), clamp((int) (a[1] + t * (b[1] - a[1])) + grain),
                        clamp((int) (a[2] + t * (b[2] - a[2])) + grain));
            }
        }
    }

    private void paintObject(Rng rng, int cls, int id, RgbImage img, int[] map) {
        double s = side * rng.uniform(0.1, 0.5);
        double aspect = rng.uniform(0.6, 1.6);
        double hw = Math.min(side / 2.0, s * Math.sqrt(aspect) / 2);
        double hh = Math.min(side / 2.0, s / Math.sqrt(aspect) / 2);
        double cx = rng.uniform(0, side);
        double cy = rng.uniform(0, side);
        double angle = cls == 1 || cls == 3 ? 0 : rng.uniform(0, Math.PI);
        double ca = Math.cos(angle);
        double sa = Math.sin(angle);
        int texture = rng.nextInt(4);
        int[] c1 = colour(rng);
        int[] c2 = colour(rng);
        double period = rng.uniform(3, 12);
        double reach = Math.hypot(hw, hh);
        int x0 = Math.max(0, (int) Math.floor(cx - reach));
        int x1 = Math.min(side - 1, (int) Math.ceil(cx + reach));
        int y0 = Math.max(0, (int) Math.floor(cy - reach));
        int y1 = Math.min(side - 1, (int) Math.ceil(cy + reach));
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double dx = x + 0.5 - cx;
                double dy = y + 0.5 - cy;
                double lu = dx * ca + dy * sa; // object frame, pixels
                double lv = -dx * sa + dy * ca;
                double u = lu / hw;
                double v = lv / hh;
                if (!inside(cls, u, v)) continue;
                boolean second = switch (texture) {
                    case 0 -> false;
                    case 1 -> ((int) Math.floor(lu / period) & 1) == 1;
                    case 2 -> (((int) Math.floor(lu / period) + (int) Math.floor(lv / period)) & 1) == 1;
                    default -> {
                        double mu = lu / period - Math.floor(lu / period) - 0.5;
                        double mv = lv / period - Math.floor(lv / period) - 0.5;
                        yield mu * mu + mv * mv < 0.09;
                    }
                };
                int[] c = second ? c2 : c1;
                img.set(x, y, c[0], c[1], c[2]);
                map[y * side + x] = id;
            }
        }
    }

    /** Shape membership in the object's unit frame (u, v in [-1, 1]). */
    static boolean inside(int cls, double u, double v) {
        double r2 = u * u + v * v;
        return switch (cls) {
            case 0 -> Math.abs(u) <= 1 && Math.abs(v) <= 1;
            case 1 -> r2 <= 1;
            case 2 -> v >= -1 && v <= 1 && Math.abs(u) <= (v + 1) / 2;
            case 3 -> r2 <= 1 && r2 >= 0.3;
            default -> (Math.abs(u) <= 0.33 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.33 && Math.abs(u) <= 1);
        };
    }

    private static long hash(long key, int x, int y) {
        long z = key ^ (x * 0x9E3779B97F4A7C15L) ^ (y * 0xC2B2AE3D27D4EB4FL);
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 29);
    }

    private static int clamp(int v) { return v < 0 ? 0 : (v > 255 ? 255 : v); }

    public long seed() { return seed; }

    public int side() { return side; }

    @Override
    public int size() { return count; }

    @Override
    public String name(int index) { return "synthetic:" + seed + "#" + index; }

    @Override
    public void read(int index, int cropSize, RgbImage out) {
        if (index < 0 || index >= count) throw new IndexOutOfBoundsException("synthetic image " + index + " of " + count);
        render(index, out, maps.get());
    }

    @Override
    public String describe() { return "synthetic scenes (" + count + " of " + side + "x" + side + ", seed " + seed + ")"; }
}
