package mcl.graphs.mcl;

import java.util.ArrayList;
import java.util.List;
import mcl.graph.Graph;
import mcl.graph.Tensor;
import mcl.graph.nn.Nn;
import mcl.graph.ops.Movement;
import mcl.graphs.BackboneFpn;
import mcl.graphs.nets.BoxHead;
import mcl.graphs.nets.Mlp;

/**
 * The part online and target networks share: backbone + FPN over all levels' montages of one view
 * as ONE batch, each tile's window cut from the FPN level matching its scale, the window-isolated
 * head, window average and the projector (BN over all windows of the view).
 */
final class Encoder {
    private Encoder() { }

    /**
     * @param images per level l, the montages [m_l, 3, H, W] of one view (null for levels not used)
     * @return per level, the projector output of every tile [m_l * r * r, D] (tile order: montage,
     *         grid row, grid column), null for levels not used
     */
    static List<Tensor> project(Nn nn, MclConfig cfg, List<Tensor> images) {
        Graph g = nn.graph();
        List<Tensor> used = images.stream().filter(t -> t != null).toList();
        Tensor batch = Movement.concat(0, used);
        List<Tensor> pyramid = BackboneFpn.apply(nn, cfg.preset().backbone(), cfg.preset().fpnChannels(), batch);

        List<Tensor> windows = new ArrayList<>();
        long row = 0;
        for (int l = 0; l < images.size(); l++) {
            if (images.get(l) == null) continue;
            Tensor map = pyramid.get(3 - l); // level l (ratio 2^l) reads P(5-l)
            long m = images.get(l).dim(0);
            if (map.dim(0) != m) map = Movement.slice(map, 0, row, row + m);
            windows.add(toWindows(map, MclConfig.ratio(l), cfg.window()));
            row += m;
        }
        Tensor allWindows = Movement.concat(0, windows);
        Tensor pooled;
        try (var s = g.scope("roi_heads"); var h = g.scope("box_head")) {
            pooled = nn.globalAvgPool(BoxHead.apply(nn, allWindows));
        }
        Tensor z;
        try (var s = g.scope("projector")) {
            z = Mlp.projector(nn, pooled, cfg.preset().projectorHidden(), cfg.preset().embeddingDim());
        }
        List<Tensor> perLevel = new ArrayList<>();
        long at = 0;
        for (int l = 0; l < images.size(); l++) {
            if (images.get(l) == null) {
                perLevel.add(null);
                continue;
            }
            long n = cfg.tiles(l);
            perLevel.add(windows.size() == 1 ? z : Movement.slice(z, 0, at, at + n));
            at += n;
        }
        return perLevel;
    }

    /** [m, C, r*w, r*w] -> [m*r*r, C, w, w]: every grid cell of every montage as its own window. */
    static Tensor toWindows(Tensor map, int r, int w) {
        if (r == 1) return map;
        long m = map.dim(0);
        long c = map.dim(1);
        Tensor cells = Movement.reshape(map, m, c, r, w, r, w);
        Tensor gridFirst = Movement.transpose(cells, 0, 2, 4, 1, 3, 5);
        return Movement.reshape(gridFirst, m * r * r, c, w, w);
    }
}
