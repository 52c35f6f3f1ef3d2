package mcl.runtime.progress;

import java.io.PrintStream;

/** A plain line every N steps (and for the last step): what a log file or CI wants. */
public final class PlainLines implements Progress {
    private final PrintStream out;
    private final int every;
    private long total;

    public PlainLines(PrintStream out, int every) {
        this.out = out;
        this.every = Math.max(1, every);
    }

    public void start(long firstStep, long totalSteps) {
        total = totalSteps;
        out.printf("training steps %d..%d%n", firstStep + 1, totalSteps);
    }

    public void update(long step, long epoch, double loss, double imagesPerSec, double etaSeconds) {
        if ((step + 1) % every != 0 && step + 1 != total) return;
        out.printf("step %d/%d  epoch %d  loss %.4f  %.1f img/s  ETA %s%n", step + 1, total, epoch, loss, imagesPerSec, Progress.duration(etaSeconds));
    }

    public void message(String line) { out.println(line); }

    public void finish() { out.flush(); }
}
