package mcl.runtime.transfer.det;

/**
 * An axis-aligned box in pixels with x1 and y1 exclusive, as the scenes' boxes are: width = x1 - x0.
 * Evaluation sees it the way COCO does, as (x0, y0, width, height), so IoU and area here are
 * computed from those four numbers, bit for bit as pycocotools computes them from a COCO file.
 */
public record PixelBox(double x0, double y0, double x1, double y1) {
    public PixelBox {
        if (!(Double.isFinite(x0) && Double.isFinite(y0) && Double.isFinite(x1) && Double.isFinite(y1)) || x1 < x0 || y1 < y0) {
            throw new IllegalArgumentException("a box needs finite x0 <= x1 and y0 <= y1, got [" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + ")");
        }
    }

    public double width() { return x1 - x0; }

    public double height() { return y1 - y0; }

    public double area() { return width() * height(); }

    /** Intersection over union, pycocotools' bbIou: the right edge is x0 + width (not x1, which can differ by an ulp). */
    public double iou(PixelBox other) {
        double w = Math.min(x0 + width(), other.x0 + other.width()) - Math.max(x0, other.x0);
        if (w <= 0) return 0;
        double h = Math.min(y0 + height(), other.y0 + other.height()) - Math.max(y0, other.y0);
        if (h <= 0) return 0;
        double inter = w * h;
        return inter / (area() + other.area() - inter);
    }
}
