package mcl.runtime.transfer.det;

/**
 * COCO's six box-AP numbers, each in 0..1: AP averaged over IoU .50:.05:.95, AP at IoU .50 and
 * .75, and AP over .50:.95 for small, medium and large objects (see {@link AreaRanges}). A number
 * is NaN where no class has a ground-truth box in its size range (COCO prints -1 there; NaN cannot
 * be mistaken for a score and {@link CocoJson} writes it as null).
 */
public record BoxApScores(double ap, double ap50, double ap75, double apSmall, double apMedium, double apLarge) {
    /** The names used in scores.json and by oracle/coco_eval.py, in the record's order. */
    public static final String[] NAMES = {"ap", "ap50", "ap75", "ap_small", "ap_medium", "ap_large"};

    public double[] values() {
        return new double[] {ap, ap50, ap75, apSmall, apMedium, apLarge};
    }

    /** One line for the terminal, in percent as detection papers print them. */
    public String summary() {
        double[] v = values();
        StringBuilder s = new StringBuilder("box");
        String[] label = {"AP", "AP50", "AP75", "APs", "APm", "APl"};
        for (int i = 0; i < v.length; i++) {
            s.append(i == 0 ? " " : "  ").append(label[i]).append(' ')
                    .append(Double.isNaN(v[i]) ? "-" : String.format(java.util.Locale.ROOT, "%.1f", 100 * v[i]));
        }
        return s.toString();
    }
}
