package mcl.runtime.ort;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX Runtime session with named inputs and outputs bound to direct buffers.
 *
 * <p>Lifecycle: open, {@link #bindInput} every input once (the tensor wraps the buffer, so writing
 * new values into the buffer changes the next run's input without any copy), optionally
 * {@link #bindOutput} outputs into preallocated buffers (ORT writes into them on every run), then
 * {@link #run} many times, then close.
 */
public final class GraphSession implements GraphRunner {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    private final Map<String, OnnxTensor> pinned = new LinkedHashMap<>();
    private Map<String, long[]> shapes;
    private Set<String> inputNames;
    private Set<String> outputNames;

    private GraphSession(OrtSession session) {
        this.session = session;
    }

    /** Opens a session over serialised ONNX model bytes (on CPU, with its convolutions on blocked kernels: {@link NchwcLowering}). */
    public static GraphSession open(byte[] model, SessionConfig config) {
        return open(model, config, "the model");
    }

    public static GraphSession open(java.nio.file.Path model, SessionConfig config) {
        byte[] bytes;
        try {
            bytes = java.nio.file.Files.readAllBytes(model);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + model + ": " + e.getMessage(), e);
        }
        return open(bytes, config, model.toString());
    }

    private static GraphSession open(byte[] model, SessionConfig config, String what) {
        byte[] run = config.device() == Device.CPU ? NchwcLowering.forCpu(model) : model;
        try (OrtSession.SessionOptions opts = options(config)) {
            return new GraphSession(ENV.createSession(run, opts));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not load " + what + ": " + e.getMessage(), e);
        }
    }

    static OrtSession.SessionOptions options(SessionConfig config) {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        try {
            if (config.intraOpThreads() > 0) opts.setIntraOpNumThreads(config.intraOpThreads());
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (config.profilePrefix() != null) opts.enableProfiling(config.profilePrefix());
            String spin = System.getProperty("mcl.ort.spin"); // measurement switch for BENCHMARKS
            if (!config.spin()) opts.addConfigEntry("session.intra_op.allow_spinning", "0");
            else if (spin != null) opts.addConfigEntry("session.intra_op.allow_spinning", spin);
            // Subnormal floats (below 1.2e-38) take a slow path on x86: after full-LR steps they made
            // the tiny step 330 ms instead of 241 (BENCHMARKS.md). Flushed to zero they change no
            // result at float32 precision. -Dmcl.ort.daz=0 keeps them (a measurement switch).
            opts.addConfigEntry("session.set_denormal_as_zero", System.getProperty("mcl.ort.daz", "1"));
            if (config.device() == Device.CUDA) {
                try {
                    opts.addCUDA(config.deviceId());
                } catch (OrtException | UnsatisfiedLinkError e) {
                    throw new DeviceUnavailableException("CUDA was requested but ONNX Runtime cannot load its CUDA execution provider ("
                            + e.getMessage() + "). Build with `mvn -Pgpu package` (onnxruntime_gpu) and make CUDA 12 and cuDNN 9 "
                            + "libraries visible on LD_LIBRARY_PATH, or use --device cpu.", e);
                }
            }
            return opts;
        } catch (OrtException e) {
            opts.close();
            throw new IllegalStateException("invalid ONNX Runtime session options: " + e.getMessage(), e);
        }
    }

    public Set<String> inputNames() {
        if (inputNames == null) inputNames = Set.copyOf(session.getInputNames());
        return inputNames;
    }

    public Set<String> outputNames() {
        if (outputNames == null) outputNames = Set.copyOf(session.getOutputNames());
        return outputNames;
    }

    /**
     * The declared shape of an input or output. Read from ORT once: its getInputInfo() builds
     * every input's description anew on each call, which made rebinding the target graph's
     * outputs for each view cost ~10 ms per step on tiny.
     */
    public long[] shape(String name) {
        if (shapes == null) shapes = declaredShapes();
        long[] s = shapes.get(name);
        if (s == null) throw new IllegalArgumentException("no input or output named '" + name + "'");
        return s.clone();
    }

    private Map<String, long[]> declaredShapes() {
        Map<String, long[]> out = new java.util.HashMap<>();
        try {
            for (Map<String, NodeInfo> infos : List.of(session.getOutputInfo(), session.getInputInfo())) {
                infos.forEach((n, info) -> {
                    if (info.getInfo() instanceof TensorInfo t) out.put(n, t.getShape());
                });
            }
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Binds a direct float buffer as input {@code name}; later writes to the buffer are seen by later runs. */
    public void bindInput(String name, FloatBuffer direct) { bind(inputs, name, direct, true); }

    public void bindInput(String name, LongBuffer direct) { bind(inputs, name, direct, true); }

    /** A boolean input, one byte per value. */
    public void bindInput(String name, ByteBuffer direct) { bind(inputs, name, direct, true); }

    /** Makes ORT write output {@code name} into {@code direct} on every run. */
    public void bindOutput(String name, FloatBuffer direct) { bind(pinned, name, direct, false); }

    public void bindOutput(String name, LongBuffer direct) { bind(pinned, name, direct, false); }

    /** A boolean output, one byte per value. */
    public void bindOutput(String name, ByteBuffer direct) { bind(pinned, name, direct, false); }

    public void runBound() {
        try (OrtSession.Result r = run()) {
            // bound outputs were written in place
        }
    }

    private void bind(Map<String, OnnxTensor> into, String name, Buffer direct, boolean input) {
        if (!(input ? inputNames() : outputNames()).contains(name)) {
            throw new IllegalArgumentException("the graph has no " + (input ? "input" : "output") + " named '" + name + "'");
        }
        if (!direct.isDirect()) throw new IllegalArgumentException(name + ": buffer must be direct so ORT can use it in place");
        long[] shape = shape(name);
        try {
            OnnxTensor t = direct instanceof FloatBuffer f ? OnnxTensor.createTensor(ENV, f, shape)
                    : direct instanceof LongBuffer l ? OnnxTensor.createTensor(ENV, l, shape)
                    : OnnxTensor.createTensor(ENV, (ByteBuffer) direct, shape, ai.onnxruntime.OnnxJavaType.BOOL);
            OnnxTensor old = into.put(name, t);
            if (old != null) old.close();
        } catch (OrtException e) {
            throw new IllegalArgumentException("cannot bind " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs the graph on the bound inputs. Bound outputs are written in place; the others are
     * returned in the result, which the caller must close.
     */
    public OrtSession.Result run() {
        for (String n : inputNames()) {
            if (!inputs.containsKey(n)) throw new IllegalStateException("input '" + n + "' is not bound");
        }
        try {
            Set<String> wanted = new java.util.LinkedHashSet<>(outputNames());
            wanted.removeAll(pinned.keySet());
            return session.run(inputs, wanted, pinned);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime run failed: " + e.getMessage(), e);
        }
    }

    /** Copies a float output of a result into a new array. */
    public static float[] floats(OrtSession.Result r, String name) {
        OnnxValue v = r.get(name).orElseThrow(() -> new IllegalArgumentException("no output '" + name + "' in result"));
        FloatBuffer b = ((OnnxTensor) v).getFloatBuffer();
        float[] a = new float[b.remaining()];
        b.get(a);
        return a;
    }

    @Override
    public void close() {
        inputs.values().forEach(OnnxTensor::close);
        pinned.values().forEach(OnnxTensor::close);
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
