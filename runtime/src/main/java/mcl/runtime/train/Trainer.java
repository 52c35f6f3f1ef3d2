package mcl.runtime.train;

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
import mcl.runtime.ort.GraphRunner;
import mcl.runtime.dist.StagedSession;
import mcl.runtime.ort.SessionConfig;
import mcl.tensors.HostTensor;

/**
 * One MCL training step on ONNX Runtime: target_forward on both views, online_train, gradient
 * exchange, global-norm clipping, LARS, EMA of the target and BN running statistics.
 *
 * <p>Data parallel, as the authors' released code runs it: the global batch is split into
 * shards (the graphs' {@code shards}), held by the job's processes ({@link Communicator}), each
 * process running its shards' graph instances together ({@code mcl pretrain --shards N} in one
 * process computes what N processes compute). Each shard's montages come from its own images;
 * the level-0 targets of all shards are gathered, so every tile is scored against the whole
 * global batch with its global label; the gradients and the reported losses are averaged over
 * shards. With synchronized BN the graphs' collective points sum the BN statistics over all
 * shards ({@link StagedSession#runTogether}); otherwise they are per shard and the running
 * buffers follow shard 0 of each process (rank 0's are the checkpoint's, like DDP's broadcast
 * buffers).
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
    /** This process's shards, one graph instance each; shard 0's gradient buffers are the optimiser's. */
    private final List<ShardGraphs> shards = new ArrayList<>();
    /** Global index of this process's first shard. */
    private final int firstShard;
    /** Images per shard. */
    private final int shardBatch;
    private final ShardGraphs.Gathered gathered = new ShardGraphs.Gathered();
    /** Loss, positive and negative cosine, per-level losses: summed over shards, then averaged. */
    private final double[] scalars;
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
        int total = manifest.shards();
        if (total % comm.size() != 0) {
            throw new IllegalArgumentException("the graphs are built for " + total + " shards, which " + comm.size() + " processes cannot share evenly");
        }
        int local = total / comm.size();
        this.firstShard = comm.rank() * local;
        this.shardBatch = manifest.batch();
        this.online = new Weights(manifest.parameters());
        this.target = new Weights(manifest.parameters().stream().filter(Manifest.ParamInfo::inTarget).toList());
        try {
            for (int s = 0; s < local; s++) shards.add(new ShardGraphs(graphs, session, comm, online, target, gathered, total));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        List<Ema.Pair> pairs = new ArrayList<>();
        for (Manifest.ParamInfo p : manifest.parameters()) {
            if (!p.trainable()) continue;
            trainables.add(new Trainable(p.name(), online.get(p.name()), output("grad." + p.name()), p.lars(), p.weightDecay()));
            if (p.ema()) pairs.add(new Ema.Pair(p.name(), online.get(p.name()), target.get(p.name())));
        }
        output("loss");
        for (int l = 0; l < manifest.levels(); l++) output("loss.level" + l);
        output("stats.pos_cos");
        output("stats.neg_cos");
        this.optimizer = new Lars(trainables, lars);
        this.scalars = new double[3 + manifest.levels()];
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

    /** How the graphs run when they have collective points (synchronized BN), for the log; null when they do not. */
    public String stagesSummary() {
        ShardGraphs first = shards.get(0);
        if (!(first.online instanceof StagedSession on) || !(first.target instanceof StagedSession tg)) return null;
        return "synchronized BN: online_train runs as " + on.stageCount() + " stages with " + on.boundaries() + " all-reduces of BN sums, target_forward as "
                + tg.stageCount() + " stages with " + tg.boundaries() + " (per view); values kept between stages: "
                + (on.bufferBytes() + tg.bufferBytes()) / (1 << 20) + " MiB per shard";
    }

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

    /** Runs one step on this process's shards (one batch each, shard order) with this iteration's learning rate and EMA momentum. */
    public StepResult step(List<MontageBatch> batches, double lr, double emaMomentum) {
        if (batches.size() != shards.size()) {
            throw new IllegalArgumentException(batches.size() + " batches for a process that runs " + shards.size() + " shards a step");
        }
        long t0 = System.nanoTime();
        for (int s = 0; s < shards.size(); s++) shards.get(s).copyIn(batches.get(s), shardBatch, manifest.size());
        long t1 = System.nanoTime();
        for (int v = 0; v < 2; v++) {
            for (ShardGraphs sh : shards) sh.bindTargetView(v);
            StagedSession.runTogether(shards.stream().map(sh -> sh.target).toList());
            for (int s = 0; s < shards.size(); s++) shards.get(s).intoGathered(gathered, v, firstShard + s);
        }
        long t2 = System.nanoTime();
        gatherTargets();
        for (int s = 0; s < shards.size(); s++) shards.get(s).offsetTiles((long) (firstShard + s) * shardBatch);
        long t3 = System.nanoTime();
        StagedSession.runTogether(shards.stream().map(sh -> sh.online).toList());
        long t4 = System.nanoTime();
        sumShards();
        average();
        long t5 = System.nanoTime();
        double lossValue = scalars[0];
        double pos = scalars[1];
        double neg = scalars[2];
        double[] levels = java.util.Arrays.copyOfRange(scalars, 3, scalars.length);
        double norm = GradClip.globalNorm(trainables);
        long exchangeNs = (t3 - t2) + (t5 - t4);
        long syncNs = StagedSession.takeCollectiveNanos(shards.get(0).online) + StagedSession.takeCollectiveNanos(shards.get(0).target);
        if (!Double.isFinite(lossValue) || !Double.isFinite(norm)) {
            return new StepResult(lossValue, levels, pos, neg, norm, true, t1 - t0, t2 - t1, t4 - t3, System.nanoTime() - t5, 0, exchangeNs, syncNs);
        }
        GradClip.clip(trainables, norm, clipNorm);
        optimizer.step(lr);
        long t6 = System.nanoTime();
        ema.update(emaMomentum);
        // The running statistics follow shard 0's batches (identical on every shard with synchronized BN).
        ShardGraphs first = shards.get(0);
        for (Manifest.BnStat s : manifest.bnStats().getOrDefault(GraphBundle.ONLINE, List.of())) {
            BnRunning.update(online, s, first.onlineOut.get(s.mean()), first.onlineOut.get(s.var()));
        }
        for (int v = 0; v < 2; v++) {
            for (Manifest.BnStat s : manifest.bnStats().getOrDefault(GraphBundle.TARGET, List.of())) {
                BnRunning.update(target, s, first.targetStats.get(v).get(s.mean()), first.targetStats.get(v).get(s.var()));
            }
        }
        for (Ema.Pair p : targetStatsFromOnline) p.target().put(0, p.online(), 0, p.online().capacity());
        long t7 = System.nanoTime();
        return new StepResult(lossValue, levels, pos, neg, norm, false, t1 - t0, t2 - t1, t4 - t3, t6 - t5, t7 - t6, exchangeNs, syncNs);
    }

    /** Every process's rows of the gathered targets to every process. */
    private void gatherTargets() {
        int rows = shards.size();
        for (int v = 0; v < 2; v++) {
            comm.allGather(gathered.level0[v], rows * shards.get(0).targetOut[v].capacity());
            for (var e : gathered.levels.get(v).entrySet()) {
                comm.allGather(e.getValue(), rows * shards.get(0).targetLevelsOut.get(v).get(e.getKey()).capacity());
            }
        }
    }

    /** Reported numbers of every shard into the sums, and the other shards' gradients into shard 0's. */
    private void sumShards() {
        java.util.Arrays.fill(scalars, 0);
        for (ShardGraphs sh : shards) {
            scalars[0] += sh.onlineOut.get("loss").get(0);
            scalars[1] += sh.onlineOut.get("stats.pos_cos").get(0);
            scalars[2] += sh.onlineOut.get("stats.neg_cos").get(0);
            for (int l = 0; l < scalars.length - 3; l++) scalars[3 + l] += sh.onlineOut.get("loss.level" + l).get(0);
        }
        FloatBuffer sum = shards.get(0).gradients;
        for (int s = 1; s < shards.size(); s++) {
            FloatBuffer o = shards.get(s).gradients;
            for (int k = 0, n = sum.capacity(); k < n; k++) sum.put(k, sum.get(k) + o.get(k));
        }
    }

    /** Sums over processes, then divides by the number of shards: every process holds the global mean. */
    private void average() {
        comm.allReduceSum(scalars);
        int total = shards.size() * comm.size();
        for (int i = 0; i < scalars.length; i++) scalars[i] /= total;
        FloatBuffer g = shards.get(0).gradients;
        comm.allReduceSum(g); // every gradient in one buffer, cut into 16 MiB buckets by the communicator
        if (total == 1) return;
        float inv = 1f / total;
        for (int k = 0, n = g.capacity(); k < n; k++) g.put(k, g.get(k) * inv);
    }

    private FloatBuffer output(String name) {
        FloatBuffer b = shards.get(0).onlineOut.get(name);
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
            if (!shards.get(0).targetStats.get(0).containsKey(s.mean()) || !shards.get(0).targetStats.get(0).containsKey(s.var())) {
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

    @Override
    public void close() {
        for (ShardGraphs s : shards) s.close();
    }
}
