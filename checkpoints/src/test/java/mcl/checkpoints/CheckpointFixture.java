package mcl.checkpoints;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.graph.Graph;
import mcl.graph.Param;
import mcl.graph.init.Init;
import mcl.graph.init.Initializer;
import mcl.graph.nn.BnMode;
import mcl.graphs.BackboneFpn;
import mcl.graphs.Preset;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;

/**
 * Writes the checkpoint layout the trainer will write (RUN/checkpoints/latest, step-NNNNNNNN/
 * {online,target}.safetensors, state.json) with random weights: the preset's backbone+FPN
 * parameters, the four box-head convs, and projector/predictor tensors that exports must drop.
 * Norm parameters and running statistics are random too (not 1/0), so a swapped or ignored BN
 * tensor changes results.
 */
public final class CheckpointFixture {
    private CheckpointFixture() { }

    /** The canonical names and shapes of everything an export may contain, in canonical order. */
    public static Map<String, long[]> exportableShapes(Preset preset) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Param p : backboneFpn(preset).params()) out.put(p.name(), p.shape());
        long head = preset.fpnChannels(); // the box head is as wide as the FPN
        for (int j = 0; j < 4; j++) {
            String m = "roi_heads.box_head." + j;
            out.put(m + ".0.weight", new long[] {head, head, 3, 3});
            for (String s : List.of("weight", "bias", "running_mean", "running_var")) out.put(m + ".1." + s, new long[] {head});
        }
        return out;
    }

    /** Random weights for every exportable tensor plus training-only projector/predictor tensors. */
    public static Map<String, HostTensor> weights(Preset preset, long seed, boolean withPredictor) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        Map<String, float[]> convInit = Initializer.initialise(backboneFpn(preset).params(), seed);
        for (var e : exportableShapes(preset).entrySet()) {
            String n = e.getKey();
            long[] shape = e.getValue();
            int numel = Math.toIntExact(mcl.graph.Shapes.numel(shape));
            SplittableRandom rng = Initializer.streamFor(seed + 1, n);
            float[] v;
            if (n.endsWith("running_var") || (shape.length == 1 && n.endsWith("weight"))) v = uniform(rng, numel, 0.5, 1.5);
            else if (shape.length == 1) v = uniform(rng, numel, -0.2, 0.2);
            else if (convInit.containsKey(n)) v = convInit.get(n);
            else v = new Init.KaimingNormalFanOut().sample(shape, rng);
            out.put(n, HostTensor.of(v, shape));
        }
        SplittableRandom rng = new SplittableRandom(seed);
        out.put("projector.0.weight", HostTensor.of(uniform(rng, 8 * 256, -1, 1), 8, 256));
        out.put("projector.1.running_var", HostTensor.of(uniform(rng, 8, 0.5, 1.5), 8));
        if (withPredictor) {
            for (int l = 0; l < 4; l++) out.put("predictor." + l + ".0.weight", HostTensor.of(uniform(rng, 8 * 256, -1, 1), 8, 256));
        }
        return out;
    }

    /** Writes RUN/checkpoints/step-NNNNNNNN (and "latest") and returns that checkpoint folder. */
    public static Path writeRun(Path run, Preset preset, long step, long seed) throws IOException {
        Path ckpts = run.resolve("checkpoints");
        Path dir = ckpts.resolve(String.format("step-%08d", step));
        Files.createDirectories(dir);
        SafeTensors.write(dir.resolve("online.safetensors"), weights(preset, seed, true), Map.of());
        SafeTensors.write(dir.resolve("target.safetensors"), weights(preset, seed + 1000, false), Map.of());
        Files.writeString(dir.resolve("state.json"),
                "{\"preset\": \"" + preset.name() + "\", \"step\": " + step + ", \"image_size\": 64, \"lr\": 0.5}\n");
        Files.writeString(ckpts.resolve("latest"), dir.getFileName() + "\n");
        return dir;
    }

    public static float[] uniform(SplittableRandom rng, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return a;
    }

    /** Names of {@code all} under any of the given prefixes. */
    public static List<String> namesUnder(Map<String, ?> all, String... prefixes) {
        List<String> out = new ArrayList<>();
        for (String n : all.keySet()) {
            for (String p : prefixes) {
                if (n.startsWith(p)) {
                    out.add(n);
                    break;
                }
            }
        }
        return out;
    }

    private static Graph backboneFpn(Preset preset) {
        return BackboneFpn.graph(preset, BnMode.EVAL, 1, 64);
    }
}
