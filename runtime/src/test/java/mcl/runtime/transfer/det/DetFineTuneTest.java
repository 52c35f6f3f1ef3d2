package mcl.runtime.transfer.det;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import mcl.data.scenes.LabelledScenes;
import mcl.data.scenes.Scene;
import mcl.data.scenes.SegBatch;
import mcl.data.scenes.SegBatches;
import mcl.data.scenes.Split;
import org.junit.jupiter.api.Test;

/** The boxes a training batch is assigned follow its flips: each box's edge columns hold its class in the (flipped) labels. */
class DetFineTuneTest {
    @Test
    void boxesAreMirroredWithTheirImages() {
        LabelledScenes scenes = LabelledScenes.open("synthetic", Split.TRAIN, 16, 64, 3);
        SegBatch batch = new SegBatch(16, 64);
        int[] all = new int[16];
        for (int i = 0; i < 16; i++) all[i] = i;
        FcosTargets targets = FcosTargets.standard(64, scenes.numClasses() - 1);
        int flipped = 0;
        for (long step = 0; step < 2; step++) {
            SegBatches.fillTrain(scenes, all, 7, step, batch);
            List<FcosTargets.Image> assigned = DetFineTune.assign(scenes, targets, batch);
            for (int b = 0; b < 16; b++) {
                if (batch.flipped(b)) flipped++;
                Scene s = scenes.scene(batch.index(b));
                int[][] boxes = s.boxes();
                int[][] seen = new int[boxes.length][];
                for (int i = 0; i < boxes.length; i++) {
                    int x0 = batch.flipped(b) ? 64 - boxes[i][2] : boxes[i][0];
                    int x1 = batch.flipped(b) ? 64 - boxes[i][0] : boxes[i][2];
                    // A visible-pixel box: its first and last columns hold a pixel of its class.
                    assertTrue(columnHas(batch, b, x0, boxes[i][1], boxes[i][3], s.classes()[i]), "image " + b + " box " + i + " left edge");
                    assertTrue(columnHas(batch, b, x1 - 1, boxes[i][1], boxes[i][3], s.classes()[i]), "image " + b + " box " + i + " right edge");
                    seen[i] = new int[] {x0, boxes[i][1], x1, boxes[i][3]};
                }
                // What the fine-tune assigned is the assignment of the boxes as the image shows them.
                FcosTargets.Image expected = targets.assign(seen, s.classes());
                assertArrayEquals(expected.box(), assigned.get(b).box());
                assertArrayEquals(expected.cls(), assigned.get(b).cls());
                assertTrue(assigned.get(b).positives() > 0, "every scene has objects, so positive locations");
            }
        }
        assertTrue(flipped > 4 && flipped < 28, "about half the images are mirrored: " + flipped);
    }

    private static boolean columnHas(SegBatch batch, int b, int x, int y0, int y1, int cls) {
        long[] labels = batch.labels();
        for (int y = y0; y < y1; y++) if (labels[b * 64 * 64 + y * 64 + x] == cls) return true;
        return false;
    }
}
