package mcl.graphs.mcl;

import static mcl.graph.ops.Elementwise.add;
import static mcl.graph.ops.Elementwise.scale;

import java.util.List;
import mcl.graph.Graph;
import mcl.graph.Tensor;
import mcl.graph.nn.Nn;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Movement;
import mcl.graph.ops.Reduce;

/**
 * The multi-level InfoNCE loss of one direction (online view a against target view b):
 * L_l = CE(q_l . k^T / T, tile source) * 2T, averaged over the level's target levels, and the
 * direction's loss sum_l w_l L_l. Also accumulates the positive / negative cosine statistics.
 */
final class MultiLevelLoss {
    private final Nn nn;
    private final MclConfig cfg;
    private Tensor posSum;
    private Tensor allSum;
    private long posCount;
    private long allCount;

    MultiLevelLoss(Nn nn, MclConfig cfg) {
        this.nn = nn;
        this.cfg = cfg;
    }

    /**
     * @param q       online embeddings per level, L2-normalised [n_l, D]
     * @param tiles   source image index of each tile per level, int64 [n_l]
     * @param targets target embeddings per level of the other view, L2-normalised [B, D] (null where unused)
     * @return per level, the unweighted level loss L_l of this direction
     */
    Tensor[] direction(List<Tensor> q, List<Tensor> tiles, List<Tensor> targets) {
        Tensor[] perLevel = new Tensor[cfg.levels()];
        double t = cfg.temperature();
        for (int l = 0; l < cfg.levels(); l++) {
            List<Integer> ts = cfg.mode().targets(l, cfg.levels());
            Tensor levelLoss = null;
            for (int j : ts) {
                Tensor sim = nn.matmul(q.get(l), Movement.transposeLast2(targets.get(j)));
                if (j == 0) cosineStats(sim, tiles.get(l));
                Tensor ce = scale(nn.crossEntropy(scale(sim, 1 / t), tiles.get(l)), 2 * t / ts.size());
                levelLoss = levelLoss == null ? ce : add(levelLoss, ce);
            }
            perLevel[l] = levelLoss;
        }
        return perLevel;
    }

    /** Cosines of every tile with its own image's level-0 target (positive) and with the others. */
    private void cosineStats(Tensor sim, Tensor tiles) {
        long n = sim.dim(0);
        long b = sim.dim(1);
        Tensor pos = Movement.gatherElements(sim, Movement.reshape(tiles, n, 1), 1);
        Tensor p = Reduce.sum(Movement.reshape(pos, 1, n), false, 0, 1);
        Tensor a = Reduce.sum(sim, false, 0, 1);
        posSum = posSum == null ? p : add(posSum, p);
        allSum = allSum == null ? a : add(allSum, a);
        posCount += n;
        allCount += n * b;
    }

    /** Emits stats.pos_cos and stats.neg_cos (means over every tile of both directions). */
    void emitStats(Graph g) {
        g.output("stats.pos_cos", scale(posSum, 1.0 / posCount));
        g.output("stats.neg_cos", scale(Elementwise.sub(allSum, posSum), 1.0 / (allCount - posCount)));
    }
}
