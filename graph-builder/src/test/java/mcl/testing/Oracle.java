package mcl.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the independent PyTorch/ONNX oracle scripts in {@code oracle/} with Debian's
 * {@code /usr/bin/python3}. Where the oracle is missing, tests abort with a visible message
 * locally, and FAIL in CI (CI=true), so parity is never skipped silently there.
 */
public final class Oracle {
    public static final String PYTHON = System.getenv().getOrDefault("MCL_ORACLE_PYTHON", "/usr/bin/python3");
    private static Boolean available;
    private static String missingWhy;

    private Oracle() { }

    /** The repository root (set by surefire; falls back to walking up from the working dir). */
    public static Path repoRoot() {
        String prop = System.getProperty("mcl.repo.root");
        if (prop != null && Files.isDirectory(Path.of(prop, "oracle"))) return Path.of(prop);
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("oracle"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("cannot find the repository root (folder 'oracle/')");
        return p;
    }

    /** Aborts (locally) or fails (CI) unless python3 with torch, torchvision and onnx is there. */
    public static synchronized void require() {
        if (available == null) {
            try {
                Result r = exec(List.of(PYTHON, "-c", "import torch, torchvision, onnx, numpy"), 120);
                available = r.exitCode == 0;
                missingWhy = r.output.strip();
            } catch (IOException e) {
                available = false;
                missingWhy = e.getMessage();
            }
        }
        if (!available) {
            String msg = "PyTorch oracle unavailable (" + PYTHON + " with torch, torchvision, onnx; "
                    + "apt-get install python3-torch python3-torchvision python3-onnx): " + missingWhy;
            if ("true".equals(System.getenv("CI"))) fail("CI=true and " + msg);
            System.err.println("SKIPPED: " + msg);
            Assumptions.abort(msg);
        }
    }

    public record Result(int exitCode, String output) { }

    /** Runs {@code oracle/<script> args...}; fails the test with the script's output if it exits non-zero. */
    public static String run(String script, String... args) {
        require();
        List<String> cmd = new ArrayList<>(List.of(PYTHON, repoRoot().resolve("oracle").resolve(script).toString()));
        cmd.addAll(List.of(args));
        try {
            Result r = exec(cmd, 1800);
            System.out.println("[oracle " + script + "]\n" + r.output);
            if (r.exitCode != 0) fail("oracle " + script + " exited " + r.exitCode + ":\n" + r.output);
            return r.output;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Result exec(List<String> cmd, long timeoutSeconds) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        pb.environment().putIfAbsent("OMP_NUM_THREADS", "2");
        Process p = pb.start();
        byte[] out;
        try {
            out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(124, "timed out after " + timeoutSeconds + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
