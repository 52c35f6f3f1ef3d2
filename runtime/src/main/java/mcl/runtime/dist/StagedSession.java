package mcl.runtime.dist;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mcl.graph.Stages;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.onnx.OnnxProto.ValueInfoProto;
import mcl.runtime.ort.GraphRunner;
import mcl.runtime.ort.GraphSession;
import mcl.runtime.ort.SessionConfig;

/**
 * A graph with collective points, run as its stages ({@link Stages}): one ONNX Runtime session
 * per stage, and after each stage the collectives of that boundary, packed into one buffer and
 * summed over the job's processes by one all-reduce. Values that cross stages live in direct
 * buffers bound as the producing stage's output and the reading stages' input, so nothing is
 * copied but the collectives' small inputs.
 */
public final class StagedSession implements GraphRunner {
    private final Communicator comm;
    private final List<GraphSession> stages = new ArrayList<>();
    /** Per boundary (after stage k): its points and the packed buffer their outputs are slices of. */
    private final Map<Integer, List<Stages.Point>> pointsAfter = new HashMap<>();
    private final Map<Integer, FloatBuffer> packed = new HashMap<>();
    private final Map<String, Buffer> buffers = new HashMap<>();
    private final Map<String, long[]> shapes = new HashMap<>();
    private final Map<String, Integer> producer = new HashMap<>();
    private final Set<String> inputs;
    private final Set<String> outputs;
    /** Time spent in this graph's collectives (packing, summing over shards, the all-reduce) since the last {@link #takeCollectiveNanos}. */
    private long collectiveNanos;

    public static boolean needs(byte[] model) {
        try {
            return Stages.hasCollectives(ModelProto.parseFrom(model));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
    }

    /** One session, or the stages of a model with collective points. */
    public static GraphRunner open(byte[] model, SessionConfig config, Communicator comm) {
        return needs(model) ? new StagedSession(model, config, comm) : GraphSession.open(model, config);
    }

    public StagedSession(byte[] model, SessionConfig config, Communicator comm) {
        this.comm = comm;
        Stages.Staged s;
        try {
            s = Stages.split(ModelProto.parseFrom(model));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
        this.inputs = new LinkedHashSet<>(s.inputs());
        this.outputs = new LinkedHashSet<>(s.outputs());
        s.values().forEach((n, v) -> shapes.put(n, shapeOf(v)));
        try {
            SessionConfig quiet = config.withoutSpinning();
            for (ModelProto m : s.stages()) stages.add(m == null ? null : GraphSession.open(m.toByteArray(), quiet));
            Map<String, Integer> lastUse = lastUses(s);
            // Values between stages share buffers when their lifetimes do not overlap (a buffer whose
            // value was last read in stage r is free for a value written in a stage after r), as
            // ORT plans memory within one run; graph outputs get their own (the caller rebinds them).
            Map<String, List<Buffer>> free = new HashMap<>();
            java.util.PriorityQueue<Object[]> busy = new java.util.PriorityQueue<>(java.util.Comparator.comparingInt(o -> (Integer) o[0]));
            for (int k = 0; k < stages.size(); k++) {
                if (stages.get(k) == null) continue;
                while (!busy.isEmpty() && (Integer) busy.peek()[0] < k) {
                    Object[] e = busy.poll();
                    free.computeIfAbsent((String) e[1], x -> new ArrayList<>()).add((Buffer) e[2]);
                }
                for (String out : stages.get(k).outputNames()) {
                    producer.put(out, k);
                    ValueInfoProto v = s.values().get(out);
                    Buffer b;
                    if (outputs.contains(out)) {
                        b = allocate(v);
                    } else {
                        String key = v.getType().getTensorType().getElemType() + ":" + numel(shapeOf(v));
                        List<Buffer> pool = free.get(key);
                        b = pool == null || pool.isEmpty() ? allocate(v) : pool.remove(pool.size() - 1);
                        busy.add(new Object[] {lastUse.getOrDefault(out, k), key, b});
                    }
                    buffers.put(out, b);
                    bindAt(k, out, b, false);
                }
            }
            // The collectives of each boundary: outputs are slices of one buffer, summed in one call.
            for (Stages.Point p : s.points()) {
                if (s.values().get(p.output()).getType().getTensorType().getElemType() != 1) {
                    throw new IllegalArgumentException("collective " + p.output() + ": only float tensors are summed");
                }
                pointsAfter.computeIfAbsent(p.after(), k -> new ArrayList<>()).add(p);
            }
            for (var e : pointsAfter.entrySet()) {
                int total = 0;
                for (Stages.Point p : e.getValue()) total += numel(shapes.get(p.output()));
                FloatBuffer all = ByteBuffer.allocateDirect(4 * total).order(ByteOrder.nativeOrder()).asFloatBuffer();
                packed.put(e.getKey(), all);
                int off = 0;
                for (Stages.Point p : e.getValue()) {
                    int n = numel(shapes.get(p.output()));
                    FloatBuffer slice = all.slice(off, n);
                    off += n;
                    buffers.put(p.output(), slice);
                    producer.put(p.output(), -1);
                    bindReaders(p.output(), slice);
                }
            }
            for (var e : buffers.entrySet()) if (producer.get(e.getKey()) >= 0) bindReaders(e.getKey(), e.getValue());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Per value computed in a stage, the last stage that reads it (a collective reads its input right after the producing stage). */
    private Map<String, Integer> lastUses(Stages.Staged s) {
        Map<String, Integer> last = new HashMap<>();
        for (int k = 0; k < s.stages().size(); k++) {
            ModelProto m = s.stages().get(k);
            if (m == null) continue;
            for (ValueInfoProto in : m.getGraph().getInputList()) last.merge(in.getName(), k, Math::max);
        }
        for (Stages.Point p : s.points()) last.merge(p.input(), p.after(), Math::max);
        return last;
    }

    /** Stages of this graph, including empty ones (for reports). */
    public int stageCount() { return stages.size(); }

    /** Bytes of the buffers that hold values between stages (this graph's own; caller-bound outputs not counted). */
    public long bufferBytes() {
        java.util.Set<Buffer> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (var e : buffers.entrySet()) {
            Integer k = producer.get(e.getKey());
            if (k != null && k >= 0 && !outputs.contains(e.getKey())) distinct.add(e.getValue());
        }
        long b = 0;
        for (Buffer x : distinct) b += (long) x.capacity() * (x instanceof FloatBuffer ? 4 : x instanceof LongBuffer ? 8 : 1);
        for (FloatBuffer p : packed.values()) b += 4L * p.capacity();
        return b;
    }

    /** Collective boundaries, each one all-reduce per run. */
    public int boundaries() { return pointsAfter.size(); }

    public Set<String> inputNames() { return inputs; }

    public Set<String> outputNames() { return outputs; }

    public long[] shape(String name) {
        long[] s = shapes.get(name);
        if (s == null) throw new IllegalArgumentException("no input or output named '" + name + "'");
        return s.clone();
    }

    public void bindInput(String name, FloatBuffer direct) { bindGraphInput(name, direct); }

    public void bindInput(String name, LongBuffer direct) { bindGraphInput(name, direct); }

    public void bindInput(String name, ByteBuffer direct) { bindGraphInput(name, direct); }

    public void bindOutput(String name, FloatBuffer direct) { bindGraphOutput(name, direct); }

    public void bindOutput(String name, LongBuffer direct) { bindGraphOutput(name, direct); }

    public void bindOutput(String name, ByteBuffer direct) { bindGraphOutput(name, direct); }

    private void bindGraphInput(String name, Buffer b) {
        if (!inputs.contains(name)) throw new IllegalArgumentException("the graph has no input named '" + name + "'");
        for (int k = 0; k < stages.size(); k++) {
            if (stages.get(k) != null && stages.get(k).inputNames().contains(name)) bindAt(k, name, b, true);
        }
    }

    /** The caller's buffer replaces ours: the producing stage writes it and later stages read it. */
    private void bindGraphOutput(String name, Buffer b) {
        if (!outputs.contains(name)) throw new IllegalArgumentException("the graph has no output named '" + name + "'");
        Integer k = producer.get(name);
        if (k == null || k < 0) throw new IllegalArgumentException("output '" + name + "' is a collective's result; it cannot be bound");
        buffers.put(name, b);
        bindAt(k, name, b, false);
        bindReaders(name, b);
    }

    private void bindReaders(String name, Buffer b) {
        int from = producer.get(name);
        for (int k = from + 1; k < stages.size(); k++) {
            if (stages.get(k) != null && stages.get(k).inputNames().contains(name)) bindAt(k, name, b, true);
        }
    }

    private void bindAt(int k, String name, Buffer b, boolean input) {
        GraphSession s = stages.get(k);
        if (b instanceof FloatBuffer f) {
            if (input) s.bindInput(name, f); else s.bindOutput(name, f);
        } else if (b instanceof LongBuffer l) {
            if (input) s.bindInput(name, l); else s.bindOutput(name, l);
        } else {
            if (input) s.bindInput(name, (ByteBuffer) b); else s.bindOutput(name, (ByteBuffer) b);
        }
    }

    public void runBound() { lockstep(List.of(this)); }

    /**
     * Runs instances of one graph, each with its own inputs (a process's shards), as one
     * data-parallel job: stage by stage, and at each boundary their collectives summed over the
     * instances and then over the job's processes. Runners without collective points run one
     * after the other.
     */
    public static void runTogether(List<? extends GraphRunner> group) {
        if (group.stream().allMatch(r -> r instanceof StagedSession)) {
            lockstep(group.stream().map(r -> (StagedSession) r).toList());
        } else {
            group.forEach(GraphRunner::runBound);
        }
    }

    private static void lockstep(List<StagedSession> group) {
        StagedSession first = group.get(0);
        for (int k = 0; k < first.stages.size(); k++) {
            for (StagedSession s : group) if (s.stages.get(k) != null) s.stages.get(k).runBound();
            if (!first.pointsAfter.containsKey(k)) continue;
            long t0 = System.nanoTime();
            for (StagedSession s : group) s.collect(k);
            FloatBuffer sum = first.packed.get(k);
            for (int i = 1; i < group.size(); i++) {
                FloatBuffer other = group.get(i).packed.get(k);
                for (int j = 0, n = sum.capacity(); j < n; j++) sum.put(j, sum.get(j) + other.get(j));
            }
            first.comm.allReduceSum(sum);
            for (int i = 1; i < group.size(); i++) group.get(i).packed.get(k).put(0, sum, 0, sum.capacity());
            first.collectiveNanos += System.nanoTime() - t0;
        }
    }

    /** Nanoseconds this graph (and the group it led) spent in collectives since the last call; resets. */
    public long takeCollectiveNanos() {
        long t = collectiveNanos;
        collectiveNanos = 0;
        return t;
    }

    /** {@link #takeCollectiveNanos} of a runner, 0 for one without collective points. */
    public static long takeCollectiveNanos(GraphRunner r) {
        return r instanceof StagedSession s ? s.takeCollectiveNanos() : 0;
    }

    /** The inputs of boundary k's collectives into their slices of its packed buffer. */
    private void collect(int k) {
        for (Stages.Point p : pointsAfter.get(k)) {
            FloatBuffer in = (FloatBuffer) buffers.get(p.input());
            ((FloatBuffer) buffers.get(p.output())).put(0, in, 0, in.capacity());
        }
    }

    private static Buffer allocate(ValueInfoProto v) {
        long n = numel(shapeOf(v));
        int type = v.getType().getTensorType().getElemType();
        return switch (type) {
            case 1 -> ByteBuffer.allocateDirect(Math.toIntExact(4 * n)).order(ByteOrder.nativeOrder()).asFloatBuffer();
            case 7 -> ByteBuffer.allocateDirect(Math.toIntExact(8 * n)).order(ByteOrder.nativeOrder()).asLongBuffer();
            case 9 -> ByteBuffer.allocateDirect(Math.toIntExact(n)).order(ByteOrder.nativeOrder());
            default -> throw new IllegalArgumentException(v.getName() + ": no buffer for ONNX element type " + type);
        };
    }

    private static long[] shapeOf(ValueInfoProto v) {
        var dims = v.getType().getTensorType().getShape().getDimList();
        long[] s = new long[dims.size()];
        for (int i = 0; i < s.length; i++) s[i] = dims.get(i).getDimValue();
        return s;
    }

    private static int numel(long[] shape) { return Math.toIntExact(mcl.graph.Shapes.numel(shape)); }

    @Override
    public void close() {
        for (GraphSession s : stages) if (s != null) s.close();
    }
}
