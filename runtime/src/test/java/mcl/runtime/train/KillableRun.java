package mcl.runtime.train;

import java.nio.file.Path;

/**
 * A child process for {@link KillTest}: a fixture run that checkpoints every step and, from step
 * 3 on, announces each save half-way through (after online.safetensors) and lingers there, so the
 * parent can SIGKILL it in the middle of writing a checkpoint.
 */
public final class KillableRun {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        var run = FixtureRun.run(dir, (file, step) -> {
            if (step >= 3 && file.getFileName().toString().equals("online.safetensors")) {
                System.out.println("SAVING " + step);
                System.out.flush();
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        run.start(FixtureRun.config(8, 1), FixtureRun.never());
    }
}
