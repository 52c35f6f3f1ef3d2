package mcl.runtime.progress;

import java.io.PrintStream;

/** One line redrawn in place with a carriage return: bar, step, epoch, loss, img/s, ETA. */
public final class ProgressBar implements Progress {
    private static final int WIDTH = 24;
    private final PrintStream out;
    private long total;
    private String last = "";

    public ProgressBar(PrintStream out) { this.out = out; }

    public void start(long firstStep, long totalSteps) { total = totalSteps; }

    public void update(long step, long epoch, double loss, double imagesPerSec, double etaSeconds) {
        int filled = (int) (WIDTH * (step + 1) / Math.max(1, total));
        last = String.format("\r[%s%s] step %d/%d  epoch %d  loss %.4f  %.1f img/s  ETA %s ",
                "#".repeat(filled), ".".repeat(WIDTH - filled), step + 1, total, epoch, loss, imagesPerSec, Progress.duration(etaSeconds));
        out.print(last);
        out.flush();
    }

    public void message(String line) {
        // clear the bar, print the message on its own line, redraw the bar below it
        out.print("\r" + " ".repeat(Math.max(0, last.length() - 1)) + "\r" + line + "\n" + last);
        out.flush();
    }

    public void finish() {
        out.println();
        out.flush();
    }
}
