package mcl.cli;

import java.io.PrintStream;
import mcl.runtime.progress.Progress;

/** Progress over a count of items with rate and ETA: a redrawn bar on a terminal, a line every 10% otherwise. */
final class CountBar {
    private static final int WIDTH = 24;
    private final PrintStream out;
    private final boolean terminal;
    private final String unit;
    private final long t0 = System.nanoTime();
    private int lastTenth = -1;

    CountBar(PrintStream out, boolean terminal, String unit) {
        this.out = out;
        this.terminal = terminal;
        this.unit = unit;
    }

    synchronized void update(int done, int total, int skipped) {
        double secs = (System.nanoTime() - t0) / 1e9;
        double rate = done / Math.max(1e-9, secs);
        String line = String.format("%d/%d %s  %.1f %s/s  ETA %s%s", done, total, unit, rate, unit, Progress.duration((total - done) / Math.max(1e-9, rate)),
                skipped > 0 ? "  skipped " + skipped : "");
        if (terminal) {
            int filled = (int) ((long) WIDTH * done / Math.max(1, total));
            out.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + line + " ");
            out.flush();
        } else {
            int tenth = (int) (10L * done / Math.max(1, total));
            if (tenth != lastTenth) {
                lastTenth = tenth;
                out.println(line);
            }
        }
    }

    void finish() {
        if (terminal) out.println();
    }
}
