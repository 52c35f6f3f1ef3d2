package mcl.runtime.train;

import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mcl.data.montage.MontageBatch;
import mcl.runtime.optim.Ema;
import mcl.runtime.optim.GradClip;
import mcl.runtime.optim.Lars;
import mcl.runtime.optim.Optimizer;
import mcl.runtime.optim.Trainable;
import mcl.runtime.dist.Communicator;
import mcl.runtime.ort.DirectBuffers;
import mcl.runtime.ort.GraphSession;
import mcl.runtime.ort.SessionConfig;
import mcl.tensors.HostTensor;

/**
 * One MCL training step on ONNX Runtime: target_forward on both views, online_train, gradient
 * exchange, global-norm clipping, LARS, EMA of the target and BN running statistics.
 *
 * <p>Data parallel, as the authors' released code runs it: the global batch is split into
 * shards (the graphs' {@code shards}), held by the job's processes ({@link Communicator}) and,
 * within a process, run one after another ({@code mcl pretrain --shards N}, which reproduces an
 * N-process run in one). Each shard's montages come from its own images; the level-0 targets of
 * all shards are gathered, so every tile is scored against the whole global batch with its
 * global label; the gradients and the reported losses are averaged over shards. BN statistics
 * are per shard, and the running buffers follow shard 0 of each process (rank 0's are the
 * checkpoint's, like DDP's broadcast buffers).
 *
 * <p>Every graph input and output is bound once to a direct buffer: the weights ORT reads are the
 * buffers the optimiser updates, and the gradients it writes are the buffers the optimiser reads,
 * so a step copies nothing but the batch's pixels. A step whose loss or gradient is not finite
 * updates nothing (weights, momentum, target and BN buffers stay as they were).
 */
public final class Trainer implements AutoCloseable {
    private final Manifest manifest;
    private final Weights online;
    private final Weights target;
    private final List<Trainable> trainables = new ArrayList<>();
    private final Optimizer optimizer;
    private final Ema ema;
    private final double clipNorm;
    private final Communicator comm;
    /** Shards this process runs per step, and the global index of its first. */
    private final int localShards;
    private final int firstShard;
    /** Images per shard. */
    private final int shardBatch;
    /** Per trainable, the sum of the gradients of the shards run so far (only when localShards > 1). */
    private final FloatBuffer[] gradSum;
    private final double[] scalars;
    private final GraphSession onlineSession;
    private final GraphSession targetSession;
    private final Map<String, FloatBuffer> onlineOut = new LinkedHashMap<>();
    private final FloatBuffer[][] images;
    private final LongBuffer[][] tiles;
    /** Per view, the online graph's gathered target input (all shards' level-0 targets, [B_global, D]). */
    private final FloatBuffer[] viewTarget = new FloatBuffer[2];
    /** Per view, target_forward's output for one shard, copied into its slot of {@link #viewTarget}. */
    private final FloatBuffer[] shardTarget = new FloatBuffer[2];
    private final List<Map<Integer, FloatBuffer>> shardTargetLevels = List.of(new java.util.TreeMap<>(), new java.util.TreeMap<>());
    /** Per view, the online graph's target inputs of levels beyond 0 (matching modes b-d). */
    private final List<Map<Integer, FloatBuffer>> viewTargetLevels = List.of(new java.util.TreeMap<>(), new java.util.TreeMap<>());
    /** Per view, target_forward's batch statistics (kept apart so a skipped step can drop them). */
    private final List<Map<String, FloatBuffer>> targetStats = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
    private final FloatBuffer loss;
    private final FloatBuffer[] levelLoss;
    /** Target running statistics of layers target_forward does not run, paired with the online ones they follow. */
    private final List<Ema.Pair> targetStatsFromOnline = new ArrayList<>();

    /** A single-process trainer. */
    public Trainer(GraphBundle graphs, Lars.Settings lars, double clipNorm, SessionConfig session) {
        this(graphs, lars, clipNorm, session, Communicator.SINGLE);
    }

    /** A trainer of one process of {@code comm}'s job; it runs the graphs' shards / comm.size() shards a step. */
    public Trainer(GraphBundle graphs, Lars.Settings lars, double clipNorm, SessionConfig session, Communicator comm) {
        this.manifest = graphs.manifest();
        this.clipNorm = clipNorm;
        this.comm = comm;
        int shards = manifest.shards();
        if (shards % comm.size() != 0) {
            throw new IllegalArgumentException("the graphs are built for " + shards + " shards, which " + comm.size() + " processes cannot share evenly");
        }
        this.localShards = shards / comm.size();
        this.firstShard = comm.rank() * localShards;
        this.shardBatch = manifest.batch();
        this.online = new Weights(manifest.parameters());
        this.target = new Weights(manifest.parameters().stream().filter(Manifest.ParamInfo::inTarget).toList());

        onlineSession = GraphSession.open(graphs.onlineTrain(), session);
        try {
            targetSession = GraphSession.open(graphs.targetForward(), session);
        } catch (RuntimeException e) {
            onlineSession.close();
            throw e;
        }
        int levels = manifest.levels();
        images = new FloatBuffer[2][levels];
        tiles = new LongBuffer[2][levels];
        for (int v = 1; v <= 2; v++) {
            for (int l = 0; l < levels; l++) {
                String p = "view" + v + ".level" + l;
                images[v - 1][l] = DirectBuffers.floats(numel(onlineSession.shape(p + ".images")));
                tiles[v - 1][l] = DirectBuffers.longs(numel(onlineSession.shape(p + ".tiles")));
                onlineSession.bindInput(p + ".images", images[v - 1][l]);
                onlineSession.bindInput(p + ".tiles", tiles[v - 1][l]);
            }
            viewTarget[v - 1] = DirectBuffers.floats(numel(onlineSession.shape("view" + v + ".target")));
            onlineSession.bindInput("view" + v + ".target", viewTarget[v - 1]);
            shardTarget[v - 1] = DirectBuffers.floats(viewTarget[v - 1].capacity() / shards);
            // Matching modes b-d also contrast with the target's embeddings of the other levels.
            for (int l = 1; l < levels; l++) {
                String name = "view" + v + ".target.level" + l;
                if (!onlineSession.inputNames().contains(name)) continue;
                FloatBuffer b = DirectBuffers.floats(numel(onlineSession.shape(name)));
                onlineSession.bindInput(name, b);
                viewTargetLevels.get(v - 1).put(l, b);
                shardTargetLevels.get(v - 1).put(l, DirectBuffers.floats(b.capacity() / shards));
            }
        }
        bindWeights(onlineSession, online, "online_train.onnx");
        bindWeights(targetSession, target, "target_forward.onnx");
        for (String out : onlineSession.outputNames()) {
            FloatBuffer b = DirectBuffers.floats(numel(onlineSession.shape(out)));
            onlineSession.bindOutput(out, b);
            onlineOut.put(out, b);
        }
        for (String out : targetSession.outputNames()) {
            if (out.startsWith("target")) continue;
            for (int v = 0; v < 2; v++) targetStats.get(v).put(out, DirectBuffers.floats(numel(targetSession.shape(out))));
        }
        loss = output("loss");
        levelLoss = new FloatBuffer[levels];
        for (int l = 0; l < levels; l++) levelLoss[l] = output("loss.level" + l);
        output("stats.pos_cos");
        output("stats.neg_cos");

        List<Ema.Pair> pairs = new ArrayList<>();
        for (Manifest.ParamInfo p : manifest.parameters()) {
            if (!p.trainable()) continue;
            trainables.add(new Trainable(p.name(), online.get(p.name()), output("grad." + p.name()), p.lars(), p.weightDecay()));
            if (p.ema()) pairs.add(new Ema.Pair(p.name(), online.get(p.name()), target.get(p.name())));
        }
        this.optimizer = new Lars(trainables, lars);
        this.gradSum = new FloatBuffer[localShards > 1 ? trainables.size() : 0];
        for (int i = 0; i < gradSum.length; i++) gradSum[i] = DirectBuffers.floats(trainables.get(i).grad().capacity());
        this.scalars = new double[3 + levels];
        this.ema = new Ema(pairs);
        checkBnStats();
        pairUnrunTargetStats();
    }

    /** Fresh weights from the seed; the target starts as a copy of the online encoder. */
    public void initialise(long seed) {
        online.initialise(manifest.parameters(), seed);
        target.copyFrom(online);
    }

    public Manifest manifest() { return manifest; }

    public Weights online() { return online; }

    public Weights target() { return target; }

    public Optimizer optimizer() { return optimizer; }

    public List<Trainable> trainables() { return trainables; }

    /** The optimiser's state as host tensors, shaped like the parameters they belong to. */
    public Map<String, HostTensor> optimizerState() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        optimizer.state().forEach((n, b) -> out.put(n, HostTensor.of(Weights.copy(b), shapeOfState(n))));
        return out;
    }

    /** Puts a checkpoint's tensors back into the live buffers; anything missing or misshapen is named. */
    public void restore(Map<String, HostTensor> onlineState, Map<String, HostTensor> targetState, Map<String, HostTensor> optimizerState) {
        online.restore(onlineState, "online.safetensors");
        target.restore(targetState, "target.safetensors");
        optimizer.state().forEach((n, b) -> {
            HostTensor t = optimizerState.get(n);
            if (t == null || t.numel() != b.capacity()) throw new IllegalArgumentException("optimizer.safetensors has no tensor '" + n + "' of " + b.capacity() + " values");
            b.put(0, t.floats());
        });
    }

    private long[] shapeOfState(String stateName) {
        return manifest.param(stateName.substring(0, stateName.lastIndexOf('.'))).shape();
    }

    /** Runs one single-shard step on {@code batch} with this iteration's learning rate and EMA momentum. */
    public StepResult step(MontageBatch batch, double lr, double emaMomentum) {
        return step(List.of(batch), lr, emaMomentum);
    }

    /**
     * Runs one step on this process's shards (one batch each, shard 0 first) with this iteration's
     * learning rate and EMA momentum. Shards run last-to-first so that shard 0's batch statistics
     * are the ones left in the output buffers for the running statistics.
     */
    public StepResult step(List<MontageBatch> batches, double lr, double emaMomentum) {
        if (batches.size() != localShards) {
            throw new IllegalArgumentException(batches.size() + " batches for a process that runs " + localShards + " shards a step");
        }
        long t0 = System.nanoTime();
        long copyNs = 0;
        for (int s = localShards - 1; s >= 0; s--) {
            long c = System.nanoTime();
            copyIn(batches.get(s), 0);
            copyNs += System.nanoTime() - c;
            runTarget(firstShard + s);
        }
        long t1 = System.nanoTime();
        gatherTargets();
        long t2 = System.nanoTime();
        java.util.Arrays.fill(scalars, 0);
        for (int s = localShards - 1; s >= 0; s--) {
            long c = System.nanoTime();
            long offset = (long) (firstShard + s) * shardBatch;
            if (localShards == 1) offsetTiles(offset);
            else copyIn(batches.get(s), offset);
            copyNs += System.nanoTime() - c;
            run(onlineSession);
            accumulate(s);
        }
        long t3 = System.nanoTime();
        average();
        long t4 = System.nanoTime();
        double lossValue = scalars[0];
        double pos = scalars[1];
        double neg = scalars[2];
        double[] levels = java.util.Arrays.copyOfRange(scalars, 3, scalars.length);
        double norm = GradClip.globalNorm(trainables);
        long exchangeNs = (t2 - t1) + (t4 - t3);
        if (!Double.isFinite(lossValue) || !Double.isFinite(norm)) {
            return new StepResult(lossValue, levels, pos, neg, norm, true, copyNs, t1 - t0 - copyNs, t3 - t2, System.nanoTime() - t4, 0, exchangeNs);
        }
        GradClip.clip(trainables, norm, clipNorm);
        optimizer.step(lr);
        long t5 = System.nanoTime();
        ema.update(emaMomentum);
        for (Manifest.BnStat s : manifest.bnStats().getOrDefault(GraphBundle.ONLINE, List.of())) {
            BnRunning.update(online, s, onlineOut.get(s.mean()), onlineOut.get(s.var()));
        }
        for (int v = 0; v < 2; v++) {
            for (Manifest.BnStat s : manifest.bnStats().getOrDefault(GraphBundle.TARGET, List.of())) {
                BnRunning.update(target, s, targetStats.get(v).get(s.mean()), targetStats.get(v).get(s.var()));
            }
        }
        for (Ema.Pair p : targetStatsFromOnline) p.target().put(0, p.online(), 0, p.online().capacity());
        long t6 = System.nanoTime();
        return new StepResult(lossValue, levels, pos, neg, norm, false, copyNs, t1 - t0 - copyNs, t3 - t2, t5 - t4, t6 - t5, exchangeNs);
    }

    /** target_forward of both views of one shard, its embeddings copied into the shard's slot of the gathered targets. */
    private void runTarget(int shard) {
        for (int v = 0; v < 2; v++) {
            targetSession.bindInput("images", images[v][0]);
            targetSession.bindOutput("target", shardTarget[v]);
            for (var e : shardTargetLevels.get(v).entrySet()) {
                int l = e.getKey();
                targetSession.bindInput("level" + l + ".images", images[v][l]);
                targetSession.bindInput("level" + l + ".tiles", tiles[v][l]);
                targetSession.bindOutput("target.level" + l, e.getValue());
            }
            targetStats.get(v).forEach(targetSession::bindOutput);
            run(targetSession);
            intoSlot(shardTarget[v], viewTarget[v], shard);
            for (var e : shardTargetLevels.get(v).entrySet()) intoSlot(e.getValue(), viewTargetLevels.get(v).get(e.getKey()), shard);
        }
    }

    private static void intoSlot(FloatBuffer part, FloatBuffer all, int shard) {
        all.put(shard * part.capacity(), part, 0, part.capacity());
    }

    /** Every process's slots of the gathered targets to every process. */
    private void gatherTargets() {
        for (int v = 0; v < 2; v++) {
            comm.allGather(viewTarget[v], localShards * shardTarget[v].capacity());
            for (var e : viewTargetLevels.get(v).entrySet()) {
                comm.allGather(e.getValue(), localShards * shardTargetLevels.get(v).get(e.getKey()).capacity());
            }
        }
    }

    /** Adds the shard just run to the sums: gradients (into gradSum, except the last shard run) and reported numbers. */
    private void accumulate(int shard) {
        scalars[0] += loss.get(0);
        scalars[1] += onlineOut.get("stats.pos_cos").get(0);
        scalars[2] += onlineOut.get("stats.neg_cos").get(0);
        for (int l = 0; l < levelLoss.length; l++) scalars[3 + l] += levelLoss[l].get(0);
        if (localShards == 1) return;
        for (int i = 0; i < gradSum.length; i++) {
            FloatBuffer g = trainables.get(i).grad();
            FloatBuffer sum = gradSum[i];
            int n = g.capacity();
            if (shard == localShards - 1) {
                sum.put(0, g, 0, n);
            } else if (shard > 0) {
                for (int k = 0; k < n; k++) sum.put(k, sum.get(k) + g.get(k));
            } else {
                for (int k = 0; k < n; k++) g.put(k, sum.get(k) + g.get(k));
            }
        }
    }

    /** Sums over processes, then divides by the number of shards: every process holds the global mean. */
    private void average() {
        comm.allReduceSum(scalars);
        int shards = localShards * comm.size();
        for (int i = 0; i < scalars.length; i++) scalars[i] /= shards;
        for (Trainable t : trainables) {
            FloatBuffer g = t.grad();
            comm.allReduceSum(g);
            if (shards == 1) continue;
            float inv = 1f / shards;
            for (int k = 0, n = g.capacity(); k < n; k++) g.put(k, g.get(k) * inv);
        }
    }

    /** Level-0 and montage tiles name images of the shard; the online graph scores them against the global batch. */
    private void offsetTiles(long offset) {
        if (offset == 0) return;
        for (int v = 0; v < 2; v++) {
            for (int l = 0; l < manifest.levels(); l++) {
                LongBuffer t = tiles[v][l];
                for (int k = 0, n = t.capacity(); k < n; k++) t.put(k, t.get(k) + offset);
            }
        }
    }

    private void copyIn(MontageBatch batch, long tileOffset) {
        if (batch.levels() != manifest.levels() || batch.size() != manifest.size() || batch.batchSize() != manifest.batch()) {
            throw new IllegalArgumentException("the batch (size " + batch.size() + ", batch " + batch.batchSize() + ", " + batch.levels()
                    + " levels) does not fit the graphs (size " + manifest.size() + ", batch " + manifest.batch() + ", " + manifest.levels() + " levels)");
        }
        for (int v = 0; v < 2; v++) {
            for (int l = 0; l < manifest.levels(); l++) {
                images[v][l].put(0, batch.images(v + 1, l));
                tiles[v][l].put(0, batch.tiles(v + 1, l));
            }
        }
        offsetTiles(tileOffset);
    }

    private static void run(GraphSession s) {
        try (OrtSession.Result r = s.run()) {
            // every output is bound to a buffer: nothing to read from the result
        }
    }

    private void bindWeights(GraphSession s, Weights w, String graph) {
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

    private FloatBuffer output(String name) {
        FloatBuffer b = onlineOut.get(name);
        if (b == null) throw new IllegalArgumentException("online_train.onnx has no output '" + name + "' (the graph contract requires it)");
        return b;
    }

    private void checkBnStats() {
        for (Manifest.BnStat s : manifest.bnStats().getOrDefault(GraphBundle.ONLINE, List.of())) {
            output(s.mean());
            output(s.var());
            online.get(s.runningMean());
        }
        for (Manifest.BnStat s : manifest.bnStats().getOrDefault(GraphBundle.TARGET, List.of())) {
            if (!targetStats.get(0).containsKey(s.mean()) || !targetStats.get(0).containsKey(s.var())) {
                throw new IllegalArgumentException("target_forward.onnx has no output '" + s.mean() + "' or '" + s.var() + "' named in manifest.json");
            }
            target.get(s.runningMean());
        }
    }

    /**
     * target_forward computes only the FPN levels its embeddings read (level 0: P5), so the BN
     * layers of the other levels never see a target batch. Their running statistics follow the
     * online network's (same layers, same images), so an exported target encoder has sensible
     * eval-mode statistics everywhere.
     */
    private void pairUnrunTargetStats() {
        java.util.Set<String> run = new java.util.HashSet<>();
        for (Manifest.BnStat s : manifest.bnStats().getOrDefault(GraphBundle.TARGET, List.of())) {
            run.add(s.runningMean());
            run.add(s.runningVar());
        }
        for (Manifest.BnStat s : manifest.bnStats().getOrDefault(GraphBundle.ONLINE, List.of())) {
            for (String name : List.of(s.runningMean(), s.runningVar())) {
                if (run.contains(name) || !target.has(name)) continue;
                if (targetStatsFromOnline.stream().noneMatch(p -> p.name().equals(name))) {
                    targetStatsFromOnline.add(new Ema.Pair(name, online.get(name), target.get(name)));
                }
            }
        }
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    @Override
    public void close() {
        onlineSession.close();
        targetSession.close();
    }
}
