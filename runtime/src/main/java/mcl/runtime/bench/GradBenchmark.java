package mcl.runtime.bench;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.Node;
import mcl.graph.OnnxExport;
import mcl.graph.Param;
import mcl.graph.Tensor;
import mcl.graph.autodiff.Autodiff;
import mcl.graph.init.Initializer;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Reduce;
import mcl.graphs.BackboneFpn;
import mcl.graphs.nets.ResNet;
import mcl.runtime.ort.DirectBuffers;
import mcl.runtime.ort.GraphSession;
import mcl.runtime.ort.SessionConfig;

/**
 * Times one forward+backward step of mcl's own gradient graph in ONNX Runtime.
 *
 * <p>The network is the detection backbone exactly as training uses it: ResNet body + v2 FPN with
 * train-mode BN, loss L = sum_l sum(P_l * R_l) with fixed random R_l (as GradParityTest), and the
 * gradient of every trainable parameter as a graph output. Weights, images and R are written once
 * into direct buffers bound to the session; every output (gradients, loss, batch statistics) is
 * bound to a preallocated direct buffer, so a timed run is one {@code session.run()} and nothing
 * else: no copies in or out, no allocation on the Java side.
 */
public final class GradBenchmark {
    private GradBenchmark() { }

    /** What to measure. {@code profile}: if non-null, one extra profiled run is written there. */
    public record Config(ResNet.Variant variant, int fpnChannels, int batch, int size, int threads, int reps, int warmup, Path profile) { }

    /** The training graph and which of its nodes belong to the backward pass. */
    public record TrainingGraph(Graph graph, int forwardNodes) {
        /**
         * A graph whose backward nodes were appended after its forward pass: the forward pass ends
         * with the last node that some output other than a "grad." one depends on.
         */
        public static TrainingGraph of(Graph graph) {
            java.util.Set<Node> forward = new java.util.HashSet<>();
            java.util.ArrayDeque<Tensor> todo = new java.util.ArrayDeque<>();
            graph.outputs().forEach((name, t) -> { if (!name.startsWith("grad.")) todo.add(t); });
            while (!todo.isEmpty()) {
                Node n = todo.pop().producer();
                if (n == null || !forward.add(n)) continue;
                for (Tensor in : n.inputs()) if (in != null) todo.add(in);
            }
            List<Node> nodes = graph.nodes();
            int k = nodes.size();
            while (k > 0 && !forward.contains(nodes.get(k - 1))) k--;
            return new TrainingGraph(graph, k);
        }

        /** Node name -> "forward" or "backward". */
        public Map<String, String> passOfNode() {
            Map<String, String> m = new LinkedHashMap<>();
            List<Node> nodes = graph.nodes();
            for (int i = 0; i < nodes.size(); i++) m.put(nodes.get(i).name(), i < forwardNodes ? "forward" : "backward");
            return m;
        }

        /**
         * Node name -> the gradient rule that emitted it ("forward pass" for forward nodes). The rules
         * create backward nodes without a scope, so this is inferred from the op and what it reads:
         * in a ResNet/FPN graph each backward op type comes from one rule, except ReduceSum (conv dW
         * when it sums a MatMul over the images, BN otherwise) and Conv (the grouped im2col of dW).
         */
        public Map<String, String> ruleOfNode() {
            Map<String, String> m = new LinkedHashMap<>();
            List<Node> nodes = graph.nodes();
            for (int i = 0; i < nodes.size(); i++) {
                Node n = nodes.get(i);
                Node in0 = n.inputs().isEmpty() || n.inputs().get(0) == null ? null : n.inputs().get(0).producer();
                String rule;
                if (i < forwardNodes) {
                    rule = "forward pass";
                } else {
                    rule = switch (n.op()) {
                        // the dW of strided stems is a conv dilated by the stride; grouped convs are dW's im2col
                        case CONV -> n.attrs() instanceof mcl.graph.ops.ConvPool.ConvAttrs ca && ca.dilation() == 1
                                ? "conv dX, stride 1 (Conv with flipped kernel)" : "conv dW (MatMul per offset / im2col)";
                        case CONV_TRANSPOSE -> "conv dX, strided (ConvTranspose)";
                        case MATMUL, GEMM, PAD, CONCAT -> "conv dW (MatMul per offset / im2col)";
                        case REDUCE_SUM -> in0 != null && in0.op() == mcl.graph.Op.MATMUL ? "conv dW (MatMul per offset / im2col)" : "BN backward (closed form), upsample, loss";
                        case SLICE -> n.attrs() instanceof mcl.graph.ops.Movement.SliceInfo si && si.flip() ? "conv dX, stride 1 (Conv with flipped kernel)" : "conv dW (MatMul per offset / im2col)";
                        case TRANSPOSE -> graph.paramOf(n.inputs().get(0)) != null ? "conv dX, stride 1 (Conv with flipped kernel)" : "layout (Transpose/Reshape)";
                        case RESHAPE -> "layout (Transpose/Reshape)";
                        case WHERE, GREATER, CAST -> "ReLU backward";
                        case SCATTER_ELEMENTS, EXPAND -> "max-pool backward (ScatterElements)";
                        case ADD -> "fan-out accumulation (Add)";
                        default -> "BN backward (closed form), upsample, loss";
                    };
                }
                m.put(n.name(), rule);
            }
            return m;
        }

        public Map<String, String> opOfNode() {
            Map<String, String> m = new LinkedHashMap<>();
            for (Node n : graph.nodes()) m.put(n.name(), n.op().onnxName);
            return m;
        }
    }

    /**
     * @param stepSeconds      every timed repetition
     * @param foreignCpuSeconds CPU seconds other processes used during each repetition (0 = the machine was ours)
     * @param rssBeforeKib     the process's resident set just before the session was opened
     * @param peakRssKib       VmHWM of the process at the end (the JVM included)
     * @param profileFile      the ORT profile written, or null
     */
    public record Result(Config config, int nodes, int forwardNodes, int gradients, double[] stepSeconds, double[] foreignCpuSeconds,
                         long rssBeforeKib, long peakRssKib, Path profileFile, ProfileSummary profile) {
        public double median() { return Stats.median(stepSeconds); }

        public double min() { return Arrays.stream(stepSeconds).min().orElse(Double.NaN); }

        public double max() { return Arrays.stream(stepSeconds).max().orElse(Double.NaN); }
    }

    /** Body + FPN, the weighted-sum loss and "grad.<param>" outputs for every trainable parameter. */
    public static TrainingGraph trainingGraph(ResNet.Variant variant, int fpnChannels, int batch, int size) {
        Graph g = new Graph("bench_grad_" + variant.name());
        Nn nn = new Nn(g, BnMode.TRAIN);
        Tensor images = g.input(BackboneFpn.IMAGES, DType.FLOAT, batch, 3, size, size);
        List<Tensor> p = BackboneFpn.apply(nn, variant, fpnChannels, images);
        Tensor loss = null;
        for (int i = 0; i < p.size(); i++) {
            Tensor r = g.input("R." + BackboneFpn.LEVEL_NAMES.get(i), DType.FLOAT, p.get(i).shape());
            Tensor term = Reduce.sum(Elementwise.mul(p.get(i), r), false, 0, 1, 2, 3);
            loss = loss == null ? term : Elementwise.add(loss, term);
        }
        g.output("loss", loss);
        int forward = g.nodes().size();
        List<Param> trainable = g.params().stream().filter(Param::trainable).toList();
        Map<Tensor, Tensor> grads = Autodiff.gradients(loss, trainable.stream().map(Param::tensor).toList());
        for (Param q : trainable) g.output("grad." + q.name(), grads.get(q.tensor()));
        return new TrainingGraph(g, forward);
    }

    public static Result run(Config c) throws IOException {
        TrainingGraph tg = trainingGraph(c.variant(), c.fpnChannels(), c.batch(), c.size());
        Graph g = tg.graph();
        byte[] model = OnnxExport.toModel(g).toByteArray();
        Map<String, float[]> weights = Initializer.initialise(g.params(), 1);
        SplittableRandom rng = new SplittableRandom(7);
        List<FloatBuffer> keep = new ArrayList<>();

        System.gc();
        long rssBefore = ProcStatus.kib("VmRSS");
        double[] times = new double[c.reps()];
        double[] foreign = new double[c.reps()];
        try (GraphSession s = GraphSession.open(model, SessionConfig.cpu(c.threads()))) {
            bindAll(s, g, weights, rng, keep);
            weights = null;
            for (int i = 0; i < c.warmup(); i++) s.run().close();
            for (int i = 0; i < c.reps(); i++) {
                double f0 = ProcStatus.foreignCpuSeconds();
                long t0 = System.nanoTime();
                s.run().close();
                times[i] = (System.nanoTime() - t0) / 1e9;
                foreign[i] = ProcStatus.foreignSince(f0);
            }
        }
        long peak = ProcStatus.kib("VmHWM");
        keep.clear();

        Path profileFile = null;
        ProfileSummary summary = null;
        if (c.profile() != null) {
            profileFile = profiledRun(c, g, model, rng, keep);
            summary = ProfileSummary.read(profileFile, tg.passOfNode(), tg.ruleOfNode());
        }
        int nGrads = (int) g.outputs().keySet().stream().filter(k -> k.startsWith("grad.")).count();
        return new Result(c, g.nodes().size(), tg.forwardNodes(), nGrads, times, foreign, rssBefore, peak, profileFile, summary);
    }

    /**
     * Warm-up runs (at least two: ORT builds its memory pattern after the first run and allocates
     * the planned block in the second, which is much slower than the ones after) and one recorded
     * run in a profiling session; ORT writes the JSON on close, and the summary reads the last run.
     */
    private static Path profiledRun(Config c, Graph g, byte[] model, SplittableRandom rng, List<FloatBuffer> keep) throws IOException {
        Path target = c.profile().toAbsolutePath();
        Path dir = target.getParent() == null ? Path.of(".") : target.getParent();
        Files.createDirectories(dir);
        String prefix = dir.resolve("mcl_bench_profile").toString();
        long started = System.currentTimeMillis();
        Map<String, float[]> weights = Initializer.initialise(g.params(), 1);
        try (GraphSession s = GraphSession.open(model, SessionConfig.cpu(c.threads()).withProfiling(prefix))) {
            bindAll(s, g, weights, rng, keep);
            for (int i = 0; i < Math.max(2, c.warmup()) + 1; i++) s.run().close();
        }
        return ProfileSummary.moveWritten(prefix, started, target);
    }

    /** Weights from the initialisers, images and R uniform in [-1, 1); every output into its own direct buffer. */
    private static void bindAll(GraphSession s, Graph g, Map<String, float[]> weights, SplittableRandom rng, List<FloatBuffer> keep) {
        for (String name : s.inputNames()) {
            float[] v = weights.get(name);
            FloatBuffer b;
            if (v != null) {
                b = DirectBuffers.copyOf(v);
            } else {
                long n = Arrays.stream(s.shape(name)).reduce(1, Math::multiplyExact);
                b = DirectBuffers.floats(n);
                for (int i = 0; i < n; i++) b.put(i, (float) (rng.nextDouble() * 2 - 1));
            }
            keep.add(b);
            s.bindInput(name, b);
        }
        for (String name : s.outputNames()) {
            FloatBuffer b = DirectBuffers.floats(Arrays.stream(s.shape(name)).reduce(1, Math::multiplyExact));
            keep.add(b);
            s.bindOutput(name, b);
        }
    }

    /** Median of a sample (mean of the middle two for an even count). */
    public static final class Stats {
        private Stats() { }

        public static double median(double[] xs) {
            if (xs.length == 0) return Double.NaN;
            double[] s = xs.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }
    }
}
