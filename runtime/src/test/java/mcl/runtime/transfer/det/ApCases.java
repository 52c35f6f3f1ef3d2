package mcl.runtime.transfer.det;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Evaluation cases shared by the hand-computed tests and the oracle comparison: the hand cases carry
 * the six numbers worked out in their comments; the random ones are scored by the oracle only.
 */
final class ApCases {
    static final double NAN = Double.NaN;
    /** Scenes-sized images: small up to (128/20)^2 = 40.96 px^2, large from (128*0.15)^2 = 368.64 px^2. */
    static final AreaRanges SCENES = AreaRanges.forImageSide(128);

    record Case(String name, int classes, List<CocoJson.Image> images, List<GroundTruth> truths, List<Detection> detections,
                AreaRanges areas, BoxApScores expected) {
        BoxApScores evaluate() {
            return BoxAp.evaluate(classes, truths, detections, areas);
        }

        @Override
        public String toString() { return name; }
    }

    private ApCases() { }

    static PixelBox box(double x0, double y0, double w, double h) {
        return new PixelBox(x0, y0, x0 + w, y0 + h);
    }

    static GroundTruth gt(int image, int cls, PixelBox b) {
        return new GroundTruth(image, cls, b);
    }

    static Detection det(int image, int cls, PixelBox b, double score) {
        return new Detection(image, cls, b, score);
    }

    static List<CocoJson.Image> images(int side, int... ids) {
        List<CocoJson.Image> out = new ArrayList<>();
        for (int id : ids) out.add(new CocoJson.Image(id, side, side));
        return out;
    }

    static BoxApScores scores(double ap, double ap50, double ap75, double small, double medium, double large) {
        return new BoxApScores(ap, ap50, ap75, small, medium, large);
    }

    /** The same AP at every IoU threshold, all of it from medium objects. */
    static BoxApScores allMedium(double ap) {
        return scores(ap, ap, ap, NAN, ap, NAN);
    }

    static List<Case> hand() {
        List<Case> c = new ArrayList<>();
        PixelBox a = box(0, 0, 10, 10);
        PixelBox b = box(50, 50, 10, 10);

        // A 5x5 (small), a 10x10 (medium) and a 20x20 (large) object, each found exactly: every number 1
        // (class 1 has no small or large object and is left out of those two means).
        c.add(new Case("perfect detections", 2, images(128, 1, 2),
                List.of(gt(1, 0, box(0, 0, 5, 5)), gt(1, 1, box(20, 20, 10, 10)), gt(2, 0, box(40, 40, 20, 20))),
                List.of(det(1, 0, box(0, 0, 5, 5), 0.9), det(1, 1, box(20, 20, 10, 10), 0.8), det(2, 0, box(40, 40, 20, 20), 0.7)),
                SCENES, scores(1, 1, 1, 1, 1, 1)));

        // Two objects, one found: recall 0.5 at precision 1, so recall points 0, .01, ..., .50 (51 of 101)
        // read precision 1 and the rest read 0: AP = 51/101 at every threshold.
        c.add(new Case("one class half found", 1, images(128, 1), List.of(gt(1, 0, a), gt(1, 0, b)),
                List.of(det(1, 0, a, 0.9)), SCENES, allMedium(51 / 101.0)));

        // A found at .9, A again at .8 (a false positive: A is taken), B at .7: TP FP TP, recall .5 .5 1,
        // precision 1 .5 2/3, made monotone 1 2/3 2/3. Points 0...50 read 1, 51...100 read 2/3.
        c.add(new Case("duplicate detection is a false positive", 1, images(128, 1), List.of(gt(1, 0, a), gt(1, 0, b)),
                List.of(det(1, 0, a, 0.9), det(1, 0, a, 0.8), det(1, 0, b, 0.7)), SCENES, allMedium((51 + 50 * (2 / 3.0)) / 101)));

        // Class 2 has no ground truth: its confident detection counts nowhere and class 2 is left out
        // (as is class 1, with nothing at all); class 0 is found exactly: AP 1.
        c.add(new Case("detection on a class absent from the ground truth", 3, images(128, 1), List.of(gt(1, 0, a)),
                List.of(det(1, 2, a, 0.9), det(1, 0, a, 0.5)), SCENES, allMedium(1)));

        // Image 2 has no ground truth; its detection (.9) is a false positive ahead of the true one (.5):
        // recall 0 1, precision 0 .5, monotone .5 .5: every point reads .5.
        c.add(new Case("image without ground truth", 1, images(128, 1, 2), List.of(gt(1, 0, a)),
                List.of(det(2, 0, a, 0.9), det(1, 0, a, 0.5)), SCENES, allMedium(0.5)));

        // Equal scores across images: the lower image id goes first, whatever the input order.
        // TP (image 1) then FP (image 2): recall 1 at precision 1 -> AP 1.
        c.add(new Case("equal scores: true positive on the lower image id", 1, images(128, 1, 2), List.of(gt(1, 0, a)),
                List.of(det(2, 0, a, 0.5), det(1, 0, a, 0.5)), SCENES, allMedium(1)));
        // FP (image 1) then TP (image 2): as "image without ground truth", AP .5.
        c.add(new Case("equal scores: false positive on the lower image id", 1, images(128, 1, 2), List.of(gt(2, 0, a)),
                List.of(det(2, 0, a, 0.5), det(1, 0, a, 0.5)), SCENES, allMedium(0.5)));
        // Equal scores in one image keep the input order. The first (IoU .62) takes the object at
        // .50, .55, .60 and the exact box is a duplicate: AP 1 there. From .65 on the first misses:
        // FP then TP, AP .5. AP = (3 * 1 + 7 * .5) / 10 = .65, AP50 1, AP75 .5.
        PixelBox partial = box(0, 0, 10, 6.2);
        c.add(new Case("equal scores in one image: input order", 1, images(128, 1), List.of(gt(1, 0, a)),
                List.of(det(1, 0, partial, 0.5), det(1, 0, a, 0.5)), SCENES, scores(0.65, 1, 0.5, NAN, 0.65, NAN)));
        // The same two with the exact box first: it takes the object at every threshold: AP 1.
        c.add(new Case("equal scores in one image: exact box first", 1, images(128, 1), List.of(gt(1, 0, a)),
                List.of(det(1, 0, a, 0.5), det(1, 0, partial, 0.5)), SCENES, allMedium(1)));

        // A detection with the same IoU (.6: overlap 75, union 125) with two objects takes the later one
        // (COCOeval keeps the last best), B, so the exact box of A that follows is a TP too: AP 1 at
        // .50, .55, .60. From .65 on: FP then TP, recall .5 at precision .5: 51 points of .5 = 25.5/101.
        double late = 25.5 / 101;
        c.add(new Case("equal IoU with two objects: the later one is taken", 1, images(128, 1),
                List.of(gt(1, 0, a), gt(1, 0, box(5, 0, 10, 10))), List.of(det(1, 0, box(2.5, 0, 10, 10), 0.9), det(1, 0, a, 0.8)),
                SCENES, scores((3 + 7 * late) / 10, 1, late, NAN, (3 + 7 * late) / 10, NAN)));

        // A 7x7 detection on a 6x6 object (small, IoU 36/49 = .73) and a 7x7 one (medium, IoU 1).
        // All sizes: it takes the 7x7, the 6x6 is missed: 51/101. Medium: the same object, found: 1.
        // Small: the 6x6 counts and the 7x7 is ignored; an object inside the range is preferred to a
        // better but ignored one, so up to .70 the detection is a TP, from .75 it takes the ignored
        // 7x7 and is ignored: AP (5 * 1 + 5 * 0) / 10 = .5.
        c.add(new Case("an object inside the size range is preferred", 1, images(128, 1),
                List.of(gt(1, 0, box(0, 0, 6, 6)), gt(1, 0, box(0, 0, 7, 7))), List.of(det(1, 0, box(0, 0, 7, 7), 0.9)),
                SCENES, scores(51 / 101.0, 51 / 101.0, 51 / 101.0, 0.5, 1, NAN)));

        // IoU exactly .5 (half the box) matches at .50 only (">="): AP50 1, AP75 0, AP 1/10.
        c.add(new Case("IoU exactly at the threshold", 1, images(128, 1), List.of(gt(1, 0, a)),
                List.of(det(1, 0, box(0, 0, 10, 5), 0.9)), SCENES, scores(0.1, 1, 0, NAN, 0.1, NAN)));

        // 7 of 20 found: recall 7/20 = .35, but the 36th recall point is 35 * .01 = .35000000000000003
        // (numpy.linspace, as COCOeval), which .35 does not reach: 35 points read 1, AP = 35/101.
        List<GroundTruth> twenty = new ArrayList<>();
        List<Detection> seven = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            PixelBox g = box(12 * (i % 10), 12 * (i / 10), 10, 10);
            twenty.add(gt(1, 0, g));
            if (i < 7) seven.add(det(1, 0, g, 0.9));
        }
        c.add(new Case("recall exactly .35 falls short of the .35 point", 1, images(128, 1), twenty, seven, SCENES, allMedium(35 / 101.0)));

        // 100 misplaced detections at .9 fill the 100 kept for image 1 and class 0; the exact box at .1
        // is the 101st and dropped: AP 0. (A class-1 detection on the same image does not use the budget.)
        c.add(new Case("the 101st detection of an image and class is dropped", 2, images(128, 1), List.of(gt(1, 0, a)),
                withMisses(100, det(1, 0, a, 0.1)), SCENES, allMedium(0)));
        // With 99 misses the exact box is the 100th: recall 1 at precision 1/100 at every point: AP .01.
        c.add(new Case("the 100th detection of an image and class counts", 2, images(128, 1), List.of(gt(1, 0, a)),
                withMisses(99, det(1, 0, a, 0.1)), SCENES, allMedium(0.01)));

        // Sizes scaled to 128 px images: the 5x5 is small, the 10x10 medium, the 20x20 large. Small and
        // large found, medium missed. All sizes: recall 1/3, 2/3 at precision 1: points 0...66 -> 67/101.
        // Small: the large box's detection matches an ignored object and is ignored: 1. Medium: the
        // detections are outside the range or on ignored objects, the medium object is missed: 0. Large: 1.
        List<GroundTruth> sizes = List.of(gt(1, 0, box(0, 0, 5, 5)), gt(1, 0, box(20, 20, 10, 10)), gt(1, 0, box(40, 40, 20, 20)));
        List<Detection> smallAndLarge = List.of(det(1, 0, box(0, 0, 5, 5), 0.9), det(1, 0, box(40, 40, 20, 20), 0.8));
        c.add(new Case("size ranges scaled to 128 px", 1, images(128, 1), sizes, smallAndLarge, SCENES,
                scores(67 / 101.0, 67 / 101.0, 67 / 101.0, 1, 0, 1)));
        // The same with COCO's unscaled bounds (32^2, 96^2): all three are small; no medium or large objects.
        c.add(new Case("size ranges unscaled (COCO)", 1, images(128, 1), sizes, smallAndLarge, AreaRanges.COCO,
                scores(67 / 101.0, 67 / 101.0, 67 / 101.0, 67 / 101.0, NAN, NAN)));
        // An area exactly on a bound (5x5 = 25) is in both ranges it separates: small 1, medium 1.
        c.add(new Case("area on a bound is in both ranges", 1, images(128, 1), List.of(gt(1, 0, box(0, 0, 5, 5))),
                List.of(det(1, 0, box(0, 0, 5, 5), 0.9)), new AreaRanges(25, 100), scores(1, 1, 1, 1, 1, NAN)));

        // No ground truth at all: nothing to average, every number NaN.
        c.add(new Case("no ground truth", 2, images(128, 1), List.of(), List.of(det(1, 0, a, 0.9)), SCENES,
                scores(NAN, NAN, NAN, NAN, NAN, NAN)));
        return c;
    }

    /** n 8x8 class-0 detections at .9 on image 1 that overlap nothing at (0, 0), then a class-1 one, then last. */
    private static List<Detection> withMisses(int n, Detection last) {
        List<Detection> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(det(1, 0, box(20 + 10 * (i % 10), 20 + 10 * (i / 10), 8, 8), 0.9));
        out.add(det(1, 1, box(0, 0, 10, 10), 0.95));
        out.add(last);
        return out;
    }

    /**
     * A seeded random case: 1-6 images (some without objects; ids unsorted and gapped), 1-5 classes
     * (some absent from the ground truth or from the detections), objects of every size, jittered and
     * duplicate detections, false positives, ties in score (coarse scores), integer or float
     * coordinates, and in every third case a burst of over 100 detections on one image and class.
     */
    static Case random(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int side = new int[] {64, 128, 256, 640}[rng.nextInt(4)];
        int classes = 1 + rng.nextInt(5);
        int noTruthClass = classes > 1 && rng.nextBoolean() ? rng.nextInt(classes) : -1;
        int noDetectionClass = classes > 1 && rng.nextBoolean() ? rng.nextInt(classes) : -1;
        boolean integer = rng.nextBoolean();
        boolean coarseScores = rng.nextBoolean();
        List<Integer> ids = new ArrayList<>();
        int nImages = 1 + rng.nextInt(6);
        while (ids.size() < nImages) {
            int id = 1 + rng.nextInt(40);
            if (!ids.contains(id)) ids.add(id);
        }
        List<CocoJson.Image> images = new ArrayList<>();
        List<GroundTruth> truths = new ArrayList<>();
        List<Detection> dets = new ArrayList<>();
        for (int id : ids) {
            images.add(new CocoJson.Image(id, side, side));
            int objects = rng.nextInt(4) == 0 ? 0 : 1 + rng.nextInt(8);
            for (int o = 0; o < objects; o++) {
                int cls = rng.nextInt(classes);
                if (cls == noTruthClass) continue;
                PixelBox g = randomBox(rng, side, integer);
                truths.add(gt(id, cls, g));
                int copies = rng.nextInt(10) < 7 ? 1 + (rng.nextInt(5) == 0 ? 1 : 0) : 0;
                for (int k = 0; k < copies; k++) {
                    int dcls = rng.nextInt(8) == 0 ? rng.nextInt(classes) : cls;
                    if (dcls != noDetectionClass) dets.add(det(id, dcls, jitter(rng, g, integer), score(rng, coarseScores)));
                }
            }
            int misses = rng.nextInt(5);
            for (int k = 0; k < misses; k++) {
                int cls = rng.nextInt(classes);
                if (cls != noDetectionClass) dets.add(det(id, cls, randomBox(rng, side, integer), score(rng, coarseScores)));
            }
        }
        if (seed % 3 == 0) {
            int id = ids.get(0);
            int cls = noDetectionClass == 0 ? classes - 1 : 0;
            List<PixelBox> near = truths.stream().filter(t -> t.imageId() == id && t.classId() == cls).map(GroundTruth::box).toList();
            int burst = 101 + rng.nextInt(50);
            for (int k = 0; k < burst; k++) {
                PixelBox b = !near.isEmpty() && rng.nextBoolean() ? jitter(rng, near.get(rng.nextInt(near.size())), integer) : randomBox(rng, side, integer);
                dets.add(det(id, cls, b, score(rng, coarseScores)));
            }
        }
        // shuffle the detections' input order (Fisher-Yates), as a detector would interleave them
        for (int i = dets.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            Detection t = dets.get(i);
            dets.set(i, dets.get(j));
            dets.set(j, t);
        }
        return new Case("random seed " + seed + " (" + nImages + " images, " + classes + " classes, " + side + " px, "
                + truths.size() + " objects, " + dets.size() + " detections)", classes, images, truths, dets,
                AreaRanges.forImageSide(side), null);
    }

    /** Sides spread log-uniformly from 2% to 60% of the image, so every size range is populated. */
    private static PixelBox randomBox(SplittableRandom rng, int side, boolean integer) {
        double w = side * Math.exp(rng.nextDouble(Math.log(0.02), Math.log(0.6)));
        double h = Math.min(side * 0.9, w * rng.nextDouble(0.5, 2));
        double x = rng.nextDouble(0, side - w);
        double y = rng.nextDouble(0, side - h);
        return coords(x, y, x + w, y + h, integer);
    }

    /** A detection near an object: edges moved by up to 0-25% of its size, so IoU spans all thresholds. */
    private static PixelBox jitter(SplittableRandom rng, PixelBox g, boolean integer) {
        double spread = rng.nextDouble(0, 0.25);
        double dx = g.width() * spread + 1e-9;
        double dy = g.height() * spread + 1e-9;
        double x0 = g.x0() + rng.nextDouble(-dx, dx);
        double y0 = g.y0() + rng.nextDouble(-dy, dy);
        double x1 = Math.max(x0 + 1, g.x1() + rng.nextDouble(-dx, dx));
        double y1 = Math.max(y0 + 1, g.y1() + rng.nextDouble(-dy, dy));
        return coords(x0, y0, x1, y1, integer);
    }

    /** Whole pixels (exact IoU ties happen) or float32 values as a detector outputs them. */
    private static PixelBox coords(double x0, double y0, double x1, double y1, boolean integer) {
        if (integer) {
            long a = Math.round(x0);
            long b = Math.round(y0);
            return new PixelBox(a, b, Math.max(a + 1, Math.round(x1)), Math.max(b + 1, Math.round(y1)));
        }
        return new PixelBox((float) x0, (float) y0, (float) x1, (float) y1);
    }

    private static double score(SplittableRandom rng, boolean coarse) {
        return coarse ? rng.nextInt(1, 6) / 5.0 : (float) rng.nextDouble();
    }
}
