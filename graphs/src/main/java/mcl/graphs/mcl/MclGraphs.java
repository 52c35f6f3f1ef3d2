package mcl.graphs.mcl;

import static mcl.graph.ops.Elementwise.add;
import static mcl.graph.ops.Elementwise.scale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.GraphManifest;
import mcl.graph.Node;
import mcl.graph.OnnxExport;
import mcl.graph.Op;
import mcl.graph.Param;
import mcl.graph.Tensor;
import mcl.graph.autodiff.Autodiff;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Linalg;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Reduce;
import mcl.graphs.ManifestParts;
import mcl.graphs.nets.Mlp;

/**
 * The MCL training graphs and their contract (see README "Graph contract"):
 * {@code online_train} (online network, predictors, multi-level loss and every parameter gradient)
 * and {@code target_forward} (the EMA target encoder on one view), plus manifest.json.
 */
public final class MclGraphs {
    public static final String ONLINE = "online_train.onnx";
    public static final String TARGET = "target_forward.onnx";
    public static final String MANIFEST = "manifest.json";

    /** The built graphs; {@code onlineBn}/{@code targetBn} list every BN application's statistics outputs. */
    public record Built(MclConfig config, Graph online, Graph target, List<Nn.BnStats> onlineBn, List<Nn.BnStats> targetBn) {
        public ObjectNode manifest() { return Manifest.of(this); }
    }

    private MclGraphs() { }

    public static String images(int view, int level) { return "view" + view + ".level" + level + ".images"; }

    public static String tiles(int view, int level) { return "view" + view + ".level" + level + ".tiles"; }

    /** The online graph's target input of view v at level l (level 0: "view{v}.target"). */
    public static String target(int view, int level) { return "view" + view + ".target" + (level == 0 ? "" : ".level" + level); }

    public static Built build(MclConfig cfg) {
        Graph online = new Graph("mcl_online_train");
        Graph target = new Graph("mcl_target_forward");
        List<Nn.BnStats> onlineBn = new ArrayList<>();
        buildOnline(cfg, online, onlineBn);
        Nn targetNn = new Nn(target, BnMode.TRAIN, "", cfg.syncShards());
        buildTarget(cfg, targetNn);
        return new Built(cfg, online, target, onlineBn, statsOfLayersRead(target, targetNn.bnStats()));
    }

    private static void buildOnline(MclConfig cfg, Graph g, List<Nn.BnStats> bn) {
        int levels = cfg.levels();
        List<List<Tensor>> q = new ArrayList<>();
        List<List<Tensor>> tiles = new ArrayList<>();
        List<List<Tensor>> targets = new ArrayList<>();
        for (int v = 1; v <= 2; v++) {
            List<Tensor> imgs = new ArrayList<>();
            List<Tensor> tl = new ArrayList<>();
            List<Tensor> tg = new ArrayList<>();
            for (int l = 0; l < levels; l++) {
                imgs.add(g.input(images(v, l), DType.FLOAT, cfg.montages()[l], 3, cfg.size(), cfg.size()));
                tl.add(g.input(tiles(v, l), DType.INT64, cfg.tiles(l)));
            }
            for (int l = 0; l < levels; l++) {
                boolean needed = l == 0 || cfg.mode().needsTargetLevels();
                tg.add(needed ? g.input(target(v, l), DType.FLOAT, cfg.targets(), cfg.preset().embeddingDim()) : null);
            }
            Nn nn = new Nn(g, BnMode.TRAIN, "view" + v + ".", cfg.syncShards());
            List<Tensor> qv = new ArrayList<>();
            try (AutoCloseable shared = v == 2 ? g.reuseParams() : () -> { }) {
                List<Tensor> z = Encoder.project(nn, cfg, imgs);
                for (int l = 0; l < levels; l++) {
                    try (var s = g.scope("predictor"); var sl = g.scope(Integer.toString(l))) {
                        Tensor p = Mlp.predictor(nn, z.get(l), cfg.preset().projectorHidden(), cfg.preset().embeddingDim());
                        qv.add(nn.l2Normalize(p));
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            bn.addAll(nn.bnStats());
            q.add(qv);
            tiles.add(tl);
            targets.add(tg);
        }
        // Symmetric: online view 1 against target view 2, and online view 2 against target view 1.
        MultiLevelLoss loss = new MultiLevelLoss(new Nn(g, BnMode.TRAIN), cfg);
        Tensor[] d12 = loss.direction(q.get(0), tiles.get(0), targets.get(1));
        Tensor[] d21 = loss.direction(q.get(1), tiles.get(1), targets.get(0));
        Tensor total = null;
        for (int l = 0; l < levels; l++) {
            Tensor both = add(d12[l], d21[l]);
            g.output("loss.level" + l, both);
            Tensor weighted = scale(both, cfg.levelWeights()[l]);
            total = total == null ? weighted : add(total, weighted);
        }
        g.output("loss", total);
        loss.emitStats(g);
        Autodiff.outputParamGradients(total);
    }

    private static void buildTarget(MclConfig cfg, Nn nn) {
        Graph g = nn.graph();
        int levels = cfg.mode().needsTargetLevels() ? cfg.levels() : 1;
        List<Tensor> imgs = new ArrayList<>();
        List<Tensor> tl = new ArrayList<>();
        for (int l = 0; l < levels; l++) {
            imgs.add(g.input(l == 0 ? "images" : "level" + l + ".images", DType.FLOAT, cfg.montages()[l], 3, cfg.size(), cfg.size()));
            tl.add(l == 0 ? null : g.input("level" + l + ".tiles", DType.INT64, cfg.tiles(l)));
        }
        List<Tensor> z = Encoder.project(nn, cfg, imgs);
        g.output("target", nn.l2Normalize(z.get(0)));
        for (int l = 1; l < levels; l++) g.output("target.level" + l, nn.l2Normalize(perImageMean(g, z.get(l), tl.get(l), cfg.batch())));
    }

    /**
     * The target's embeddings read one FPN level per montage level (level 0: only P5), but every
     * BN layer also outputs its batch statistics, which would keep the unread FPN levels alive.
     * Statistics of layers that no embedding depends on are dropped, so the exported target
     * graph computes only what the step reads; the trainer gives those layers' running
     * statistics the online network's values instead.
     */
    static List<Nn.BnStats> statsOfLayersRead(Graph g, List<Nn.BnStats> all) {
        List<Tensor> embeddings = g.outputs().entrySet().stream().filter(e -> e.getKey().startsWith("target")).map(Map.Entry::getValue).toList();
        Set<Node> read = new HashSet<>(OnnxExport.liveNodes(g, embeddings));
        List<Nn.BnStats> kept = new ArrayList<>();
        for (Nn.BnStats s : all) {
            Tensor declared = g.outputs().get(s.varOutput());
            Tensor var = declared.producer().op() == Op.IDENTITY ? declared.producer().inputs().get(0) : declared;
            if (read.contains(var.producer())) { // the variance feeds the layer's normalisation
                kept.add(s);
            } else {
                g.dropOutput(s.meanOutput());
                g.dropOutput(s.varOutput());
            }
        }
        return kept;
    }

    /** Mean embedding of each source image over its tiles: [n, D] -> [B, D]. */
    static Tensor perImageMean(Graph g, Tensor z, Tensor tiles, int batch) {
        long[] ids = new long[batch];
        for (int i = 0; i < batch; i++) ids[i] = i;
        Tensor member = Elementwise.cast(Elementwise.equal(Movement.reshape(tiles, 1, tiles.dim(0)), g.constant(ids, batch, 1)), DType.FLOAT);
        Tensor counts = Reduce.sum(member, true, 1);
        return Elementwise.div(Linalg.matmul(member, z), counts);
    }

    /** Writes online_train.onnx, target_forward.onnx and manifest.json into {@code dir}. */
    public static Built write(MclConfig cfg, Path dir) throws IOException {
        Built b = build(cfg);
        mcl.graphs.ManifestParts.writeFolder(dir, java.util.Map.of(ONLINE, b.online(), TARGET, b.target()), MANIFEST, b.manifest());
        return b;
    }

    /** The manifest: preset, hyper-parameters, both graphs' interfaces, parameters with their optimiser flags, BN statistics. */
    static final class Manifest {
        private Manifest() { }

        static ObjectNode of(Built b) {
            MclConfig c = b.config();
            ObjectNode m = mcl.graphs.ManifestParts.header("mcl-graphs/1", c.preset());
            m.put("projector_hidden", c.preset().projectorHidden());
            m.put("embedding_dim", c.preset().embeddingDim());
            m.put("levels", c.levels());
            m.put("mode", c.mode().name().toLowerCase());
            m.put("batch", c.batch());
            m.put("shards", c.shards());
            m.put("sync_shards", c.syncShards());
            m.put("size", c.size());
            m.put("window", c.window());
            ArrayNode mont = m.putArray("montages");
            for (int x : c.montages()) mont.add(x);
            m.put("temperature", c.temperature());
            ArrayNode w = m.putArray("level_weights");
            for (double x : c.levelWeights()) w.add(x);
            ObjectNode graphs = m.putObject("graphs");
            graphs.set(ONLINE, GraphManifest.describe(b.online()));
            graphs.set(TARGET, GraphManifest.describe(b.target()));
            ArrayNode params = m.putArray("parameters");
            java.util.Set<String> inTarget = new java.util.HashSet<>();
            for (Param p : b.target().params()) inTarget.add(p.name());
            for (Param p : b.online().params()) {
                ObjectNode o = ManifestParts.parameter(params, p);
                boolean matrix = ManifestParts.decayed(p);
                o.put("lars", matrix);
                o.put("weight_decay", matrix);
                o.put("ema", p.trainable() && inTarget.contains(p.name()));
                o.put("in_target", inTarget.contains(p.name()));
            }
            ObjectNode bn = m.putObject("bn_stats");
            bn.set(ONLINE, ManifestParts.bnStats(b.onlineBn()));
            bn.set(TARGET, ManifestParts.bnStats(b.targetBn()));
            return m;
        }
    }
}
