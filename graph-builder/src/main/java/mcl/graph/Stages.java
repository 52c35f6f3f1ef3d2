package mcl.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mcl.onnx.OnnxProto.GraphProto;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.onnx.OnnxProto.NodeProto;
import mcl.onnx.OnnxProto.TensorProto;
import mcl.onnx.OnnxProto.ValueInfoProto;

/**
 * Splits an ONNX model at its collective points ({@link Op#ALL_REDUCE_SUM} nodes) into stages
 * that ONNX Runtime can run: stage k holds every node whose inputs are available once the
 * collectives after stages 0..k-1 are done. A node's stage is the largest stage of its inputs; a
 * collective's output belongs to the stage after its input's. Values that cross stages become
 * outputs of the stage that computes them and inputs of the stages that read them (the runtime
 * keeps them in buffers between runs).
 *
 * <p>Collectives that depend on nothing but each other's stage share a boundary, so a ResNet's
 * parallel branches, and the two views of an MCL step, exchange their statistics together.
 */
public final class Stages {
    private Stages() { }

    /** A collective point: after stage {@code after}, {@code output} = sum over processes of {@code input}. */
    public record Point(String op, String input, String output, int after) { }

    /**
     * The pieces: {@code stages.get(k)} is null when stage k has no nodes; {@code points} in
     * boundary order; {@code values} the declared type of every input, output and crossing value.
     */
    public record Staged(List<ModelProto> stages, List<Point> points, Map<String, ValueInfoProto> values,
                         List<String> inputs, List<String> outputs) {
        public int count() { return stages.size(); }
    }

    public static boolean hasCollectives(ModelProto m) {
        return m.getGraph().getNodeList().stream().anyMatch(Stages::isCollective);
    }

    private static boolean isCollective(NodeProto n) {
        return n.getDomain().equals(Op.ALL_REDUCE_SUM.domain);
    }

    public static Staged split(ModelProto model) {
        GraphProto g = model.getGraph();
        Map<String, ValueInfoProto> values = new HashMap<>();
        g.getValueInfoList().forEach(v -> values.put(v.getName(), v));
        g.getInputList().forEach(v -> values.put(v.getName(), v));
        g.getOutputList().forEach(v -> values.put(v.getName(), v));
        Map<String, TensorProto> initializers = new HashMap<>();
        g.getInitializerList().forEach(t -> initializers.put(t.getName(), t));

        Map<String, Integer> stageOf = new HashMap<>(); // of computed values; inputs and initializers are everywhere
        Map<String, Integer> producerStage = new HashMap<>();
        List<List<NodeProto>> nodes = new ArrayList<>();
        List<Point> points = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            int s = 0;
            for (String in : n.getInputList()) s = Math.max(s, stageOf.getOrDefault(in, 0));
            if (isCollective(n)) {
                String in = n.getInput(0);
                if (!values.containsKey(n.getOutput(0)) || !values.containsKey(in)) {
                    throw new IllegalArgumentException("collective " + n.getName() + ": the model declares no type for " + in + " or " + n.getOutput(0));
                }
                points.add(new Point(n.getOpType(), in, n.getOutput(0), s));
                stageOf.put(n.getOutput(0), s + 1);
                continue;
            }
            while (nodes.size() <= s) nodes.add(new ArrayList<>());
            nodes.get(s).add(n);
            for (String out : n.getOutputList()) {
                stageOf.put(out, s);
                producerStage.put(out, s);
            }
        }
        int count = Math.max(nodes.size(), points.stream().mapToInt(p -> p.after() + 2).max().orElse(1));
        while (nodes.size() < count) nodes.add(new ArrayList<>());

        // Values read after the stage that computes them: by a later stage, a collective, or the caller.
        Set<String> graphOutputs = new LinkedHashSet<>();
        g.getOutputList().forEach(v -> graphOutputs.add(v.getName()));
        Map<Integer, Set<String>> exported = new HashMap<>();
        for (int k = 0; k < count; k++) {
            for (NodeProto n : nodes.get(k)) {
                for (String in : n.getInputList()) {
                    Integer p = producerStage.get(in);
                    if (p != null && p < k) exported.computeIfAbsent(p, x -> new LinkedHashSet<>()).add(in);
                }
            }
        }
        for (Point p : points) {
            Integer s = producerStage.get(p.input());
            if (s != null) exported.computeIfAbsent(s, x -> new LinkedHashSet<>()).add(p.input());
        }
        for (String o : graphOutputs) {
            Integer s = producerStage.get(o);
            if (s != null) exported.computeIfAbsent(s, x -> new LinkedHashSet<>()).add(o);
        }

        Set<String> graphInputs = new LinkedHashSet<>();
        g.getInputList().forEach(v -> graphInputs.add(v.getName()));
        List<ModelProto> stages = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            List<NodeProto> ns = nodes.get(k);
            if (ns.isEmpty()) {
                stages.add(null);
                continue;
            }
            GraphProto.Builder sg = GraphProto.newBuilder().setName(g.getName() + ".stage" + k);
            Set<String> produced = new HashSet<>();
            for (NodeProto n : ns) produced.addAll(n.getOutputList());
            Set<String> read = new LinkedHashSet<>();
            for (NodeProto n : ns) for (String in : n.getInputList()) if (!in.isEmpty() && !produced.contains(in)) read.add(in);
            for (String in : read) {
                if (initializers.containsKey(in)) {
                    sg.addInitializer(initializers.get(in));
                } else {
                    ValueInfoProto v = values.get(in);
                    if (v == null) throw new IllegalArgumentException("stage " + k + " reads " + in + ", which the model declares nowhere");
                    sg.addInput(v);
                }
            }
            sg.addAllNode(ns);
            for (String out : exported.getOrDefault(k, Set.of())) {
                ValueInfoProto v = values.get(out);
                if (v == null) throw new IllegalArgumentException("stage " + k + " passes on " + out + ", which the model declares nowhere");
                sg.addOutput(v);
            }
            stages.add(model.toBuilder().setGraph(sg).clearOpsetImport()
                    .addAllOpsetImport(model.getOpsetImportList().stream().filter(o -> !o.getDomain().equals(Op.ALL_REDUCE_SUM.domain)).toList())
                    .build());
        }
        return new Staged(stages, points, values, List.copyOf(graphInputs), List.copyOf(graphOutputs));
    }
}
