package mcl.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGINT/SIGTERM ask long work to stop after its current step, and the JVM waits (up to two
 * minutes) while it saves what it has. Use in try-with-resources around the work; {@link #stopped}
 * is the flag the work polls.
 */
final class StopOnSignal implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook = new Thread(() -> {
        stop.set(true);
        try {
            done.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }, "mcl-stop");

    StopOnSignal() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    boolean stopped() { return stop.get(); }

    @Override
    public void close() {
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // shutting down already
        }
    }
}
