package mcl.data.source;

import java.io.IOException;
import java.util.concurrent.Semaphore;

/**
 * Bounds the pixels being decoded at once across all loader threads, so memory stays bounded
 * whatever the image sizes: a 4096x4096 WebP costs the decoder about 1 GB of transient heap, and
 * several at once on several workers grew the process past 12 GB. Images up to the budget decode
 * in parallel as before; a larger one waits until it can take the whole budget.
 * {@code -Dmcl.decode.megapixels=N} changes the budget (default 24).
 */
public final class DecodeBudget {
    static final int MEGAPIXELS = Integer.getInteger("mcl.decode.megapixels", 24);
    private static final Semaphore PERMITS = new Semaphore(MEGAPIXELS, true);

    /** A decode that may throw the decoder's IOException. */
    @FunctionalInterface
    public interface Decode<T> {
        T run() throws IOException;
    }

    private DecodeBudget() { }

    /** Runs {@code decode} while holding ceil(pixels / 1M) permits (at most the whole budget). */
    public static <T> T decode(long pixels, Decode<T> decode) throws IOException {
        int need = (int) Math.max(1, Math.min(MEGAPIXELS, (pixels + 999_999) / 1_000_000));
        PERMITS.acquireUninterruptibly(need);
        try {
            return decode.run();
        } finally {
            PERMITS.release(need);
        }
    }

    /** Permits free right now (tests). */
    static int available() { return PERMITS.availablePermits(); }
}
