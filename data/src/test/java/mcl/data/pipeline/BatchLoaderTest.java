package mcl.data.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import mcl.data.RgbImage;
import mcl.data.montage.MontageBatch;
import mcl.data.source.BadImageException;
import mcl.data.source.ImageSource;
import mcl.data.source.SyntheticSource;
import mcl.data.source.Warnings;
import org.junit.jupiter.api.Test;

class BatchLoaderTest {
    private static final DataConfig SMALL = DataConfig.of(32, 4, 3).withSeed(11);

    private static List<MontageBatch> take(ImageSource src, DataConfig cfg, long from, int n) {
        List<MontageBatch> out = new ArrayList<>();
        try (BatchLoader loader = new BatchLoader(src, cfg)) {
            if (from > 0) loader.seek(from);
            for (int i = 0; i < n; i++) out.add(loader.next().copy());
        }
        return out;
    }

    @Test
    void sameSeedGivesIdenticalBatchesWhateverTheWorkerCount() {
        SyntheticSource src = new SyntheticSource(12, 3, 48);
        List<MontageBatch> a = take(src, SMALL.withWorkers(1).withPrefetch(1), 0, 4);
        List<MontageBatch> b = take(src, SMALL.withWorkers(3).withPrefetch(3), 0, 4);
        for (int i = 0; i < 4; i++) {
            assertTrue(a.get(i).sameContent(b.get(i)), "batch " + i + " differs between 1 and 3 workers");
            assertEquals(i, a.get(i).globalStep());
        }
        assertFalse(a.get(0).sameContent(a.get(1)));
        List<MontageBatch> otherSeed = take(src, SMALL.withSeed(12), 0, 1);
        assertFalse(a.get(0).sameContent(otherSeed.get(0)), "a different seed must give a different batch");
    }

    @Test
    void epochsVisitEveryImageOnceInADifferentOrderAndDropTheTail() {
        SyntheticSource src = new SyntheticSource(10, 3, 48);
        List<MontageBatch> batches = take(src, SMALL, 0, 4); // 10 / 4 -> 2 steps per epoch
        assertEquals(0, batches.get(1).epoch());
        assertEquals(1, batches.get(1).step());
        assertEquals(1, batches.get(2).epoch());
        assertEquals(0, batches.get(2).step());
        for (int e = 0; e < 2; e++) {
            Set<Integer> seen = new HashSet<>();
            for (int s = 0; s < 2; s++) for (int i : batches.get(2 * e + s).samples()) assertTrue(seen.add(i), "image " + i + " twice in epoch " + e);
            assertEquals(8, seen.size());
        }
        assertFalse(java.util.Arrays.equals(batches.get(0).samples(), batches.get(2).samples()), "epoch 1 must reshuffle");
        assertFalse(batches.get(0).sameContent(batches.get(2)), "a different epoch must give a different batch");
    }

    @Test
    void seekReproducesAResumedRun() {
        SyntheticSource src = new SyntheticSource(16, 3, 48);
        List<MontageBatch> straight = take(src, SMALL, 0, 7);
        List<MontageBatch> resumed = take(src, SMALL, 5, 2);
        assertTrue(straight.get(5).sameContent(resumed.get(0)));
        assertTrue(straight.get(6).sameContent(resumed.get(1)));
        try (BatchLoader loader = new BatchLoader(src, SMALL)) {
            loader.next();
            loader.next();
            loader.seek(1); // backwards, with batches in flight
            assertEquals(1, loader.position());
            assertTrue(straight.get(1).sameContent(loader.next()));
            assertTrue(loader.dataWaitNanos() > 0);
        }
    }

    /** A source whose indices 2 and 5 are unreadable, as a corrupt file would be. */
    private static final class FlakySource implements ImageSource {
        final SyntheticSource inner = new SyntheticSource(9, 1, 40);

        @Override public int size() { return inner.size(); }
        @Override public String name(int i) { return "img" + i; }
        @Override public void read(int i, int crop, RgbImage out) throws BadImageException {
            if (i == 2 || i == 5) throw new BadImageException("img" + i + ": corrupt");
            inner.read(i, crop, out);
        }
        @Override public String describe() { return "flaky"; }
    }

    @Test
    void unreadableImagesAreWarnedOnceCountedAndReplaced() {
        List<String> warnings = new ArrayList<>();
        Consumer<String> old = Warnings.setSink(warnings::add);
        try (BatchLoader loader = new BatchLoader(new FlakySource(), SMALL.withWorkers(2))) {
            for (int i = 0; i < 8; i++) {
                MontageBatch b = loader.next();
                for (int s : b.samples()) assertTrue(s != 2 && s != 5, "an unreadable image was used");
            }
            assertEquals(2, loader.skippedFiles());
        } finally {
            Warnings.setSink(old);
        }
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("corrupt"));
    }

    @Test
    void tooFewOrNoReadableImagesStopWithAClearMessage() {
        var e = assertThrows(IllegalArgumentException.class, () -> new BatchLoader(new SyntheticSource(3, 0, 32), SMALL));
        assertTrue(e.getMessage().contains("fewer than one batch of 4"), e.getMessage());
        ImageSource allBad = new ImageSource() {
            @Override public int size() { return 4; }
            @Override public String name(int i) { return "x" + i; }
            @Override public void read(int i, int crop, RgbImage out) throws BadImageException { throw new BadImageException("x" + i + ": bad"); }
            @Override public String describe() { return "all-bad"; }
        };
        Consumer<String> old = Warnings.setSink(s -> { });
        try (BatchLoader loader = new BatchLoader(allBad, SMALL)) {
            var ex = assertThrows(IllegalStateException.class, loader::next);
            assertTrue(ex.getMessage().contains("could be read"), ex.getMessage());
        } finally {
            Warnings.setSink(old);
        }
    }
}
