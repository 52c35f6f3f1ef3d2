package mcl.runtime.validate;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import mcl.tensors.HostTensor;

/**
 * Finite-difference spot check of a training graph's {@code grad.<param>} outputs against its
 * {@code loss}: for a few entries, central differences (L(x+h) - L(x-h)) / (x+h - x-h), with
 * the step measured after rounding x+-h to float32.
 *
 * <p>Tolerances (float32): |fd - g| <= RTOL * max(|g|, |fd|) + NOISE. The loss carries a
 * relative rounding error of about EPS_LOSS (1e-6, ~16 ulp: a few hundred float32 additions in
 * its reductions), which turns into an absolute error of up to 2 * EPS_LOSS * |L| / (2h) in the
 * difference quotient; NOISE is four times that. RTOL = 2e-2 covers the O(h^2) truncation error
 * of central differences; a wrong rule is off by O(1) (a lost factor, a sign, a transpose). When
 * an entry fails at h it is retried at h / 10 with RETRY_RTOL = 0.1, so ReLU kinks inside
 * [x-h, x+h] do not raise a false alarm: a stem conv weight moves every activation of the batch,
 * and at batch 64 and T = 0.2 (the tiny preset) enough of them cross a kink at h / 10 to bend the
 * quotient by 4.5 % (measured; the same graph agrees with PyTorch autograd in MclGraphParityTest).
 * 0.1 still fails a factor of 2 (a relative difference of 0.5). A smaller h would not do: its
 * rounding noise hides such errors in small entries.
 */
final class GradientCheck {
    static final double EPS_LOSS = 1e-6;
    static final double RTOL = 2e-2;
    static final double RETRY_RTOL = 0.1;
    static final double H = 1e-2;

    record Entry(String param, int index, double analytic, double numeric, double step, boolean ok) {
        String describe() {
            return String.format("d loss / d %s[%d]: grad output %.6g, central difference %.6g (h=%.1g)", param, index, analytic, numeric, step);
        }
    }

    private GradientCheck() { }

    /**
     * Checks {@code entries} entries spread over the gradient outputs (each output's largest
     * |g| first, then deterministic random entries). {@code base} is the feed the graph ran with;
     * {@code grads} its gradient outputs.
     */
    static List<Entry> run(OrtRunner ort, Map<String, HostTensor> base, Map<String, double[]> grads, int entries) throws OrtException {
        List<Entry> out = new ArrayList<>();
        List<String> params = new ArrayList<>(grads.keySet());
        if (params.isEmpty() || entries <= 0) return out;
        SplittableRandom rng = new SplittableRandom(7);
        Map<String, Integer> taken = new LinkedHashMap<>();
        for (int k = 0; k < entries; k++) {
            String param = params.get(k % params.size());
            double[] g = grads.get(param);
            int nth = taken.merge(param, 1, Integer::sum);
            int index = nth == 1 ? argmaxAbs(g) : rng.nextInt(g.length);
            out.add(check(ort, base, param, index, g[index]));
        }
        return out;
    }

    private static Entry check(OrtRunner ort, Map<String, HostTensor> base, String param, int index, double analytic) throws OrtException {
        HostTensor x = base.get(param);
        float x0 = x.floats()[index];
        Entry last = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            double h = (attempt == 0 ? H : H / 10) * Math.max(1, Math.abs(x0));
            double rtol = attempt == 0 ? RTOL : RETRY_RTOL;
            float up = (float) (x0 + h);
            float down = (float) (x0 - h);
            double lUp = loss(ort, base, param, index, up);
            double lDown = loss(ort, base, param, index, down);
            double step = (double) up - down;
            double numeric = (lUp - lDown) / step;
            double noise = 4 * 2 * EPS_LOSS * Math.max(Math.abs(lUp), Math.abs(lDown)) / step;
            boolean ok = Math.abs(numeric - analytic) <= rtol * Math.max(Math.abs(analytic), Math.abs(numeric)) + noise;
            last = new Entry(param, index, analytic, numeric, h, ok);
            if (ok) break;
        }
        return last;
    }

    private static double loss(OrtRunner ort, Map<String, HostTensor> base, String param, int index, float value) throws OrtException {
        HostTensor x = base.get(param);
        float[] v = x.floats().clone();
        v[index] = value;
        Map<String, HostTensor> feed = new LinkedHashMap<>(base);
        feed.put(param, HostTensor.of(v, x.shape()));
        return ort.run(feed, Set.of(StructureCheck.LOSS)).get(StructureCheck.LOSS).data()[0];
    }

    private static int argmaxAbs(double[] g) {
        int best = 0;
        for (int i = 1; i < g.length; i++) {
            if (Math.abs(g[i]) > Math.abs(g[best])) best = i;
        }
        return best;
    }
}
