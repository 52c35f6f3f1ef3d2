package mcl.data.scenes;

import mcl.data.RgbImage;
import mcl.data.augment.Rng;

/**
 * Cluttered, unlabelled backgrounds: a base pattern (linear or radial gradient, stripes,
 * checks, smooth value noise, or coarse blocky noise) with per-pixel grain, then 2-7 pieces of
 * clutter (wobbly blobs, thick lines, rectangles) that stay class 0. Clutter matters: without it
 * "anything textured is a garment" would already score well, and the benchmark should reward
 * shape understanding. All maths that decides pixels is StrictMath or integer so a scene is the
 * same bytes on every JVM.
 */
final class Backgrounds {
    static final int KINDS = 6;

    private Backgrounds() { }

    static int[] colour(Rng rng) { return new int[] {rng.nextInt(256), rng.nextInt(256), rng.nextInt(256)}; }

    /** Paints the base pattern over the whole canvas. */
    static void paint(Rng rng, RgbImage img) {
        int side = img.width();
        int kind = rng.nextInt(KINDS);
        int[] a = colour(rng);
        int[] b = colour(rng);
        double angle = rng.uniform(0, Math.PI);
        double ca = StrictMath.cos(angle);
        double sa = StrictMath.sin(angle);
        double period = side * rng.uniform(0.04, 0.25);
        double rcx = rng.uniform(0, side);
        double rcy = rng.uniform(0, side);
        // Value noise: a random lattice, bilinearly interpolated (smooth) or held (blocky, kind 5).
        int cells = 2 + rng.nextInt(kind == 5 ? 14 : 6);
        double[] lattice = new double[(cells + 1) * (cells + 1)];
        for (int i = 0; i < lattice.length; i++) lattice[i] = rng.nextDouble();
        int grainAmp = 4 + rng.nextInt(28);
        long grainKey = rng.nextLong();
        double cell = (double) side / cells;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double u = x * ca + y * sa;
                double t = switch (kind) {
                    case 0 -> clamp01(u / (side * 1.42));
                    case 1 -> ((int) Math.floor(u / period) & 1);
                    case 2 -> (((int) Math.floor(x / period) + (int) Math.floor(y / period)) & 1);
                    case 3 -> smoothNoise(lattice, cells, x / cell, y / cell);
                    case 4 -> clamp01(Math.sqrt((x - rcx) * (x - rcx) + (y - rcy) * (y - rcy)) / (side * 0.8));
                    default -> lattice[(int) (y / cell) * (cells + 1) + (int) (x / cell)];
                };
                int grain = (int) (Long.remainderUnsigned(hash(grainKey, x, y), 2 * grainAmp + 1)) - grainAmp;
                img.set(x, y, clamp(lerp(a[0], b[0], t) + grain), clamp(lerp(a[1], b[1], t) + grain), clamp(lerp(a[2], b[2], t) + grain));
            }
        }
    }

    /** Paints 2-7 unlabelled distractors: wobbly blobs, thick lines and rectangles. */
    static void clutter(Rng rng, RgbImage img) {
        int side = img.width();
        int n = 2 + rng.nextInt(6);
        for (int k = 0; k < n; k++) {
            int[] c = colour(rng);
            switch (rng.nextInt(3)) {
                case 0 -> blob(rng, img, c, side);
                case 1 -> line(rng, img, c, side);
                default -> rectangle(rng, img, c, side);
            }
        }
    }

    private static void blob(Rng rng, RgbImage img, int[] c, int side) {
        double r0 = side * rng.uniform(0.03, 0.2);
        double cx = rng.uniform(0, side);
        double cy = rng.uniform(0, side);
        int lobes = 2 + rng.nextInt(5);
        double wobble = rng.uniform(0, 0.35);
        double phase = rng.uniform(0, 2 * Math.PI);
        double reach = r0 * (1 + wobble);
        for (int y = Math.max(0, (int) (cy - reach)); y < Math.min(side, (int) (cy + reach) + 1); y++) {
            for (int x = Math.max(0, (int) (cx - reach)); x < Math.min(side, (int) (cx + reach) + 1); x++) {
                double dx = x + 0.5 - cx;
                double dy = y + 0.5 - cy;
                double r = r0 * (1 + wobble * StrictMath.sin(lobes * StrictMath.atan2(dy, dx) + phase));
                if (dx * dx + dy * dy <= r * r) img.set(x, y, c[0], c[1], c[2]);
            }
        }
    }

    private static void line(Rng rng, RgbImage img, int[] c, int side) {
        double x0 = rng.uniform(-0.2, 1.2) * side;
        double y0 = rng.uniform(-0.2, 1.2) * side;
        double x1 = rng.uniform(-0.2, 1.2) * side;
        double y1 = rng.uniform(-0.2, 1.2) * side;
        double half = rng.uniform(0.5, Math.max(1.0, side * 0.025));
        double lx = x1 - x0;
        double ly = y1 - y0;
        double len2 = Math.max(1e-9, lx * lx + ly * ly);
        int bx0 = Math.max(0, (int) (Math.min(x0, x1) - half));
        int bx1 = Math.min(side, (int) (Math.max(x0, x1) + half) + 1);
        int by0 = Math.max(0, (int) (Math.min(y0, y1) - half));
        int by1 = Math.min(side, (int) (Math.max(y0, y1) + half) + 1);
        for (int y = by0; y < by1; y++) {
            for (int x = bx0; x < bx1; x++) {
                double px = x + 0.5 - x0;
                double py = y + 0.5 - y0;
                double t = clamp01((px * lx + py * ly) / len2);
                double dx = px - t * lx;
                double dy = py - t * ly;
                if (dx * dx + dy * dy <= half * half) img.set(x, y, c[0], c[1], c[2]);
            }
        }
    }

    private static void rectangle(Rng rng, RgbImage img, int[] c, int side) {
        int w = 2 + rng.nextInt(Math.max(1, side / 4));
        int h = 2 + rng.nextInt(Math.max(1, side / 4));
        int x0 = rng.nextInt(side) - w / 2;
        int y0 = rng.nextInt(side) - h / 2;
        boolean outline = rng.bernoulli(0.4);
        for (int y = Math.max(0, y0); y < Math.min(side, y0 + h); y++) {
            for (int x = Math.max(0, x0); x < Math.min(side, x0 + w); x++) {
                boolean edge = x < x0 + 2 || y < y0 + 2 || x >= x0 + w - 2 || y >= y0 + h - 2;
                if (!outline || edge) img.set(x, y, c[0], c[1], c[2]);
            }
        }
    }

    private static double smoothNoise(double[] lattice, int cells, double gx, double gy) {
        int ix = Math.min(cells - 1, (int) gx);
        int iy = Math.min(cells - 1, (int) gy);
        double fx = gx - ix;
        double fy = gy - iy;
        // Smoothstep weights hide the lattice's grid lines.
        fx = fx * fx * (3 - 2 * fx);
        fy = fy * fy * (3 - 2 * fy);
        int w = cells + 1;
        double top = lattice[iy * w + ix] * (1 - fx) + lattice[iy * w + ix + 1] * fx;
        double bottom = lattice[(iy + 1) * w + ix] * (1 - fx) + lattice[(iy + 1) * w + ix + 1] * fx;
        return top * (1 - fy) + bottom * fy;
    }

    static long hash(long key, int x, int y) {
        long z = key ^ (x * 0x9E3779B97F4A7C15L) ^ (y * 0xC2B2AE3D27D4EB4FL);
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 29);
    }

    private static int lerp(int a, int b, double t) { return (int) (a + t * (b - a)); }

    static double clamp01(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }

    static int clamp(int v) { return v < 0 ? 0 : (v > 255 ? 255 : v); }
}
