package mcl.runtime.train;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import mcl.data.montage.MontageBatch;
import mcl.runtime.dist.Communicator;
import mcl.runtime.dist.StagedSession;
import mcl.runtime.ort.DirectBuffers;
import mcl.runtime.ort.GraphRunner;
import mcl.runtime.ort.SessionConfig;

/**
 * One shard's instance of the training graphs and the buffers it reads and writes: its montages
 * and tiles, target_forward's embeddings and batch statistics per view, online_train's outputs.
 * The weights and the gathered targets ({@link Gathered}) are shared by a process's shards.
 */
final class ShardGraphs implements AutoCloseable {
    /** Per view, the online graph's target inputs: every shard's embeddings, [shards x b, D]. */
    static final class Gathered {
        final FloatBuffer[] level0 = new FloatBuffer[2];
        /** Matching modes b-d also contrast with the target's embeddings of the montage levels. */
        final List<Map<Integer, FloatBuffer>> levels = List.of(new TreeMap<>(), new TreeMap<>());
    }

    final GraphRunner online;
    final GraphRunner target;
    final FloatBuffer[][] images;
    final LongBuffer[][] tiles;
    /** Per view, target_forward's embeddings of this shard's images, [b, D]. */
    final FloatBuffer[] targetOut = new FloatBuffer[2];
    final List<Map<Integer, FloatBuffer>> targetLevelsOut = List.of(new TreeMap<>(), new TreeMap<>());
    /** Per view, target_forward's batch statistics (kept apart so a skipped step can drop them). */
    final List<Map<String, FloatBuffer>> targetStats = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
    final Map<String, FloatBuffer> onlineOut = new LinkedHashMap<>();
    /** online_train's weight gradients, all of them, one after another in name order. */
    final FloatBuffer gradients;
    private final int levels;

    /** ORT names a profile by prefix and the second it started: one prefix per graph keeps the two sessions' files apart. */
    private static SessionConfig profiled(SessionConfig session, String graph) {
        return session.profilePrefix() == null ? session : session.withProfiling(session.profilePrefix() + "_" + graph);
    }

    ShardGraphs(GraphBundle graphs, SessionConfig session, Communicator comm, Weights onlineWeights, Weights targetWeights,
                Gathered gathered, int shards) {
        levels = graphs.manifest().levels();
        online = StagedSession.open(graphs.onlineTrain(), profiled(session, "online_train"), comm);
        try {
            target = StagedSession.open(graphs.targetForward(), profiled(session, "target_forward"), comm);
        } catch (RuntimeException e) {
            online.close();
            throw e;
        }
        images = new FloatBuffer[2][levels];
        tiles = new LongBuffer[2][levels];
        for (int v = 0; v < 2; v++) {
            for (int l = 0; l < levels; l++) {
                String p = "view" + (v + 1) + ".level" + l;
                images[v][l] = DirectBuffers.floats(numel(online.shape(p + ".images")));
                tiles[v][l] = DirectBuffers.longs(numel(online.shape(p + ".tiles")));
                online.bindInput(p + ".images", images[v][l]);
                online.bindInput(p + ".tiles", tiles[v][l]);
            }
            String name = "view" + (v + 1) + ".target";
            if (gathered.level0[v] == null) gathered.level0[v] = DirectBuffers.floats(numel(online.shape(name)));
            online.bindInput(name, gathered.level0[v]);
            targetOut[v] = DirectBuffers.floats(gathered.level0[v].capacity() / shards);
            for (int l = 1; l < levels; l++) {
                String n = name + ".level" + l;
                if (!online.inputNames().contains(n)) continue;
                FloatBuffer all = gathered.levels.get(v).computeIfAbsent(l, x -> DirectBuffers.floats(numel(online.shape(n))));
                online.bindInput(n, all);
                targetLevelsOut.get(v).put(l, DirectBuffers.floats(all.capacity() / shards));
            }
        }
        bindWeights(online, onlineWeights, "online_train.onnx");
        bindWeights(target, targetWeights, "target_forward.onnx");
        // Every gradient is a slice of one buffer, laid out in name order (the same on every rank),
        // so a step sums the shards' gradients in one pass and all-reduces them as one buffer,
        // which the communicator cuts into buckets.
        List<String> grads = online.outputNames().stream().filter(n -> n.startsWith("grad.")).sorted().toList();
        long total = 0;
        for (String g : grads) total += numel(online.shape(g));
        gradients = DirectBuffers.floats(total);
        int off = 0;
        for (String g : grads) {
            int n = Math.toIntExact(numel(online.shape(g)));
            FloatBuffer b = gradients.slice(off, n);
            off += n;
            online.bindOutput(g, b);
            onlineOut.put(g, b);
        }
        for (String out : online.outputNames()) {
            if (out.startsWith("grad.")) continue;
            FloatBuffer b = DirectBuffers.floats(numel(online.shape(out)));
            online.bindOutput(out, b);
            onlineOut.put(out, b);
        }
        for (String out : target.outputNames()) {
            if (out.startsWith("target")) continue;
            for (int v = 0; v < 2; v++) targetStats.get(v).put(out, DirectBuffers.floats(numel(target.shape(out))));
        }
    }

    /** Points target_forward at view {@code v} (0 or 1): its montages in, its embeddings and statistics out. */
    void bindTargetView(int v) {
        target.bindInput("images", images[v][0]);
        target.bindOutput("target", targetOut[v]);
        for (var e : targetLevelsOut.get(v).entrySet()) {
            int l = e.getKey();
            target.bindInput("level" + l + ".images", images[v][l]);
            target.bindInput("level" + l + ".tiles", tiles[v][l]);
            target.bindOutput("target.level" + l, e.getValue());
        }
        targetStats.get(v).forEach(target::bindOutput);
    }

    /** Copies this shard's embeddings of view {@code v} into its rows of the gathered targets. */
    void intoGathered(Gathered g, int v, int shard) {
        g.level0[v].put(shard * targetOut[v].capacity(), targetOut[v], 0, targetOut[v].capacity());
        for (var e : targetLevelsOut.get(v).entrySet()) {
            FloatBuffer part = e.getValue();
            g.levels.get(v).get(e.getKey()).put(shard * part.capacity(), part, 0, part.capacity());
        }
    }

    void copyIn(MontageBatch batch, int batchSize, int size) {
        if (batch.levels() != levels || batch.size() != size || batch.batchSize() != batchSize) {
            throw new IllegalArgumentException("the batch (size " + batch.size() + ", batch " + batch.batchSize() + ", " + batch.levels()
                    + " levels) does not fit the graphs (size " + size + ", batch " + batchSize + ", " + levels + " levels)");
        }
        for (int v = 0; v < 2; v++) {
            for (int l = 0; l < levels; l++) {
                images[v][l].put(0, batch.images(v + 1, l));
                tiles[v][l].put(0, batch.tiles(v + 1, l));
            }
        }
    }

    /** Tiles name images of the shard; the online graph scores them against the gathered targets, where the shard's rows start at {@code offset}. */
    void offsetTiles(long offset) {
        if (offset == 0) return;
        for (int v = 0; v < 2; v++) {
            for (int l = 0; l < levels; l++) {
                LongBuffer t = tiles[v][l];
                for (int k = 0, n = t.capacity(); k < n; k++) t.put(k, t.get(k) + offset);
            }
        }
    }

    private static void bindWeights(GraphRunner s, Weights w, String graph) {
        for (String in : s.inputNames()) {
            if (in.startsWith("view") || in.equals("images") || in.startsWith("level")) continue;
            if (!w.has(in)) throw new IllegalArgumentException(graph + " reads '" + in + "', which manifest.json does not list as a parameter");
            long need = numel(s.shape(in));
            if (w.get(in).capacity() != need) {
                throw new IllegalArgumentException(graph + ": input '" + in + "' has " + need + " elements, the manifest's shape " + w.get(in).capacity());
            }
            s.bindInput(in, w.get(in));
        }
    }

    static long numel(long[] shape) { return mcl.graph.Shapes.numel(shape); }

    @Override
    public void close() {
        online.close();
        target.close();
    }
}
