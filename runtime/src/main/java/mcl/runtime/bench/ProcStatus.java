package mcl.runtime.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory figures of this process from /proc/self/status (Linux); -1 where unavailable. */
public final class ProcStatus {
    private ProcStatus() { }

    /** A "kB" field such as VmRSS (resident now) or VmHWM (peak resident), in KiB. */
    public static long kib(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * CPU seconds that OTHER processes used since the machine booted: busy time of all CPUs from
     * /proc/stat minus this process's user+system time (both in clock ticks, assumed 100 Hz, the
     * Linux USER_HZ). The difference over a timed interval says how much the machine was shared.
     */
    /**
     * Other processes' CPU seconds since the reading {@code before}. The machine-wide counters and
     * our own are sampled separately at tick resolution, so a quiet interval can come out a few
     * ticks below zero; that is reported as 0, not as negative time.
     */
    public static double foreignSince(double before) {
        double d = foreignCpuSeconds() - before;
        return Double.isNaN(d) ? d : Math.max(0, d);
    }

    public static double foreignCpuSeconds() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < cpu.length && i <= 8; i++) {
                if (i != 4 && i != 5) busy += Long.parseLong(cpu[i]); // skip idle and iowait
            }
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long self = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            return (busy - self) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
