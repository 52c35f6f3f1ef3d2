package mcl.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.runtime.ort.DirectBuffers;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;
import mcl.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Clipping, LARS, EMA and both schedules against oracle/train_optim.py (PyTorch, written from the recipe). */
class OptimParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** name, shape, LARS+weight decay apply, initial scale (0 = a zero tensor: LARS's 0/0 case). */
    private record Spec(String name, long[] shape, boolean lars, double scale) { }

    private static final List<Spec> SPECS = List.of(
            new Spec("conv.weight", new long[] {16, 8, 3, 3}, true, 0.1),
            new Spec("fc.weight", new long[] {10, 32}, true, 0.5),
            new Spec("bn.weight", new long[] {16}, false, 1.0),
            new Spec("fc.bias", new long[] {10}, false, 0.05),
            new Spec("zero.weight", new long[] {4, 4}, true, 0.0));

    @TempDir
    Path dir;

    @Test
    void clipLarsEmaAndSchedulesMatchPyTorch() throws Exception {
        int steps = 4;
        long total = 6;
        long warmup = 2;
        double base = 0.5;
        double clip = 3.0;
        Lars.Settings settings = new Lars.Settings(0.9, 0.001, 1e-2); // a large wd so that its term is visible
        Schedule lr = Schedule.warmupCosine(base, 1e-4, warmup, 1e-4, total);
        Schedule ema = Schedule.emaMomentum(0.99, total);

        SplittableRandom rng = new SplittableRandom(7);
        List<Trainable> params = new ArrayList<>();
        List<Ema.Pair> pairs = new ArrayList<>();
        Map<String, HostTensor> init = new LinkedHashMap<>();
        for (Spec s : SPECS) {
            int n = (int) mcl.graph.Shapes.numel(s.shape);
            float[] w = gaussian(rng, n, s.scale);
            float[] t = gaussian(rng, n, s.scale);
            init.put(s.name, HostTensor.of(w, s.shape));
            init.put("target." + s.name, HostTensor.of(t, s.shape));
            Trainable p = new Trainable(s.name, DirectBuffers.copyOf(w), DirectBuffers.floats(n), s.lars, s.lars);
            params.add(p);
            pairs.add(new Ema.Pair(s.name, p.value(), DirectBuffers.copyOf(t)));
        }
        Lars lars = new Lars(params, settings);
        Ema target = new Ema(pairs);

        Map<String, HostTensor> grads = new LinkedHashMap<>();
        ArrayNode norms = JSON.createArrayNode();
        int clipped = 0;
        for (int k = 0; k < steps; k++) {
            double gscale = k == 1 ? 5.0 : 0.05; // step 1 exceeds the clip norm, the others do not
            for (Trainable p : params) {
                float[] g = gaussian(rng, p.size(), gscale);
                grads.put("step" + k + "." + p.name(), HostTensor.of(g, shapeOf(p.name())));
                p.grad().put(0, g).rewind();
            }
            double norm = GradClip.globalNorm(params);
            norms.add(norm);
            if (norm > clip) clipped++;
            GradClip.clip(params, norm, clip);
            lars.step(lr.at(k));
            target.update(ema.at(k));
        }
        assertEquals(1, clipped, "the case must exercise clipping exactly once");

        Map<String, HostTensor> java = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Trainable p = params.get(i);
            long[] shape = shapeOf(p.name());
            java.put("value." + p.name(), HostTensor.of(floats(p.value()), shape));
            java.put("target." + p.name(), HostTensor.of(floats(pairs.get(i).target()), shape));
            java.put("momentum." + p.name(), HostTensor.of(floats(lars.state().get(p.name() + ".momentum")), shape));
        }
        // Something moved, and the zero tensor moved by its gradient alone (LARS 0/0 guard).
        assertTrue(floats(params.get(4).value())[0] != 0f);

        ObjectNode c = JSON.createObjectNode();
        c.put("steps", steps);
        c.put("clip", clip);
        c.put("tolerance", 1e-6);
        c.set("grad_norms", norms);
        ArrayNode names = c.putArray("params");
        ObjectNode larsFlags = c.putObject("lars");
        for (Spec s : SPECS) {
            names.add(s.name);
            larsFlags.put(s.name, s.lars);
        }
        ObjectNode st = c.putObject("settings");
        st.put("momentum", settings.momentum());
        st.put("eta", settings.eta());
        st.put("weight_decay", settings.weightDecay());
        ArrayNode schedules = c.putArray("schedules");
        schedules.add(schedule("case", base, 1e-4, warmup, 1e-4, total, 0.99, new long[] {0, 1, 2, 3, 5, 6}));
        // The paper's ImageNet run: batch 4096 (lr 16), 10 warm-up epochs of 100, 1251 steps per epoch.
        long spe = 1251;
        schedules.add(schedule("imagenet", Schedule.scaledLr(1.0, 4096), 1e-4, 10 * spe, 1e-4, 100 * spe, 0.99,
                new long[] {0, 1, 625, 10 * spe - 1, 10 * spe, 10 * spe + 1, 50 * spe, 100 * spe - 1, 100 * spe}));

        SafeTensors.write(dir.resolve("init.safetensors"), init, Map.of());
        SafeTensors.write(dir.resolve("grads.safetensors"), grads, Map.of());
        SafeTensors.write(dir.resolve("java.safetensors"), java, Map.of());
        JSON.writeValue(dir.resolve("case.json").toFile(), c);
        String out = Oracle.run("train_optim.py", dir.toString());
        assertTrue(out.contains("OK"), out);
    }

    @Test
    void scheduleValuesAtChosenSteps() {
        Schedule lr = Schedule.warmupCosine(16, 1e-4, 100, 1e-4, 1000);
        assertEquals(16 * 1e-4, lr.at(0), 1e-15);                       // warm-up starts at ratio * lr
        double cos50 = 1e-4 + 0.5 * (16 - 1e-4) * (Math.cos(Math.PI * 0.05) + 1);
        assertEquals(cos50 * (1 - 0.5 * (1 - 1e-4)), lr.at(50), 1e-12); // half-way up, on the cosine
        assertEquals(1e-4 + 0.5 * (16 - 1e-4) * (Math.cos(Math.PI * 0.1) + 1), lr.at(100), 1e-12);
        assertEquals(1e-4 + 0.5 * (16 - 1e-4), lr.at(500), 1e-12);      // cosine mid-point
        assertEquals(1e-4, lr.at(1000), 1e-15);                          // the floor
        assertEquals(1.0, Schedule.scaledLr(1.0, 256), 0);
        assertEquals(16.0, Schedule.scaledLr(1.0, 4096), 0);
        Schedule m = Schedule.emaMomentum(0.99, 1000);
        assertEquals(0.99, m.at(0), 1e-15);
        assertEquals(0.995, m.at(500), 1e-15);
        assertEquals(1.0, m.at(1000), 0);
        assertTrue(m.at(999) < 1 && m.at(999) > m.at(998));
    }

    private static ObjectNode schedule(String name, double base, double floor, long warmup, double ratio, long total, double emaBase, long[] steps) {
        Schedule lr = Schedule.warmupCosine(base, floor, warmup, ratio, total);
        Schedule m = Schedule.emaMomentum(emaBase, total);
        ObjectNode o = JSON.createObjectNode();
        o.put("name", name);
        o.put("base", base);
        o.put("floor", floor);
        o.put("warmup", warmup);
        o.put("warmup_ratio", ratio);
        o.put("total", total);
        o.put("ema_base", emaBase);
        ArrayNode s = o.putArray("steps");
        ArrayNode l = o.putArray("lr");
        ArrayNode e = o.putArray("ema");
        for (long k : steps) {
            s.add(k);
            l.add(lr.at(k));
            e.add(m.at(k));
        }
        return o;
    }

    private static long[] shapeOf(String name) {
        return SPECS.stream().filter(s -> s.name.equals(name)).findFirst().orElseThrow().shape;
    }

    private static float[] gaussian(SplittableRandom rng, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (mcl.graph.init.Init.gaussian(rng) * scale);
        return a;
    }

    private static float[] floats(FloatBuffer b) {
        float[] a = new float[b.capacity()];
        b.get(0, a);
        return a;
    }
}
