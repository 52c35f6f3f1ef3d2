package mcl.cli;

import java.io.PrintStream;
import java.util.List;
import mcl.graph.FlopCount;
import mcl.graph.OnnxExport;
import mcl.graph.Stages;
import mcl.graphs.Preset;
import mcl.graphs.mcl.MatchMode;
import mcl.graphs.mcl.MclConfig;
import mcl.graphs.mcl.MclGraphs;
import mcl.runtime.bench.CollectiveBenchmark;
import mcl.runtime.dist.Communicator;
import mcl.runtime.dist.Mpi;
import org.apache.commons.cli.CommandLine;

/**
 * `mpirun -np 2 mcl bench mpi`: measures the collectives of a data-parallel step between the
 * job's ranks, then models the communication of an r50 step at scale from the measured latency
 * and nominal link bandwidths: the gradient all-reduce (ring), synchronized BN's chain of small
 * all-reduces (counted from the r50 graphs' collective points), with and without overlap.
 */
final class BenchMpi {
    private BenchMpi() { }

    static int run(CommandLine cl, PrintStream out) {
        if (!Mpi.launchedByMpirun()) {
            throw new UsageException("bench mpi measures between the ranks of a job: run it as `mpirun -np 2 --bind-to none ./mcl bench mpi`");
        }
        Mpi comm = Mpi.init();
        try {
            int reps = BenchCommand.positive(cl, "reps", 200);
            List<CollectiveBenchmark.Timing> t = CollectiveBenchmark.run(comm, reps);
            if (comm.rank() == 0) report(out, comm, t);
            comm.close();
            return 0;
        } catch (RuntimeException e) {
            System.err.println("mcl bench mpi: rank " + comm.rank() + " failed: " + e.getMessage());
            comm.abort(1);
            throw e;
        }
    }

    private static void report(PrintStream out, Communicator comm, List<CollectiveBenchmark.Timing> t) {
        out.println("collectives between " + comm.size() + " ranks (" + System.getenv().getOrDefault("OMPI_MCA_btl", "default transport") + "), per call, rank 0:");
        out.printf("%-11s %10s %10s %10s %9s%n", "collective", "bytes", "best us", "median us", "GB/s");
        for (CollectiveBenchmark.Timing x : t) out.printf("%-11s %10d %10.1f %10.1f %9.2f%n", x.what(), x.bytes(), x.bestUs(), x.medianUs(), x.gbPerS());
        double alphaUs = t.get(0).medianUs();

        // r50, the paper's per-GPU batch of 128: gradient bytes, SyncBN all-reduce chain, matrix FLOPs.
        out.println();
        out.println("model of an r50 step (batch 128 per rank, 4 levels, 224 px) from these figures:");
        MclConfig one = MclConfig.of(Preset.named("r50"), 4, MatchMode.A, 128, 224, new int[] {128, 32, 8, 4});
        MclGraphs.Built built = MclGraphs.build(one);
        MclGraphs.Built synced = MclGraphs.build(new MclConfig(one.preset(), 4, MatchMode.A, 128, 224, one.montages(), 1.0, one.levelWeights(), 2, 2));
        long params = built.online().params().stream().filter(p -> p.trainable()).mapToLong(p -> p.numel()).sum();
        int onlineAr = Stages.split(OnnxExport.toModel(synced.online())).points().stream().mapToInt(Stages.Point::after).distinct().toArray().length;
        int targetAr = Stages.split(OnnxExport.toModel(synced.target())).points().stream().mapToInt(Stages.Point::after).distinct().toArray().length;
        int syncCalls = onlineAr + 2 * targetAr;
        double gflopPerImage = (FlopCount.matrixFlops(built.online()) + 2 * FlopCount.matrixFlops(built.target())) / 128 / 1e9;
        double gradBytes = 4.0 * params;
        out.printf("  %d trainable parameters (%.0f MB of fp32 gradients); SyncBN: %d sequential all-reduces per step (online %d, target %d x 2 views);"
                + " %.1f GFLOP of matrix work per image%n", params, gradBytes / 1e6, syncCalls, onlineAr, targetAr, gflopPerImage);
        out.printf("  latency per small all-reduce: alpha = %.1f us here (median, 4 KiB); a network hop is assumed 25 us (TCP) or 5 us (RDMA)%n", alphaUs);
        out.printf("%-6s %-8s %10s %10s %12s %12s %14s %14s%n", "ranks", "link", "grad ms", "syncBN ms", "compute ms", "share serial", "share overlap", "");
        double computeMs = 128 * gflopPerImage / 30e3 * 1e3; // a V100 at 30 TFLOP/s achieved in fp16 mixed precision (assumed)
        for (int n : new int[] {8, 32, 256}) {
            for (double gbit : new double[] {25, 100}) {
                double hopUs = gbit == 25 ? 25 : 5;
                double bw = gbit / 8 * 1e9 * 0.8; // 80% of the line rate
                double gradMs = (2.0 * (n - 1) / n * gradBytes / bw + 2.0 * (n - 1) * hopUs * 1e-6) * 1e3;
                double log2 = Math.ceil(Math.log(n) / Math.log(2));
                double syncMs = syncCalls * log2 * hopUs * 1e-3;
                double serial = (gradMs + syncMs) / (computeMs + gradMs + syncMs);
                double overlapped = (Math.max(0, gradMs - computeMs) + syncMs) / (Math.max(computeMs, gradMs) + syncMs);
                out.printf("%-6d %-8s %10.1f %10.1f %12.1f %11.0f%% %13.0f%%%n", n, (int) gbit + " Gb/s", gradMs, syncMs, computeMs, 100 * serial, 100 * overlapped);
            }
        }
        out.println("  (grad: ring all-reduce 2(N-1)/N x bytes / (0.8 x line rate) + 2(N-1) hops; syncBN: each of the chain's all-reduces is latency-bound,"
                + " log2(N) hops; compute: the matrix work at an assumed 30 TFLOP/s per GPU; overlap hides the gradient all-reduce behind the"
                + " backward pass, never SyncBN's, which sits on the critical path)");
    }
}
