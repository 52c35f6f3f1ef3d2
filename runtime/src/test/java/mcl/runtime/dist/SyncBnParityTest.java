package mcl.runtime.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.graph.OnnxExport;
import mcl.graph.Param;
import mcl.graphs.Preset;
import mcl.graphs.mcl.MatchMode;
import mcl.graphs.mcl.MclConfig;
import mcl.graphs.mcl.MclGraphs;
import mcl.graphs.mcl.ReferenceCase;
import mcl.runtime.ort.DirectBuffers;
import mcl.runtime.ort.GraphRunner;
import mcl.runtime.ort.SessionConfig;
import mcl.tensors.HostTensor;
import mcl.testing.Oracle;
import mcl.testing.TestWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Synchronized BN and gathered targets against PyTorch: two shards, each with its own montages,
 * run as stages in lockstep (BN statistics summed at the collective points, level-0 targets
 * gathered, tile labels offset by the shard), must compute what the float64 PyTorch reference
 * computes on the global batch in one piece (plain BN over both shards' montages, every tile
 * scored against all targets): the mean loss, the mean gradients, the BN statistics, the targets.
 */
class SyncBnParityTest {
    private static final int SHARDS = 2;
    private static final int B = 8;

    @TempDir
    Path dir;

    @Test
    void twoSyncBnShardsMatchThePytorchReferenceOnTheGlobalBatch() throws Exception {
        Oracle.require();
        int levels = 3;
        int size = 64;
        int[] montages = {B, 2, 1};
        MclConfig shard = new MclConfig(Preset.named("tiny"), levels, MatchMode.A, B, size, montages, 1.0, MclConfig.defaultWeights(levels), SHARDS, SHARDS);
        MclGraphs.Built built = MclGraphs.build(shard);
        byte[] onlineModel = OnnxExport.toModel(built.online()).toByteArray();
        byte[] targetModel = OnnxExport.toModel(built.target()).toByteArray();
        Map<String, HostTensor> onlineWeights = TestWeights.random(built.online().params(), 3);
        Map<String, HostTensor> targetWeights = TestWeights.random(built.target().params(), 4);

        // Per shard: its montages and tiles (labels of its own images 0..B-1).
        SplittableRandom rng = new SplittableRandom(11);
        List<Map<String, HostTensor>> in = new ArrayList<>();
        for (int s = 0; s < SHARDS; s++) {
            Map<String, HostTensor> m = new LinkedHashMap<>();
            for (int v = 1; v <= 2; v++) {
                for (int l = 0; l < levels; l++) {
                    long[] shape = {montages[l], 3, size, size};
                    m.put(MclGraphs.images(v, l), HostTensor.of(TestWeights.uniform(rng, (int) (montages[l] * 3L * size * size), -2, 2), shape));
                    m.put(MclGraphs.tiles(v, l), HostTensor.ofLongs(TestWeights.tileLayout(rng, shard.tiles(l), B, l == 0), shard.tiles(l)));
                }
            }
            in.add(m);
        }

        Map<String, HostTensor> ours = new LinkedHashMap<>();
        Map<String, HostTensor> globalInputs = new LinkedHashMap<>();
        List<GraphRunner> targets = new ArrayList<>();
        List<GraphRunner> onlines = new ArrayList<>();
        try {
            for (int s = 0; s < SHARDS; s++) {
                targets.add(StagedSession.open(targetModel, SessionConfig.cpu(1), Communicator.SINGLE));
                onlines.add(StagedSession.open(onlineModel, SessionConfig.cpu(1), Communicator.SINGLE));
                bindWeights(targets.get(s), targetWeights);
                bindWeights(onlines.get(s), onlineWeights);
            }
            // target_forward per view, both shards in lockstep; shard outputs concatenated = gathered.
            for (int v = 1; v <= 2; v++) {
                List<Map<String, FloatBuffer>> outs = new ArrayList<>();
                for (int s = 0; s < SHARDS; s++) {
                    GraphRunner t = targets.get(s);
                    t.bindInput("images", DirectBuffers.copyOf(in.get(s).get(MclGraphs.images(v, 0)).floats()));
                    outs.add(bindOutputs(t));
                }
                StagedSession.runTogether(targets);
                HostTensor gathered = concat(outs.get(0).get("target"), outs.get(1).get("target"), SHARDS * B, shard.preset().embeddingDim());
                globalInputs.put(MclGraphs.target(v, 0), gathered);
                ours.put("target" + v + ":target", gathered);
                for (var e : outs.get(0).entrySet()) {
                    if (!e.getKey().equals("target")) ours.put("target" + v + ":" + e.getKey(), HostTensor.of(floats(e.getValue()), e.getValue().capacity()));
                }
            }
            // online_train: each shard its montages, tiles offset to its rows of the gathered targets.
            List<Map<String, FloatBuffer>> outs = new ArrayList<>();
            for (int s = 0; s < SHARDS; s++) {
                GraphRunner o = onlines.get(s);
                for (int v = 1; v <= 2; v++) {
                    for (int l = 0; l < levels; l++) {
                        o.bindInput(MclGraphs.images(v, l), DirectBuffers.copyOf(in.get(s).get(MclGraphs.images(v, l)).floats()));
                        long[] t = in.get(s).get(MclGraphs.tiles(v, l)).longs().clone();
                        for (int i = 0; i < t.length; i++) t[i] += (long) s * B;
                        LongBuffer tb = DirectBuffers.longs(t.length);
                        tb.put(0, t);
                        o.bindInput(MclGraphs.tiles(v, l), tb);
                    }
                    o.bindInput(MclGraphs.target(v, 0), DirectBuffers.copyOf(globalInputs.get(MclGraphs.target(v, 0)).floats()));
                }
                outs.add(bindOutputs(o));
            }
            StagedSession.runTogether(onlines);
            for (String name : outs.get(0).keySet()) {
                float[] a = floats(outs.get(0).get(name));
                float[] b = floats(outs.get(1).get(name));
                boolean perShard = name.equals("loss") || name.startsWith("loss.") || name.startsWith("grad.") || name.startsWith("stats.");
                // loss, gradients and cosine means: the mean over shards; BN statistics: global already (shard 0's)
                if (perShard) for (int i = 0; i < a.length; i++) a[i] = (a[i] + b[i]) / 2;
                ours.put(name, HostTensor.of(a, a.length));
            }
        } finally {
            targets.forEach(GraphRunner::close);
            onlines.forEach(GraphRunner::close);
        }

        // The reference's case: the global batch in one piece (both shards' montages, labels global).
        for (int v = 1; v <= 2; v++) {
            for (int l = 0; l < levels; l++) {
                float[] a = in.get(0).get(MclGraphs.images(v, l)).floats();
                float[] b = in.get(1).get(MclGraphs.images(v, l)).floats();
                float[] both = new float[a.length + b.length];
                System.arraycopy(a, 0, both, 0, a.length);
                System.arraycopy(b, 0, both, a.length, b.length);
                globalInputs.put(MclGraphs.images(v, l), HostTensor.of(both, 2L * montages[l], 3, size, size));
                long[] ta = in.get(0).get(MclGraphs.tiles(v, l)).longs();
                long[] tb = in.get(1).get(MclGraphs.tiles(v, l)).longs();
                long[] tt = new long[ta.length + tb.length];
                System.arraycopy(ta, 0, tt, 0, ta.length);
                for (int i = 0; i < tb.length; i++) tt[ta.length + i] = tb[i] + B;
                globalInputs.put(MclGraphs.tiles(v, l), HostTensor.ofLongs(tt, tt.length));
            }
        }
        int[] globalMontages = montages.clone();
        for (int l = 0; l < levels; l++) globalMontages[l] *= SHARDS;
        MclConfig global = MclConfig.of(Preset.named("tiny"), levels, MatchMode.A, SHARDS * B, size, globalMontages);
        ReferenceCase.write(dir, global, onlineWeights, targetWeights, globalInputs, ours);
        String report = Oracle.run("mcl_reference.py", "check", dir.toString()); // fails the test on any tensor beyond 1e-4
        assertTrue(report.contains("\"within_tol\""), report);
    }

    private static void bindWeights(GraphRunner s, Map<String, HostTensor> w) {
        for (String n : s.inputNames()) if (w.containsKey(n)) s.bindInput(n, DirectBuffers.copyOf(w.get(n).floats()));
    }

    private static Map<String, FloatBuffer> bindOutputs(GraphRunner s) {
        Map<String, FloatBuffer> out = new LinkedHashMap<>();
        for (String o : s.outputNames()) {
            long n = 1;
            for (long d : s.shape(o)) n *= d;
            FloatBuffer f = DirectBuffers.floats(n);
            s.bindOutput(o, f);
            out.put(o, f);
        }
        return out;
    }

    private static float[] floats(FloatBuffer f) {
        float[] a = new float[f.capacity()];
        f.get(0, a);
        return a;
    }

    private static HostTensor concat(FloatBuffer a, FloatBuffer b, long rows, long cols) {
        float[] x = new float[a.capacity() + b.capacity()];
        a.get(0, x, 0, a.capacity());
        b.get(0, x, a.capacity(), b.capacity());
        return HostTensor.of(x, rows, cols);
    }
}
