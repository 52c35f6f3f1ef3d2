package mcl.runtime.dist;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.Map;

/**
 * Open MPI 4's C API, bound with JNA direct mapping (about 0.2 us a call; an interface proxy costs
 * ~1.5 us, which matters for many small reductions). Handles such as MPI_COMM_WORLD are addresses
 * of exported globals in this ABI. Loaded with RTLD_GLOBAL because Open MPI's plugins resolve
 * symbols of libmpi; libmpi.so.40 needs no -dev package.
 */
final class MpiLibrary {
    static final int THREAD_MULTIPLE = 3;
    private static final int RTLD_LAZY = 0x1;
    private static final int RTLD_GLOBAL = 0x100;

    static final NativeLibrary LIB = load();

    static {
        Native.register(MpiLibrary.class, LIB);
    }

    private MpiLibrary() { }

    private static NativeLibrary load() {
        Map<String, Object> opts = Map.of(Library.OPTION_OPEN_FLAGS, RTLD_LAZY | RTLD_GLOBAL);
        UnsatisfiedLinkError first = null;
        for (String name : new String[] {"libmpi.so.40", "mpi"}) {
            try {
                return NativeLibrary.getInstance(name, opts);
            } catch (UnsatisfiedLinkError e) {
                if (first == null) first = e;
            }
        }
        throw new IllegalStateException("Open MPI's libmpi could not be loaded (install openmpi-bin: apt-get install openmpi-bin): "
                + first.getMessage(), first);
    }

    /** The address of an exported handle object, e.g. ompi_mpi_comm_world. */
    static Pointer handle(String symbol) { return LIB.getGlobalVariableAddress(symbol); }

    static native int MPI_Init_thread(Pointer argc, Pointer argv, int required, int[] provided);

    static native int MPI_Initialized(int[] flag);

    static native int MPI_Comm_rank(Pointer comm, int[] rank);

    static native int MPI_Comm_size(Pointer comm, int[] size);

    static native int MPI_Allreduce(Pointer send, Pointer recv, int count, Pointer type, Pointer op, Pointer comm);

    static native int MPI_Allreduce(Pointer send, double[] recv, int count, Pointer type, Pointer op, Pointer comm);

    static native int MPI_Allgather(Pointer send, int sendCount, Pointer sendType, Pointer recv, int recvCount, Pointer recvType, Pointer comm);

    static native int MPI_Barrier(Pointer comm);

    static native int MPI_Abort(Pointer comm, int code);

    static native int MPI_Finalize();
}
