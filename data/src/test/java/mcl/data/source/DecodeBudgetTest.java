package mcl.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The decode budget keeps the pixels being decoded at once under its limit, and a huge image takes the whole budget alone. */
class DecodeBudgetTest {
    @Test
    void concurrentDecodesStayWithinTheBudget() throws Exception {
        int budget = DecodeBudget.MEGAPIXELS;
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger worst = new AtomicInteger();
        var pool = Executors.newFixedThreadPool(6);
        CountDownLatch done = new CountDownLatch(24);
        for (int i = 0; i < 24; i++) {
            long pixels = i % 3 == 0 ? 4096L * 4096 : 1_500_000; // a 4096x4096 WebP among smaller photos
            pool.submit(() -> {
                try {
                    DecodeBudget.decode(pixels, () -> {
                        int mp = (int) Math.min(budget, (pixels + 999_999) / 1_000_000);
                        worst.accumulateAndGet(inFlight.addAndGet(mp), Math::max);
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        inFlight.addAndGet(-mp);
                        return null;
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    done.countDown();
                }
            });
        }
        assertTrue(done.await(60, TimeUnit.SECONDS));
        pool.shutdown();
        assertTrue(worst.get() <= budget, "in flight at once: " + worst.get() + " MP, budget " + budget);
        assertTrue(worst.get() > 17, "decodes still overlap: " + worst.get());
        assertEquals(budget, DecodeBudget.available(), "every permit returned");
        long huge = 100_000L * 100_000;
        assertEquals("ok", DecodeBudget.decode(huge, () -> "ok"), "an image above the budget takes all of it instead of waiting forever");
    }
}
