package mcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mcl.runtime.dist.Communicator;
import mcl.runtime.train.MetricsLog;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data parallelism on Open MPI, end to end: two ranks started by mpirun compute what one process
 * with two shards computes, a killed or failing rank ends the job, and rank 0's checkpoint resumes.
 * Needs Open MPI's mpirun (Debian openmpi-bin): in CI (CI=true) its absence fails the tests.
 */
class DataParallelTest {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path tmp;

    @BeforeAll
    static void needMpirun() throws Exception {
        boolean found;
        try {
            found = new ProcessBuilder("mpirun", "--version").redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            found = false;
        }
        if (!found) {
            String why = "mpirun not found: install Open MPI (apt-get install openmpi-bin)";
            if ("true".equals(System.getenv("CI"))) fail(why);
            Assumptions.abort(why);
        }
    }

    /** mpirun with what every launch here needs: no core binding (ORT's threads), root allowed in containers. */
    private static ProcessBuilder mpirun(List<String> appContexts) {
        List<String> cmd = new ArrayList<>(List.of("mpirun", "--bind-to", "none", "--oversubscribe"));
        cmd.addAll(appContexts);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        return pb;
    }

    private static List<String> np(int n, List<String> command) {
        List<String> c = new ArrayList<>(List.of("-np", Integer.toString(n)));
        c.addAll(command);
        return c;
    }

    private static List<String> mcl(String... args) {
        List<String> c = new ArrayList<>(List.of(JAVA, "-Xmx1g", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        c.addAll(List.of(args));
        return c;
    }

    /** Runs to the end (at most {@code seconds}); returns the exit code and the output. */
    private static Finished run(ProcessBuilder pb, int seconds) throws Exception {
        Path log = Files.createTempFile("mpirun", ".log");
        Process p = pb.redirectOutput(log.toFile()).start();
        long t0 = System.nanoTime();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail("mpirun did not finish within " + seconds + " s:\n" + Files.readString(log));
        }
        return new Finished(p.exitValue(), Files.readString(log), (System.nanoTime() - t0) / 1e9);
    }

    private record Finished(int code, String output, double seconds) { }

    @Test
    void twoRanksComputeWhatOneProcessWithTwoShardsComputesWithPerShardBn() throws Exception {
        twoRanksMatchTwoShards(false);
    }

    /** Synchronized BN: two ranks through collective points vs one graph holding both shards. */
    @Test
    void twoRanksComputeWhatOneProcessWithTwoShardsComputesWithSyncBn() throws Exception {
        twoRanksMatchTwoShards(true);
    }

    private void twoRanksMatchTwoShards(boolean sync) throws Exception {
        Path ranks = Files.createDirectories(tmp.resolve("ranks"));
        Path shards = Files.createDirectories(tmp.resolve("shards"));
        Path other = Files.createDirectories(tmp.resolve("other"));
        Finished f = run(mpirun(np(2, ShardedSteps.command(ranks, 10, 1, sync))), 300);
        assertEquals(0, f.code(), f.output());
        ShardedSteps.run(Communicator.SINGLE, shards, 10, 2, sync);
        ShardedSteps.run(Communicator.SINGLE, other, 1, 2, !sync);

        double lossRanks = firstLoss(ranks);
        double lossShards = firstLoss(shards);
        assertEquals(lossShards, lossRanks, 1e-5 * Math.abs(lossShards), "step-1 loss");
        // the comparison can fail: the other BN choice computes something else
        assertTrue(Math.abs(firstLoss(other) - lossShards) > 1e-3, "sync_bn " + !sync + ": " + firstLoss(other) + " vs " + lossShards);

        Map<String, HostTensor> gr = SafeTensors.read(ranks.resolve("grads-step1.safetensors"));
        Map<String, HostTensor> gs = SafeTensors.read(shards.resolve("grads-step1.safetensors"));
        assertEquals(gs.keySet(), gr.keySet());
        for (String k : gs.keySet()) assertClose(gs.get(k).floats(), gr.get(k).floats(), 1e-5, "step-1 gradient " + k);

        Map<String, HostTensor> wr = SafeTensors.read(ranks.resolve("online.safetensors"));
        Map<String, HostTensor> ws = SafeTensors.read(shards.resolve("online.safetensors"));
        assertEquals(ws.keySet(), wr.keySet());
        for (String k : ws.keySet()) assertClose(ws.get(k).floats(), wr.get(k).floats(), 1e-4, "weights after 10 steps " + k);
    }

    /** max |a - b| <= tol x max |b| (relative to the tensor's scale: elementwise ratios of near-zero values mean nothing). */
    private static void assertClose(float[] want, float[] got, double tol, String what) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            diff = Math.max(diff, Math.abs(want[i] - got[i]));
        }
        assertTrue(diff <= tol * Math.max(scale, 1e-12), what + ": max difference " + diff + " vs scale " + scale);
    }

    private static double firstLoss(Path dir) throws IOException {
        return Double.parseDouble(Files.readAllLines(dir.resolve("losses.txt")).get(0));
    }

    @Test
    void aKilledRankEndsTheJobAndRankZerosCheckpointResumesExactly() throws Exception {
        String[] common = {"--steps", "40", "--batch", "8", "--checkpoint-every", "4", "--eval-every", "0", "--threads", "1", "--workers", "1"};
        Path straight = tmp.resolve("straight");
        Finished s = run(mpirun(np(2, mcl(concat(new String[] {"pretrain", "--out", straight.toString()}, common)))), 300);
        assertEquals(0, s.code(), s.output());

        Path killed = tmp.resolve("killed");
        Path log = tmp.resolve("killed.log");
        Process p = mpirun(np(2, mcl(concat(new String[] {"pretrain", "--out", killed.toString()}, common)))).redirectOutput(log.toFile()).start();
        Path ck = killed.resolve("checkpoints").resolve("step-00000004");
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!Files.isDirectory(ck) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(Files.isDirectory(ck), "no checkpoint of step 4 appeared:\n" + Files.readString(log));
        ProcessHandle rank1 = p.descendants().filter(h -> rankOf(h) == 1).findFirst().orElseThrow(() -> new AssertionError("rank 1 not found"));
        long t0 = System.nanoTime();
        rank1.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the job did not end after rank 1 was killed:\n" + Files.readString(log));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertNotEquals(0, p.exitValue(), Files.readString(log));
        assertTrue(seconds < 15, "the job took " + seconds + " s to end");

        Finished r = run(mpirun(np(2, mcl("pretrain", "--resume", killed.toString()))), 300);
        assertEquals(0, r.code(), r.output());
        List<JsonNode> a = MetricsLog.read(straight.resolve(MetricsLog.FILE));
        List<JsonNode> b = MetricsLog.read(killed.resolve(MetricsLog.FILE));
        assertEquals(40, a.size());
        assertEquals(40, b.size(), "the resumed run's metrics hold every step once");
        for (int i = 0; i < 40; i++) {
            assertEquals(a.get(i).get("loss").asDouble(), b.get(i).get("loss").asDouble(), 1e-6 * Math.abs(a.get(i).get("loss").asDouble()),
                    "loss of step " + (i + 1));
        }
    }

    /** SIGUSR1 to mpirun reaches every rank at once: they agree on a step, rank 0 saves it, all exit 0; the run resumes. */
    @Test
    void sigusr1ToMpirunStopsWithACheckpointThatResumes() throws Exception {
        Path run = tmp.resolve("usr1");
        Process p = startLong(run, List.of());
        new ProcessBuilder("kill", "-USR1", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "mpirun did not end after SIGUSR1");
        String log = Files.readString(tmp.resolve("usr1.log"));
        assertEquals(0, p.exitValue(), log);
        long step = mcl.checkpoints.TrainingCheckpoints.loadNewestGood(run).state().step();
        assertTrue(step >= 3 && step < 400 && log.contains("stopped at step " + step), "saved step " + step + ":\n" + log);
        Finished r = run(mpirun(np(2, mcl("pretrain", "--resume", run.toString(), "--steps", Long.toString(step + 2)))), 300);
        assertEquals(0, r.code(), r.output());
        assertEquals(step + 2, mcl.checkpoints.TrainingCheckpoints.loadNewestGood(run).state().step());
    }

    /**
     * SIGTERM (and Ctrl-C) to mpirun: Open MPI passes SIGTERM on to the ranks after its kill timeout
     * and SIGKILLs them one timeout later; within that time the ranks agree on a step and rank 0 saves.
     */
    @Test
    void sigtermToMpirunSavesACheckpoint() throws Exception {
        Path run = tmp.resolve("term");
        Process p = startLong(run, List.of("--mca", "odls_base_sigkill_timeout", "3"));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "mpirun did not end after SIGTERM");
        String log = Files.readString(tmp.resolve("term.log"));
        // rank 0's last lines may be lost when mpirun's SIGKILL follows; the checkpoint is complete
        var saved = mcl.checkpoints.TrainingCheckpoints.loadNewestGood(run);
        assertTrue(saved.rejected().isEmpty(), saved.rejected() + "\n" + log);
        long step = saved.state().step();
        assertTrue(step >= 3 && step < 400, "saved step " + step + ":\n" + log);
    }

    /** A 400-step tiny run under mpirun that has finished 3 steps (its log: RUN.log beside RUN). */
    private Process startLong(Path run, List<String> mpirunOptions) throws Exception {
        List<String> ctx = new ArrayList<>(mpirunOptions);
        ctx.addAll(np(2, mcl("pretrain", "--out", run.toString(), "--steps", "400", "--warmup-steps", "0", "--batch", "8", "--eval-every", "0",
                "--threads", "1", "--workers", "1", "--checkpoint-every", "1000")));
        Path log = tmp.resolve(run.getFileName() + ".log");
        Process p = mpirun(ctx).redirectOutput(log.toFile()).start();
        Path metrics = run.resolve(MetricsLog.FILE);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (p.isAlive() && System.nanoTime() < deadline && (!Files.exists(metrics) || MetricsLog.read(metrics).size() < 3)) Thread.sleep(20);
        assertTrue(p.isAlive(), "the run ended before it could be stopped:\n" + Files.readString(log));
        return p;
    }

    @Test
    void aRankThatFailsEndsTheJobNamingItself() throws Exception {
        Path out = tmp.resolve("run");
        List<String> ctx = new ArrayList<>(np(1, mcl("pretrain", "--out", out.toString(), "--steps", "20", "--batch", "8", "--eval-every", "0")));
        ctx.add(":");
        // rank 1 alone is given a data folder it cannot read (a machine without the dataset)
        ctx.addAll(np(1, mcl("pretrain", "--out", out.toString(), "--steps", "20", "--batch", "8", "--eval-every", "0",
                "--data", tmp.resolve("missing").toString())));
        Finished f = run(mpirun(ctx), 120);
        assertNotEquals(0, f.code(), f.output());
        assertTrue(f.output().contains("rank 1 of 2 failed"), f.output());
        assertTrue(f.seconds() < 60, "took " + f.seconds() + " s");
    }

    @Test
    void aRankOutOfMemoryEndsTheJobNamingItselfAndTheCause() throws Exception {
        Path out = tmp.resolve("oom");
        String[] args = {"pretrain", "--out", out.toString(), "--steps", "20", "--batch", "8", "--eval-every", "0"};
        List<String> ctx = new ArrayList<>(np(1, mcl(args)));
        ctx.add(":");
        List<String> small = new ArrayList<>(mcl(args));
        small.add(1, "-XX:MaxDirectMemorySize=4m"); // rank 1 cannot hold the trainer's buffers
        ctx.addAll(np(1, small));
        Finished f = run(mpirun(ctx), 120);
        assertNotEquals(0, f.code(), f.output());
        assertTrue(f.output().contains("rank 1 of 2 failed") && f.output().contains("direct buffer memory"), f.output());
        assertTrue(f.seconds() < 60, "took " + f.seconds() + " s");
    }

    private static int rankOf(ProcessHandle h) {
        try {
            String env = Files.readString(Path.of("/proc", Long.toString(h.pid()), "environ"), StandardCharsets.ISO_8859_1);
            for (String kv : env.split("\0")) {
                if (kv.startsWith("OMPI_COMM_WORLD_RANK=")) return Integer.parseInt(kv.substring(21));
            }
        } catch (IOException | NumberFormatException e) {
            // not a rank (or gone)
        }
        return -1;
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
