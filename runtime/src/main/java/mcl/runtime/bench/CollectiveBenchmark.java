package mcl.runtime.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mcl.runtime.dist.Communicator;

/**
 * Latency and bandwidth of the collectives a data-parallel step makes, between the processes of
 * an mpirun job: in-place all-reduce of float buffers from BN-statistics size to gradient-bucket
 * size, and the all-gather of target embeddings. Every rank must call {@link #run}.
 */
public final class CollectiveBenchmark {
    private CollectiveBenchmark() { }

    /** One collective at one size: best and median time per call, on rank 0. */
    public record Timing(String what, long bytes, double bestUs, double medianUs) {
        /** Bytes over the best time, as an all-reduce's "algorithm bandwidth". */
        public double gbPerS() { return bytes / (bestUs * 1e3); }
    }

    public static final long[] ALL_REDUCE_BYTES = {4L << 10, 64L << 10, 1L << 20, 8L << 20, 32L << 20};

    public static List<Timing> run(Communicator comm, int reps) {
        List<Timing> out = new ArrayList<>();
        double[] sync = new double[1];
        for (long bytes : ALL_REDUCE_BYTES) {
            FloatBuffer buf = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder()).asFloatBuffer();
            int n = bytes >= (8L << 20) ? Math.max(3, reps / 4) : reps;
            double[] us = new double[n];
            for (int i = -2; i < n; i++) { // two untimed calls: the first of a size sets up its path
                comm.allReduceSum(sync);
                long t0 = System.nanoTime();
                comm.allReduceSum(buf);
                if (i >= 0) us[i] = (System.nanoTime() - t0) / 1e3;
            }
            out.add(timing("all-reduce", bytes, us));
        }
        int part = 8 << 10; // tiny's 16 x 128 target embeddings of one shard
        FloatBuffer all = ByteBuffer.allocateDirect(part * comm.size()).order(ByteOrder.nativeOrder()).asFloatBuffer();
        double[] us = new double[reps];
        for (int i = -2; i < reps; i++) {
            comm.allReduceSum(sync);
            long t0 = System.nanoTime();
            comm.allGather(all, part / 4);
            if (i >= 0) us[i] = (System.nanoTime() - t0) / 1e3;
        }
        out.add(timing("all-gather", part, us));
        return out;
    }

    private static Timing timing(String what, long bytes, double[] us) {
        double[] s = us.clone();
        Arrays.sort(s);
        return new Timing(what, bytes, s[0], s[s.length / 2]);
    }
}
