package mcl.runtime.transfer.det;

/**
 * A scored, labelled box in pixels of the input image: the continuous extent [x0, x1] x [y0, y1]
 * (a ground-truth box of pixels x0..x1-1, x1 exclusive, has exactly this extent).
 *
 * @param classId the scene class, 1..K
 * @param score   in [0, 1]
 */
public record ScoredBox(double x0, double y0, double x1, double y1, int classId, double score) {
    public double area() {
        return Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
    }

    /** Intersection over union; 0 where the union is empty. */
    public double iou(ScoredBox o) {
        double w = Math.min(x1, o.x1) - Math.max(x0, o.x0);
        double h = Math.min(y1, o.y1) - Math.max(y0, o.y0);
        if (w <= 0 || h <= 0) return 0;
        double inter = w * h;
        double union = area() + o.area() - inter;
        return union > 0 ? inter / union : 0;
    }
}
