package mcl.testing;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import mcl.graph.DType;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.tensors.HostTensor;

/** Runs a model in ONNX Runtime (CPU) on host tensors: the tests' way to execute what they build. */
public final class OrtHarness {
    private OrtHarness() { }

    public static Map<String, HostTensor> run(ModelProto model, Map<String, HostTensor> inputs) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(2);
            // MCL_ORT_OPT=NO_OPT|BASIC_OPT|EXTENDED_OPT|ALL_OPT: tells a rule's error from an ORT optimiser's.
            String level = System.getenv("MCL_ORT_OPT");
            if (level != null) opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.valueOf(level));
            try (OrtSession s = env.createSession(model.toByteArray(), opts)) {
                Map<String, OnnxTensor> feed = new HashMap<>();
                try {
                    for (String name : s.getInputNames()) {
                        HostTensor t = inputs.get(name);
                        if (t == null) throw new IllegalArgumentException("no value for graph input '" + name + "'");
                        feed.put(name, t.dtype() == DType.FLOAT
                                ? OnnxTensor.createTensor(env, FloatBuffer.wrap(t.floats()), t.shape())
                                : OnnxTensor.createTensor(env, LongBuffer.wrap(t.longs()), t.shape()));
                    }
                    Map<String, HostTensor> out = new LinkedHashMap<>();
                    try (OrtSession.Result r = s.run(feed)) {
                        for (Map.Entry<String, OnnxValue> e : r) {
                            OnnxTensor ot = (OnnxTensor) e.getValue();
                            long[] shape = ot.getInfo().getShape();
                            switch (ot.getInfo().type) {
                                case FLOAT -> {
                                    FloatBuffer fb = ot.getFloatBuffer();
                                    float[] a = new float[fb.remaining()];
                                    fb.get(a);
                                    out.put(e.getKey(), HostTensor.of(a, shape));
                                }
                                case INT64 -> {
                                    LongBuffer lb = ot.getLongBuffer();
                                    long[] a = new long[lb.remaining()];
                                    lb.get(a);
                                    out.put(e.getKey(), HostTensor.ofLongs(a, shape));
                                }
                                case DOUBLE -> {
                                    var db = ot.getDoubleBuffer();
                                    float[] a = new float[db.remaining()];
                                    for (int i = 0; i < a.length; i++) a[i] = (float) db.get(i);
                                    out.put(e.getKey(), HostTensor.of(a, shape));
                                }
                                default -> throw new IllegalStateException("unexpected output type " + ot.getInfo().type);
                            }
                        }
                    }
                    return out;
                } finally {
                    feed.values().forEach(OnnxTensor::close);
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }
}
