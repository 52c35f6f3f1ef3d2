package mcl.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs one long task and says, every few seconds, that it is still running (a folder of large photos can take a minute). */
final class Waiting {
    private Waiting() { }

    static <T> T run(PrintStream out, String what, long everyMillis, Callable<T> task) throws Exception {
        var pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mcl-waiting");
            t.setDaemon(true);
            return t;
        });
        long t0 = System.nanoTime();
        try {
            Future<T> f = pool.submit(task);
            while (true) {
                try {
                    return f.get(everyMillis, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    out.printf("%s ... %.0f s%n", what, (System.nanoTime() - t0) / 1e9);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Exception x) throw x;
                    throw e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
