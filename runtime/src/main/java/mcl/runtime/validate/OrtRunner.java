package mcl.runtime.validate;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import mcl.graph.DType;
import mcl.tensors.HostTensor;

/**
 * One ORT CPU session over host tensors, run many times (the gradient check perturbs one input
 * entry per run). Outputs come back as doubles whatever their float type, so finiteness is judged
 * on the values ORT produced.
 */
final class OrtRunner implements AutoCloseable {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    /** An output: shape and values (NaN for non-numeric types, which are not checked). */
    record Values(long[] shape, double[] data, boolean numeric) { }

    private final OrtSession session;

    OrtRunner(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
            session = ENV.createSession(model, opts);
        }
    }

    Set<String> inputNames() { return session.getInputNames(); }

    Set<String> outputNames() { return session.getOutputNames(); }

    Map<String, Values> run(Map<String, HostTensor> feed, Set<String> outputs) throws OrtException {
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            for (var e : feed.entrySet()) {
                HostTensor t = e.getValue();
                in.put(e.getKey(), t.dtype() == DType.FLOAT
                        ? OnnxTensor.createTensor(ENV, FloatBuffer.wrap(t.floats()), t.shape())
                        : OnnxTensor.createTensor(ENV, LongBuffer.wrap(t.longs()), t.shape()));
            }
            Map<String, Values> out = new LinkedHashMap<>();
            try (OrtSession.Result r = session.run(in, outputs)) {
                for (Map.Entry<String, OnnxValue> e : r) out.put(e.getKey(), values((OnnxTensor) e.getValue()));
            }
            return out;
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    private static Values values(OnnxTensor t) {
        TensorInfo info = t.getInfo();
        long[] shape = info.getShape();
        double[] d;
        switch (info.type) {
            case FLOAT -> {
                FloatBuffer b = t.getFloatBuffer();
                d = new double[b.remaining()];
                for (int i = 0; i < d.length; i++) d[i] = b.get(i);
            }
            case DOUBLE -> {
                DoubleBuffer b = t.getDoubleBuffer();
                d = new double[b.remaining()];
                b.get(d);
            }
            case INT64 -> {
                LongBuffer b = t.getLongBuffer();
                d = new double[b.remaining()];
                for (int i = 0; i < d.length; i++) d[i] = b.get(i);
            }
            default -> {
                return new Values(shape, new double[0], false);
            }
        }
        return new Values(shape, d, true);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
