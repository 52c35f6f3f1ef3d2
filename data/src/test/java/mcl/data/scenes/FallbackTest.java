package mcl.data.scenes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import mcl.data.source.SyntheticSource;
import mcl.data.source.Warnings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FallbackTest {
    @Test
    void missingFashionMnistFallsBackToLabelledSyntheticScenesAndSaysSo(@TempDir Path dir) {
        List<String> warnings = new ArrayList<>();
        var old = Warnings.setSink(warnings::add);
        LabelledScenes scenes;
        try {
            scenes = LabelledScenes.open("fashion-scenes:" + dir.resolve("does-not-exist"), Split.TRAIN, 40, 64, 1);
        } finally {
            Warnings.setSink(old);
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("falling back to synthetic scenes") && warnings.get(0).contains("apt-get install dataset-fashion-mnist"),
                warnings.get(0));
        assertTrue(scenes.fellBack());
        assertTrue(scenes.describe().contains("FALLBACK"), scenes.describe());
        assertEquals(6, scenes.numClasses());
        assertEquals("background", scenes.classNames().get(0));
        assertEquals(SyntheticSource.CLASSES, scenes.classNames().subList(1, 6));
        assertEquals(40, scenes.size());
        assertEquals(64, scenes.side());
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            Scene s = scenes.scene(i);
            FashionScenesTest.assertConsistent(s, 6, 16);
            for (int c : s.classes()) seen.add(c);
            for (int g : s.sources()) assertEquals(-1, g, "synthetic instances have no source garment");
        }
        assertEquals(Set.of(1, 2, 3, 4, 5), seen, "shape classes 1..5");
        Scene again = LabelledScenes.open("synthetic", Split.TRAIN, 40, 64, 1).scene(7);
        assertArrayEquals(scenes.scene(7).classMap(), again.classMap(), "deterministic");
        assertFalse(Arrays.equals(again.classMap(), LabelledScenes.open("synthetic", Split.TEST, 40, 64, 1).scene(7).classMap()),
                "the test split is not the train split");
    }

    @Test
    void explicitSyntheticDoesNotWarnAndBadSpecsAreExplained() {
        List<String> warnings = new ArrayList<>();
        var old = Warnings.setSink(warnings::add);
        try {
            LabelledScenes s = LabelledScenes.open("synthetic", Split.TEST, 5, 32, 0);
            assertFalse(s.fellBack());
            assertEquals(Split.TEST, s.split());
        } finally {
            Warnings.setSink(old);
        }
        assertTrue(warnings.isEmpty(), warnings.toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LabelledScenes.open("coco", Split.TRAIN, 5, 64, 0))
                .getMessage().contains("fashion-scenes[:DIR]"));
        assertThrows(IllegalArgumentException.class, () -> LabelledScenes.open("synthetic", Split.TRAIN, 5, 16, 0));
    }
}
