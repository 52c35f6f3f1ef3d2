package mcl.runtime.train;

import static mcl.graph.ops.Elementwise.add;
import static mcl.graph.ops.Elementwise.addScalar;
import static mcl.graph.ops.Elementwise.div;
import static mcl.graph.ops.Elementwise.max;
import static mcl.graph.ops.Elementwise.mul;
import static mcl.graph.ops.Elementwise.neg;
import static mcl.graph.ops.Elementwise.reciprocal;
import static mcl.graph.ops.Elementwise.scale;
import static mcl.graph.ops.Elementwise.sqrt;
import static mcl.graph.ops.Elementwise.sub;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mcl.data.pipeline.DataConfig;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.GraphManifest;
import mcl.graph.OnnxExport;
import mcl.graph.Param;
import mcl.graph.Tensor;
import mcl.graph.autodiff.Autodiff;
import mcl.graph.init.Init;
import mcl.graph.ops.ConvPool;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Linalg;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Norm;
import mcl.graph.ops.Reduce;

/**
 * A miniature graph pair that satisfies the MCL training-graph contract (names, inputs, outputs,
 * manifest fields) with a tiny network, so the trainer is tested on the contract rather than on
 * the real ResNet: conv3x3/2 + BN + ReLU -> per-tile window average -> projector (Linear, BN1d,
 * ReLU, Linear) -> per-level predictor (Linear) -> L2-normalised cross-entropy against the other
 * view's targets. BN is written out from elementary ops so each view can use the same parameters
 * with its own batch statistics.
 */
public final class FixtureGraphs {
    public static final int CHANNELS = 8;
    public static final int DIM = 16;
    public static final double TEMPERATURE = 1.0;
    public static final double[] LEVEL_WEIGHTS = {0.5, 0.25, 0.125, 0.125};

    private FixtureGraphs() { }

    /** The graphs for one data configuration (its size, batch, levels and montage counts). */
    public static GraphBundle build(DataConfig data) {
        Graph online = new Graph("fixture_online_train");
        Net on = new Net(online);
        Graph target = new Graph("fixture_target_forward");
        Net tg = new Net(target);

        ObjectNode bnStats = GraphManifest.JSON.createObjectNode();
        ArrayNode onlineStats = bnStats.putArray(GraphBundle.ONLINE);
        ArrayNode targetStats = bnStats.putArray(GraphBundle.TARGET);

        // ---- target_forward: level-0 images -> L2-normalised projection
        Tensor images = target.input("images", DType.FLOAT, data.batch(), 3, data.size(), data.size());
        Tensor f = tg.encoder(images, "", targetStats);
        Tensor z = Movement.flatten(ConvPool.globalAveragePool(f));
        target.output("target", l2(tg.projector(z, "", targetStats)));

        // ---- online_train
        List<Tensor> losses = new ArrayList<>();
        Tensor[] levelLoss = new Tensor[data.levels()];
        Tensor posSum = null;
        Tensor allSum = null;
        long tilesTotal = 0;
        Tensor[] targets = new Tensor[3];
        for (int v = 1; v <= 2; v++) targets[v] = online.input("view" + v + ".target", DType.FLOAT, data.batch(), DIM);
        for (int v = 1; v <= 2; v++) {
            List<Tensor> imgs = new ArrayList<>();
            List<Tensor> tiles = new ArrayList<>();
            for (int l = 0; l < data.levels(); l++) {
                int m = data.montages(l);
                int r = DataConfig.ratio(l);
                imgs.add(online.input("view" + v + ".level" + l + ".images", DType.FLOAT, m, 3, data.size(), data.size()));
                tiles.add(online.input("view" + v + ".level" + l + ".tiles", DType.INT64, (long) m * r * r));
            }
            // One batch per view through the encoder: its BN statistics cover every level.
            Tensor feat = on.encoder(Movement.concat(0, imgs), "view" + v + ".", onlineStats);
            List<Tensor> tileFeats = new ArrayList<>();
            long start = 0;
            for (int l = 0; l < data.levels(); l++) {
                int m = data.montages(l);
                int r = DataConfig.ratio(l);
                Tensor fl = Movement.slice(feat, 0, start, start + m);
                start += m;
                Tensor pooled = ConvPool.averagePool(fl, (int) fl.dim(2) / r, (int) fl.dim(2) / r); // [m, C, r, r]
                tileFeats.add(Movement.reshape(Movement.transpose(pooled, 0, 2, 3, 1), (long) m * r * r, CHANNELS));
            }
            Tensor proj = on.projector(Movement.concat(0, tileFeats), "view" + v + ".", onlineStats);
            long off = 0;
            for (int l = 0; l < data.levels(); l++) {
                long n = tiles.get(l).dim(0);
                Tensor pl = Movement.slice(proj, 0, off, off + n);
                off += n;
                Tensor q = l2(on.linear("predictor." + l + ".0", pl, DIM, new Init.Normal(0.01)));
                Tensor cos = Linalg.matmul(q, Movement.transposeLast2(targets[3 - v]));     // [n, B]
                Tensor logp = Norm.logSoftmax(scale(cos, 1 / TEMPERATURE), 1);
                Tensor labels = Movement.reshape(tiles.get(l), n, 1);
                Tensor ce = neg(Reduce.mean(Movement.gatherElements(logp, labels, 1), false, 0, 1));
                Tensor weighted = scale(ce, 2 * TEMPERATURE * LEVEL_WEIGHTS[l]);
                losses.add(weighted);
                levelLoss[l] = levelLoss[l] == null ? weighted : add(levelLoss[l], weighted);
                Tensor pos = Reduce.sum(Movement.gatherElements(cos, labels, 1), false, 0, 1);
                Tensor all = Reduce.sum(cos, false, 0, 1);
                posSum = posSum == null ? pos : add(posSum, pos);
                allSum = allSum == null ? all : add(allSum, all);
                tilesTotal += n;
            }
        }
        Tensor loss = losses.get(0);
        for (int i = 1; i < losses.size(); i++) loss = add(loss, losses.get(i));
        online.output("loss", loss);
        for (int l = 0; l < data.levels(); l++) online.output("loss.level" + l, levelLoss[l]);
        online.output("stats.pos_cos", scale(posSum, 1.0 / tilesTotal));
        online.output("stats.neg_cos", scale(sub(allSum, posSum), 1.0 / (tilesTotal * (data.batch() - 1))));
        List<Param> trainable = online.params().stream().filter(Param::trainable).toList();
        Map<Tensor, Tensor> grads = Autodiff.gradients(loss, trainable.stream().map(Param::tensor).toList());
        for (Param p : trainable) online.output("grad." + p.name(), grads.get(p.tensor()));

        ObjectNode m = GraphManifest.JSON.createObjectNode();
        m.put("preset", "fixture");
        m.put("levels", data.levels());
        m.put("batch", data.batch());
        m.put("size", data.size());
        ArrayNode mont = m.putArray("montages");
        for (int l = 0; l < data.levels(); l++) mont.add(data.montages(l));
        m.put("temperature", TEMPERATURE);
        ObjectNode graphs = m.putObject("graphs");
        graphs.set(GraphBundle.ONLINE, GraphManifest.describe(online));
        graphs.set(GraphBundle.TARGET, GraphManifest.describe(target));
        ArrayNode params = m.putArray("parameters");
        for (Param p : online.params()) {
            ObjectNode o = mcl.graphs.ManifestParts.parameter(params, p);
            boolean decays = mcl.graphs.ManifestParts.decayed(p);
            o.put("lars", decays);
            o.put("weight_decay", decays);
            o.put("ema", p.trainable() && !p.name().startsWith("predictor."));
        }
        m.set("bn_stats", bnStats);
        return GraphBundle.of(OnnxExport.toModel(online).toByteArray(), OnnxExport.toModel(target).toByteArray(), m);
    }

    private static Tensor l2(Tensor x) {
        Tensor norm = sqrt(Reduce.sum(mul(x, x), true, 1));
        return div(x, max(norm, x.graph().scalar(1e-12, x.dtype())));
    }

    /** The shared layers; parameters are declared once per graph and reused by both views. */
    private static final class Net {
        private final Graph g;
        private final java.util.Map<String, Tensor> params = new java.util.HashMap<>();

        Net(Graph g) {
            this.g = g;
        }

        private Tensor param(String name, Init init, Param.Role role, long... shape) {
            return params.computeIfAbsent(name, n -> {
                String[] parts = n.split("\\.");
                List<Graph.Scope> scopes = new ArrayList<>();
                for (int i = 0; i < parts.length - 1; i++) scopes.add(g.scope(parts[i]));
                Tensor t = g.param(parts[parts.length - 1], init, role, shape);
                for (int i = scopes.size() - 1; i >= 0; i--) scopes.get(i).close();
                return t;
            });
        }

        Tensor encoder(Tensor x, String prefix, ArrayNode stats) {
            Tensor w = param("backbone.body.conv1.weight", new Init.KaimingNormalFanOut(), Param.Role.TRAINABLE, CHANNELS, 3, 3, 3);
            Tensor y = ConvPool.conv(x, w, null, 2, 1, 1);
            return Elementwise.relu(bn(y, "backbone.body.bn1", prefix, stats, new int[] {0, 2, 3}));
        }

        Tensor projector(Tensor z, String prefix, ArrayNode stats) {
            Tensor h = linear("projector.0", z, DIM, new Init.KaimingNormalFanIn());
            h = Elementwise.relu(bn(h, "projector.1", prefix, stats, new int[] {0}));
            return linear("projector.3", h, DIM, new Init.KaimingNormalFanIn());
        }

        Tensor linear(String name, Tensor x, int out, Init init) {
            Tensor w = param(name + ".weight", init, Param.Role.TRAINABLE, out, x.dim(1));
            Tensor b = param(name + ".bias", Init.ZEROS, Param.Role.TRAINABLE, out);
            return Linalg.gemm(x, w, b, false, true);
        }

        private Tensor bn(Tensor x, String layer, String prefix, ArrayNode stats, int[] axes) {
            long c = x.dim(1);
            Tensor gamma = param(layer + ".weight", Init.ONES, Param.Role.TRAINABLE, c);
            Tensor beta = param(layer + ".bias", Init.ZEROS, Param.Role.TRAINABLE, c);
            param(layer + ".running_mean", Init.ZEROS, Param.Role.BUFFER, c);
            param(layer + ".running_var", Init.ONES, Param.Role.BUFFER, c);
            long[] bshape = x.rank() == 4 ? new long[] {1, c, 1, 1} : new long[] {1, c};
            Tensor mean = Reduce.mean(x, true, axes);
            Tensor centred = sub(x, mean);
            Tensor var = Reduce.mean(mul(centred, centred), true, axes);
            Tensor y = mul(centred, reciprocal(sqrt(addScalar(var, 1e-5))));
            y = add(mul(y, Movement.reshape(gamma, bshape)), Movement.reshape(beta, bshape));
            String meanOut = g.output(prefix + layer + ".batch_mean", Movement.reshape(mean, c)).name();
            String varOut = g.output(prefix + layer + ".batch_var", Movement.reshape(var, c)).name();
            ObjectNode s = stats.addObject();
            s.put("mean", meanOut);
            s.put("var", varOut);
            s.put("running_mean", layer + ".running_mean");
            s.put("running_var", layer + ".running_var");
            s.put("count", x.numel() / c);
            return y;
        }
    }
}
