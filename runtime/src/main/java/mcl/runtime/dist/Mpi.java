package mcl.runtime.dist;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The job's processes over Open MPI (MPI_COMM_WORLD), bound from Java through JNA: no mpi.jar
 * exists in Debian or Maven Central and Open MPI drops its Java bindings in v6.
 *
 * <p>Failure rule: on an error, {@link #abort} (MPI_Abort ends every rank within seconds); never
 * finalize on an error path, which hangs the ranks waiting in a collective.
 */
public final class Mpi implements Communicator {
    private static final Pointer IN_PLACE = new Pointer(1);
    /** One all-reduce call carries at most this many floats (16 MiB): one 100 MiB call is pathologically slow. */
    static final int BUCKET_FLOATS = 4 << 20;

    private final Pointer world;
    private final Pointer floatType;
    private final Pointer doubleType;
    private final Pointer sum;
    private final int rank;
    private final int size;
    private final int localSize;
    private final int localRank;
    private boolean closed;

    private Mpi() {
        int[] provided = new int[1];
        check(MpiLibrary.MPI_Init_thread(null, null, MpiLibrary.THREAD_MULTIPLE, provided), "MPI_Init_thread");
        world = MpiLibrary.handle("ompi_mpi_comm_world");
        floatType = MpiLibrary.handle("ompi_mpi_float");
        doubleType = MpiLibrary.handle("ompi_mpi_double");
        sum = MpiLibrary.handle("ompi_mpi_op_sum");
        int[] v = new int[1];
        check(MpiLibrary.MPI_Comm_rank(world, v), "MPI_Comm_rank");
        rank = v[0];
        check(MpiLibrary.MPI_Comm_size(world, v), "MPI_Comm_size");
        size = v[0];
        localSize = envInt("OMPI_COMM_WORLD_LOCAL_SIZE", 1);
        localRank = envInt("OMPI_COMM_WORLD_LOCAL_RANK", 0);
    }

    /** Whether this process was started by mpirun (Open MPI sets OMPI_COMM_WORLD_SIZE in each rank). */
    public static boolean launchedByMpirun() { return System.getenv("OMPI_COMM_WORLD_SIZE") != null; }

    /** Initialises MPI for this process (once per JVM). */
    public static Mpi init() { return new Mpi(); }

    private static int envInt(String name, int dflt) {
        String v = System.getenv(name);
        try {
            return v == null ? dflt : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    public int rank() { return rank; }

    public int size() { return size; }

    public int localSize() { return localSize; }

    public int localRank() { return localRank; }

    public void allReduceSum(FloatBuffer buf) {
        if (size == 1) return;
        Pointer base = address(buf);
        int n = buf.capacity();
        for (int off = 0; off < n; off += BUCKET_FLOATS) {
            int count = Math.min(BUCKET_FLOATS, n - off);
            check(MpiLibrary.MPI_Allreduce(IN_PLACE, base.share(4L * off), count, floatType, sum, world), "MPI_Allreduce");
        }
    }

    public void allReduceSum(double[] values) {
        if (size == 1) return;
        check(MpiLibrary.MPI_Allreduce(IN_PLACE, values, values.length, doubleType, sum, world), "MPI_Allreduce");
    }

    public void allGather(FloatBuffer buf, int count) {
        if (size == 1) return;
        if ((long) count * size > buf.capacity()) throw new IllegalArgumentException("buffer of " + buf.capacity() + " floats cannot hold " + size + " x " + count);
        check(MpiLibrary.MPI_Allgather(IN_PLACE, 0, floatType, address(buf), count, floatType, world), "MPI_Allgather");
    }

    public void barrier() { check(MpiLibrary.MPI_Barrier(world), "MPI_Barrier"); }

    public void abort(int code) {
        System.out.flush();
        System.err.flush();
        MpiLibrary.MPI_Abort(world, code);
        Runtime.getRuntime().halt(code); // not reached: MPI_Abort ends the process
    }

    public void close() {
        if (closed) return;
        closed = true;
        check(MpiLibrary.MPI_Finalize(), "MPI_Finalize");
    }

    private static Pointer address(FloatBuffer buf) {
        if (!buf.isDirect() || buf.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("MPI needs a direct buffer in native byte order");
        }
        return Native.getDirectBufferPointer(buf);
    }

    private static void check(int rc, String call) {
        // Open MPI's default error handler aborts the job on errors; a non-zero code means it was changed.
        if (rc != 0) throw new IllegalStateException(call + " failed with MPI error " + rc);
    }
}
