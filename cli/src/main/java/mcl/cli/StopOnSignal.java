package mcl.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGINT/SIGTERM ask long work to stop after its current step, and the JVM waits (up to two
 * minutes) while it saves what it has. SIGUSR1 asks the same without shutting down: mpirun
 * forwards it to every rank at once (`kill -USR1 <mpirun pid>`), where it delivers SIGTERM only
 * after its kill timeout and SIGKILL one timeout later. Use in try-with-resources around the work;
 * {@link #stopped} is the flag the work polls.
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
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("USR1"), sig -> stop.set(true));
        } catch (IllegalArgumentException e) {
            // no SIGUSR1 on this platform: Ctrl-C and SIGTERM still stop
        }
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
