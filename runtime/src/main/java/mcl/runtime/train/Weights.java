package mcl.runtime.train;

import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mcl.graph.Param;
import mcl.graph.init.Initializer;
import mcl.runtime.ort.DirectBuffers;
import mcl.tensors.HostTensor;

/**
 * Named tensors in direct buffers: the one copy of an encoder's weights and BN buffers that ONNX
 * Runtime reads in place and the optimiser, EMA and BN updates write in place.
 */
public final class Weights {
    private final Map<String, FloatBuffer> buffers = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    public Weights(List<Manifest.ParamInfo> params) {
        for (Manifest.ParamInfo p : params) {
            buffers.put(p.name(), DirectBuffers.floats(p.numel()));
            shapes.put(p.name(), p.shape());
        }
    }

    /** Fills every tensor with its initial values: {@link Initializer} on (seed, name), as the graphs declare. */
    public void initialise(List<Manifest.ParamInfo> params, long seed) {
        List<Param> ps = params.stream().filter(p -> buffers.containsKey(p.name()))
                .map(p -> new Param(p.name(), p.shape(), InitSpec.parse(p.init(), p.name()),
                        p.trainable() ? Param.Role.TRAINABLE : Param.Role.BUFFER, null))
                .toList();
        Initializer.initialise(ps, seed).forEach((n, v) -> buffers.get(n).put(0, v));
    }

    public FloatBuffer get(String name) {
        FloatBuffer b = buffers.get(name);
        if (b == null) throw new IllegalArgumentException("no tensor named '" + name + "'");
        return b;
    }

    public boolean has(String name) { return buffers.containsKey(name); }

    public Map<String, FloatBuffer> all() { return Collections.unmodifiableMap(buffers); }

    /** Copies every tensor into host arrays (for a checkpoint). */
    public Map<String, HostTensor> snapshot() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        buffers.forEach((n, b) -> out.put(n, HostTensor.of(copy(b), shapes.get(n))));
        return out;
    }

    /** Writes saved values back; every tensor must be present with its shape. */
    public void restore(Map<String, HostTensor> saved, String what) {
        for (var e : buffers.entrySet()) {
            HostTensor t = saved.get(e.getKey());
            if (t == null) throw new IllegalArgumentException(what + " has no tensor '" + e.getKey() + "'");
            if (!java.util.Arrays.equals(t.shape(), shapes.get(e.getKey()))) {
                throw new IllegalArgumentException(what + ": tensor '" + e.getKey() + "' has shape " + java.util.Arrays.toString(t.shape())
                        + ", the graphs need " + java.util.Arrays.toString(shapes.get(e.getKey())));
            }
            e.getValue().put(0, t.floats());
        }
    }

    /** Copies {@code from}'s values of the tensors both hold (the target starts as the online copy). */
    public void copyFrom(Weights from) {
        buffers.forEach((n, b) -> {
            FloatBuffer src = from.buffers.get(n);
            if (src != null) b.put(0, src, 0, src.capacity());
        });
    }

    static float[] copy(FloatBuffer b) {
        float[] a = new float[b.capacity()];
        b.get(0, a);
        return a;
    }
}
