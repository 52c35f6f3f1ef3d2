package mcl.runtime.transfer.det;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import mcl.data.scenes.LabelledScenes;
import mcl.data.scenes.Scene;
import mcl.data.scenes.SegBatch;
import mcl.data.scenes.SegBatches;
import mcl.graph.OnnxExport;
import mcl.graphs.Preset;
import mcl.graphs.det.DetConfig;
import mcl.graphs.det.DetGraphs;
import mcl.runtime.progress.Progress;
import mcl.runtime.transfer.FineTune;
import mcl.runtime.transfer.FineTuneGraphs;
import mcl.runtime.transfer.FineTuneTrainer;
import mcl.runtime.transfer.TransferConfig;

/**
 * One detection fine-tune: the FCOS graphs ({@link DetGraphs}) from random weights or a
 * pre-trained backbone + FPN (loaded as the segmentation fine-tune loads them), SGD on the labelled
 * fraction of the training scenes (horizontal flips, boxes flipped with the pixels), targets
 * assigned in Java ({@link FcosTargets}), then the held-out scenes decoded ({@link FcosDecoder}:
 * score threshold, top-k per level, class-wise NMS, 100 per image) and scored with COCO box AP
 * ({@link BoxAp}, size ranges scaled to the scene side). Classes are the scene classes without
 * background: class c (1..K) of a scene is COCO category c-1.
 */
public final class DetFineTune {
    private DetFineTune() { }

    /**
     * @param evalAtStart also score the network before the first step
     * @param out         folder for detections.json, ground_truth.json and scores.json, or null
     */
    public static DetResult run(TransferConfig c, Progress progress, boolean evalAtStart, BooleanSupplier stop, Path out) throws IOException {
        long t0 = System.nanoTime();
        Preset preset = Preset.named(c.preset());
        LabelledScenes train = FineTune.trainScenes(c);
        LabelledScenes test = FineTune.heldOutScenes(c);
        int k = train.numClasses() - 1; // no background class in detection
        DetConfig dc = c.headChannels() > 0 ? new DetConfig(preset, k, c.batch(), c.size(), c.headChannels()) : DetConfig.of(preset, k, c.batch(), c.size());
        DetGraphs.Built built = DetGraphs.build(dc);
        FineTuneGraphs graphs = FineTuneGraphs.of(OnnxExport.toModel(built.train()).toByteArray(),
                OnnxExport.toModel(built.eval()).toByteArray(), built.manifest());
        FcosTargets targets = FcosTargets.standard(c.size(), k);
        FcosDecoder decoder = FcosDecoder.standard(c.size(), k);
        int[] subset = SegBatches.labelledSubset(c.pool(), c.labels(), c.sceneSeed());
        try (FineTuneTrainer trainer = FineTune.start(c, graphs, Set.of(), progress)) {
            SegBatch batch = new SegBatch(c.batch(), c.size());
            BoxApScores start = evalAtStart ? evaluate(trainer, decoder, test, batch, null).scores() : nanScores();
            double[] losses = FineTune.train(c, trainer, train, subset, batch, progress, stop,
                    b -> fill(trainer, b, targets.batch(assign(train, targets, b))));
            Evaluation e = evaluate(trainer, decoder, test, batch, out);
            int tenth = Math.max(1, losses.length / 10);
            DetResult r = new DetResult(c.init(), c.labels(), subset.length, c.seed(), c.steps(), e.scores(), start,
                    FineTune.mean(losses, 0, tenth), FineTune.mean(losses, losses.length - tenth, losses.length), e.detections(), (System.nanoTime() - t0) / 1e9,
                    (c.validation() ? "validation: " : "test: ") + test.describe());
            if (out != null) CocoJson.writeScores(out.resolve(CocoJson.SCORES), e.scores(), AreaRanges.forImageSide(c.size()));
            return r;
        }
    }

    /** Per image of the filled batch its FCOS targets, the boxes mirrored where the image was. */
    static List<FcosTargets.Image> assign(LabelledScenes scenes, FcosTargets targets, SegBatch batch) {
        List<FcosTargets.Image> out = new ArrayList<>();
        int s = batch.side();
        for (int b = 0; b < batch.count(); b++) {
            Scene scene = scenes.scene(batch.index(b));
            int[][] boxes = scene.boxes();
            if (batch.flipped(b)) {
                int[][] m = new int[boxes.length][];
                for (int i = 0; i < boxes.length; i++) m[i] = new int[] {s - boxes[i][2], boxes[i][1], s - boxes[i][0], boxes[i][3]};
                boxes = m;
            }
            out.add(targets.assign(boxes, scene.classes()));
        }
        return out;
    }

    private static void fill(FineTuneTrainer trainer, SegBatch batch, FcosTargets.Batch t) {
        ((FloatBuffer) trainer.input(DetGraphs.IMAGES)).put(0, batch.images());
        ((FloatBuffer) trainer.input(DetGraphs.CLS_TARGETS)).put(0, t.cls());
        ((FloatBuffer) trainer.input(DetGraphs.BOX_TARGETS)).put(0, t.box());
        ((FloatBuffer) trainer.input(DetGraphs.CTR_TARGETS)).put(0, t.ctr());
        ((FloatBuffer) trainer.input(DetGraphs.POS_MASK)).put(0, t.pos());
        ((FloatBuffer) trainer.input(DetGraphs.NUM_POS)).put(0, t.numPos());
        ((FloatBuffer) trainer.input(DetGraphs.CTR_SUM)).put(0, t.ctrSum());
    }

    record Evaluation(BoxApScores scores, int detections) { }

    /** Decodes every held-out scene once and scores the detections; with {@code out}, writes the COCO files. */
    static Evaluation evaluate(FineTuneTrainer trainer, FcosDecoder decoder, LabelledScenes scenes, SegBatch batch, Path out) throws IOException {
        List<GroundTruth> truths = new ArrayList<>();
        List<Detection> detections = new ArrayList<>();
        List<CocoJson.Image> images = new ArrayList<>();
        int cap = batch.capacity();
        for (int first = 0; first < scenes.size(); first += cap) {
            int[] idx = new int[Math.min(cap, scenes.size() - first)];
            for (int i = 0; i < idx.length; i++) idx[i] = first + i;
            SegBatches.fillEval(scenes, idx, batch);
            trainer.predict(batch.images());
            float[] cls = array(trainer.evalOutput(DetGraphs.CLS_LOGITS));
            float[] box = array(trainer.evalOutput(DetGraphs.BOX_PRED));
            float[] ctr = array(trainer.evalOutput(DetGraphs.CTR_LOGITS));
            for (int b = 0; b < idx.length; b++) {
                int id = idx[b];
                Scene scene = scenes.scene(id);
                images.add(new CocoJson.Image(id, scene.side(), scene.side()));
                for (int i = 0; i < scene.instances(); i++) {
                    int[] g = scene.boxes()[i];
                    truths.add(new GroundTruth(id, scene.classes()[i] - 1, new PixelBox(g[0], g[1], g[2], g[3])));
                }
                for (ScoredBox d : decoder.decode(cls, box, ctr, b)) {
                    detections.add(new Detection(id, d.classId() - 1, new PixelBox(d.x0(), d.y0(), d.x1(), d.y1()), d.score()));
                }
            }
        }
        int k = scenes.numClasses() - 1;
        BoxApScores scores = BoxAp.evaluate(k, truths, detections, AreaRanges.forImageSide(scenes.side()));
        if (out != null) {
            java.nio.file.Files.createDirectories(out);
            CocoJson.writeGroundTruth(out.resolve(CocoJson.GROUND_TRUTH), images, scenes.classNames().subList(1, k + 1), truths);
            CocoJson.writeDetections(out.resolve(CocoJson.DETECTIONS), detections);
        }
        return new Evaluation(scores, detections.size());
    }

    private static float[] array(FloatBuffer b) {
        float[] a = new float[b.capacity()];
        b.get(0, a);
        return a;
    }

    private static BoxApScores nanScores() {
        return new BoxApScores(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
}
