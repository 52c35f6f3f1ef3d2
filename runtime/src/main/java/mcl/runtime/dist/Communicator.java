package mcl.runtime.dist;

import java.nio.FloatBuffer;

/**
 * The collectives a data-parallel step needs, between the processes of one job. {@link #SINGLE}
 * is the job of one process (every collective is the identity); {@link Mpi} binds Open MPI.
 * Buffers are direct, in native byte order; every call is blocking and every process must make
 * the same calls in the same order.
 */
public interface Communicator extends AutoCloseable {
    /** This process's index, 0 .. size-1; 0 writes the run folder. */
    int rank();

    int size();

    /** Processes of this job on this machine (threads per process default to cores / this). */
    int localSize();

    /** This process's index among those on its machine (its CUDA device under --device cuda). */
    int localRank();

    /** Element-wise sum over processes, in place, of the whole buffer (its capacity). */
    void allReduceSum(FloatBuffer buf);

    /** Element-wise sum over processes, in place, of a few numbers. */
    void allReduceSum(double[] values);

    /**
     * In place: the buffer holds size() parts of {@code count} floats; this process's part is at
     * rank() * count. Afterwards every process holds every part.
     */
    void allGather(FloatBuffer buf, int count);

    /** Ends every process of the job with {@code code}; does not return. */
    void abort(int code);

    /** Shuts the job's communication down after the last collective (no-op for {@link #SINGLE}). */
    @Override
    void close();

    /** A job of one process. */
    Communicator SINGLE = new Communicator() {
        public int rank() { return 0; }

        public int size() { return 1; }

        public int localSize() { return 1; }

        public int localRank() { return 0; }

        public void allReduceSum(FloatBuffer buf) { }

        public void allReduceSum(double[] values) { }

        public void allGather(FloatBuffer buf, int count) { }

        public void abort(int code) { Runtime.getRuntime().halt(code); }

        public void close() { }
    };
}
