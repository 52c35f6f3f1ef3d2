package mcl.runtime.progress;

import java.io.PrintStream;

/**
 * Tells the user how a run is going. Lifecycle: {@link #start}, {@link #update} after every step,
 * {@link #message} for events (checkpoints, skipped steps), {@link #finish}.
 */
public interface Progress {
    void start(long firstStep, long totalSteps);

    /**
     * @param imagesPerSec throughput averaged since the start (or resume)
     * @param etaSeconds   estimated time to the last step
     */
    void update(long step, long epoch, double loss, double imagesPerSec, double etaSeconds);

    void message(String line);

    void finish();

    /** Says nothing (the ranks of a data-parallel job other than rank 0). */
    Progress SILENT = new Progress() {
        public void start(long firstStep, long totalSteps) { }

        public void update(long step, long epoch, double loss, double imagesPerSec, double etaSeconds) { }

        public void message(String line) { }

        public void finish() { }
    };

    /** A redrawn bar on a terminal, plain periodic lines otherwise (logs, pipes, CI). */
    static Progress forStream(PrintStream out, boolean terminal, int everySteps) {
        return terminal ? new ProgressBar(out) : new PlainLines(out, everySteps);
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) return "--:--";
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%02d:%02d", s / 60, s % 60);
    }
}
