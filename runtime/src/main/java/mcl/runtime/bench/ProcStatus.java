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
}
