package mcl.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.Tensor;
import mcl.graph.autodiff.Autodiff;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Reduce;

/**
 * Central finite-difference check of autodiff gradients, run in ONNX Runtime.
 *
 * <p>The function under test is reduced to a scalar with fixed random weights, L = sum(f(x) * R),
 * so every output element matters. In float64, h = 1e-6 leaves a truncation error ~h^2 and a
 * rounding error ~1e-16/h, far below the 1e-6 tolerance. In float32 (ops ORT runs only in float),
 * h = 1e-2 balances truncation (~1e-4 * f''') against rounding (~6e-8 * |L| / h), so a 2e-2 relative
 * tolerance is a loose but still failing bound: a wrong rule is off by O(1).
 */
public final class GradCheck {
    private GradCheck() { }

    public record Spec(DType dtype, double h, double tol, int probes) {
        public static Spec float64() { return new Spec(DType.DOUBLE, 1e-6, 1e-6, 8); }

        public static Spec float32() { return new Spec(DType.FLOAT, 1e-2, 2e-2, 8); }
    }

    /** Values for each input; {@code null} means uniform in [-1, 1]. */
    public static void check(String what, Spec spec, BiFunction<Graph, List<Tensor>, Tensor> f, List<double[]> values, long[]... shapes) {
        Graph g = new Graph(what);
        List<Tensor> xs = new ArrayList<>();
        for (int i = 0; i < shapes.length; i++) xs.add(g.input("x" + i, spec.dtype(), shapes[i]));
        Tensor y = f.apply(g, xs);
        SplittableRandom rng = new SplittableRandom(what.hashCode());
        double[] r = uniform(rng, (int) y.numel(), -1, 1);
        Tensor rt = spec.dtype() == DType.DOUBLE ? g.constant(r, y.shape()) : g.constant(toFloat(r), y.shape());
        int[] all = new int[y.rank()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        Tensor prod = Elementwise.mul(y, rt);
        Tensor loss = all.length == 0 ? prod : Reduce.sum(prod, false, all);
        g.output("loss", loss);
        // Parameters the function declares (e.g. BN gamma/beta) are checked like inputs.
        List<Tensor> wrt = new ArrayList<>(xs);
        List<String> names = new ArrayList<>();
        List<long[]> allShapes = new ArrayList<>(List.of(shapes));
        for (int i = 0; i < xs.size(); i++) names.add("x" + i);
        for (var p : OnnxExport.usedParams(g)) {
            wrt.add(p.tensor());
            names.add(p.name());
            allShapes.add(p.shape());
        }
        Map<Tensor, Tensor> grads = Autodiff.gradients(loss, wrt);
        for (int i = 0; i < wrt.size(); i++) g.output("grad" + i, grads.get(wrt.get(i)));
        byte[] model = OnnxExport.toModel(g).toByteArray();

        List<double[]> in = new ArrayList<>();
        for (int i = 0; i < wrt.size(); i++) {
            double[] v = values != null && i < values.size() && values.get(i) != null ? values.get(i)
                    : i < xs.size() ? uniform(rng, (int) wrt.get(i).numel(), -1, 1) : uniform(rng, (int) wrt.get(i).numel(), 0.5, 1.5);
            in.add(v.clone());
        }
        try (Runner run = new Runner(model, spec.dtype(), names, allShapes.toArray(new long[0][]))) {
            Map<String, double[]> base = run.run(in);
            for (int i = 0; i < wrt.size(); i++) {
                double[] analytic = base.get("grad" + i);
                for (int p = 0; p < spec.probes(); p++) {
                    int k = rng.nextInt(analytic.length);
                    double keep = in.get(i)[k];
                    in.get(i)[k] = keep + spec.h();
                    double lp = run.run(in).get("loss")[0];
                    in.get(i)[k] = keep - spec.h();
                    double lm = run.run(in).get("loss")[0];
                    in.get(i)[k] = keep;
                    double numeric = (lp - lm) / (2 * spec.h());
                    double err = Math.abs(numeric - analytic[k]) / Math.max(1.0, Math.abs(numeric));
                    assertTrue(err <= spec.tol(), String.format("%s: d loss/d %s[%d]: autodiff %.8g, finite difference %.8g (err %.3g > %.1g)",
                            what, names.get(i), k, analytic[k], numeric, err, spec.tol()));
                }
            }
        }
    }

    private static double[] uniform(SplittableRandom rng, int n, double lo, double hi) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.nextDouble();
        return a;
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    /** Runs the model on double arrays, converting to and from float32 when the graph is float. */
    private static final class Runner implements AutoCloseable {
        private final OrtEnvironment env = OrtEnvironment.getEnvironment();
        private final OrtSession session;
        private final DType dtype;
        private final long[][] shapes;
        private final List<String> names;

        Runner(byte[] model, DType dtype, List<String> names, long[][] shapes) {
            this.dtype = dtype;
            this.shapes = shapes;
            this.names = names;
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setIntraOpNumThreads(1);
                session = env.createSession(model, o);
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            }
        }

        Map<String, double[]> run(List<double[]> inputs) {
            Map<String, OnnxTensor> feed = new HashMap<>();
            try {
                for (int i = 0; i < inputs.size(); i++) {
                    feed.put(names.get(i), dtype == DType.DOUBLE
                            ? OnnxTensor.createTensor(env, DoubleBuffer.wrap(inputs.get(i)), shapes[i])
                            : OnnxTensor.createTensor(env, FloatBuffer.wrap(toFloat(inputs.get(i))), shapes[i]));
                }
                Map<String, double[]> out = new HashMap<>();
                try (OrtSession.Result r = session.run(feed)) {
                    for (var e : r) {
                        OnnxTensor t = (OnnxTensor) e.getValue();
                        double[] d;
                        if (dtype == DType.DOUBLE) {
                            DoubleBuffer b = t.getDoubleBuffer();
                            d = new double[b.remaining()];
                            b.get(d);
                        } else {
                            FloatBuffer b = t.getFloatBuffer();
                            d = new double[b.remaining()];
                            for (int k = 0; k < d.length; k++) d[k] = b.get(k);
                        }
                        out.put(e.getKey(), d);
                    }
                }
                return out;
            } catch (OrtException e) {
                throw new IllegalStateException("ORT: " + e.getMessage(), e);
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }

        @Override
        public void close() {
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
