package mcl.runtime.transfer.det;

/**
 * The object-size ranges of COCO's AP_small / AP_medium / AP_large, in square pixels: small is
 * area <= smallMax, medium smallMax..largeMin, large >= largeMin (both ends inclusive, so an
 * area exactly on a bound is in both neighbouring ranges, as in COCOeval). "All" is 0..1e10.
 *
 * <p>COCO's bounds, 32^2 and 96^2, are for its images of about 640 px a side. Our scenes are
 * much smaller, so {@link #forImageSide} scales the bounds' sides by side / 640: an object is
 * small or large relative to its image as it would be on COCO. For a square image this is the
 * same as a fixed fraction of the image area: small up to 1/400 of it, large from 9/400.
 */
public record AreaRanges(double smallMax, double largeMin) {
    /** COCO's reference image side, px. */
    public static final int COCO_SIDE = 640;
    /** COCOeval's bounds unchanged, for images of COCO's size. */
    public static final AreaRanges COCO = new AreaRanges(32 * 32, 96 * 96);
    /** COCOeval's upper bound of every range (1e5^2). */
    static final double MAX_AREA = 1e10;

    public AreaRanges {
        if (!(smallMax > 0 && largeMin >= smallMax && largeMin < MAX_AREA)) {
            throw new IllegalArgumentException("area bounds need 0 < smallMax <= largeMin < 1e10, got " + smallMax + " and " + largeMin);
        }
    }

    /** COCO's 32^2 and 96^2 with their sides scaled by side / 640, for square images of that side. */
    public static AreaRanges forImageSide(int side) {
        if (side <= 0) throw new IllegalArgumentException("image side must be positive, got " + side);
        double small = 32.0 * side / COCO_SIDE;
        double large = 96.0 * side / COCO_SIDE;
        return new AreaRanges(small * small, large * large);
    }

    /** The [lo, hi] bounds of all, small, medium and large, in that order (COCOeval's areaRng). */
    double[][] bounds() {
        return new double[][] {{0, MAX_AREA}, {0, smallMax}, {smallMax, largeMin}, {largeMin, MAX_AREA}};
    }
}
