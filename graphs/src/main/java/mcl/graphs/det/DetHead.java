package mcl.graphs.det;

import java.util.ArrayList;
import java.util.List;
import mcl.graph.Graph;
import mcl.graph.Param.Role;
import mcl.graph.Tensor;
import mcl.graph.init.Init;
import mcl.graph.nn.Nn;
import mcl.graph.ops.ConvPool;
import mcl.graph.ops.Elementwise;
import mcl.graph.ops.Movement;

/**
 * The FCOS head (Tian et al. 2019, with the "v2" improvements that torchvision's FCOS and
 * mmdetection's fcos_center-normbbox-centeronreg-giou config use), shared across P2..P5.
 *
 * <p>Per level, two towers of {@value #CONVS} blocks 3x3 conv (no bias) -> GroupNorm({@value #GN_GROUPS})
 * -> ReLU; on the classification tower a 3x3 conv to K logits (bias -log((1 - 0.01) / 0.01), so
 * every sigmoid starts at 0.01 and the focal loss of the many negatives does not swamp the first
 * steps); on the regression tower a 3x3 conv to 4 distances and a 3x3 conv to 1 centerness logit
 * (centerness on the regression tower, as FCOS v2). Distances are
 * {@code ReLU(scale_l * conv) * stride_l} pixels: the network works in stride units (FCOS v2's
 * normalised regression targets, one learnable scalar per level, init 1) and ReLU, not the first
 * FCOS's exp, keeps them non-negative (no overflow early in training; torchvision and
 * mmdetection's norm_on_bbox do the same); the stride factor makes the graphs' box outputs pixels.
 *
 * <p>Design choices for this codebase:
 * <ul>
 *   <li>{@value #CONVS} convs per tower (FCOS has 4) of min(128, FPN width) channels (FCOS 256): the
 *       head on P2 costs as much as the backbone, and fine-tuning runs on two CPU cores.</li>
 *   <li>GroupNorm, as FCOS: the head is one set of weights applied to every level, and BN would mix
 *       the levels' statistics into one running estimate; GN normalises each map by itself and
 *       needs no running buffers. {@value #GN_GROUPS} groups (torchvision's FCOS, which also has 256
 *       channels for 32 groups in the paper): at 64 channels that is 4 channels per group, and on
 *       a 2x2 P5 map 16 values per group, where 32 groups would leave 8.</li>
 *   <li>Convs before GN have no bias (GN's bias replaces it; mmdetection's ConvModule does the same).</li>
 *   <li>Weights normal(0, 0.01) for every head conv, biases 0 except the classification prior
 *       (FCOS, torchvision, mmdetection).</li>
 * </ul>
 *
 * <p>Locations: each level's map [B, C, H_l, W_l] is flattened row-major (y, then x) and the levels
 * are concatenated finest first (P2, P3, P4, P5), so location i of level l at (y, x) is
 * {@code offset(l) + y * W_l + x}, its centre ((x + 0.5) * stride_l, (y + 0.5) * stride_l) pixels.
 *
 * <p>Parameter names, under the caller's scope ("det_head"), mmdetection's FCOSHead's:
 * {@code cls_convs.{i}.conv.weight} [C, C_in, 3, 3], {@code cls_convs.{i}.gn.{weight,bias}} [C],
 * the same under {@code reg_convs}, {@code conv_cls.{weight,bias}} [K, C, 3, 3] / [K],
 * {@code conv_reg.{weight,bias}} [4, C, 3, 3] / [4], {@code conv_centerness.{weight,bias}} [1, C, 3, 3] / [1],
 * {@code scales.{l}.scale} [1] (a [1] tensor where mmdetection's Scale holds a 0-d one).
 */
public final class DetHead {
    /** Strides of P2..P5. */
    public static final int[] STRIDES = {4, 8, 16, 32};
    public static final int CONVS = 2;
    public static final int GN_GROUPS = 16;
    /** The prior probability every class logit starts at. */
    public static final double PRIOR = 0.01;
    private static final Init CONV_INIT = new Init.Normal(0.01);

    private DetHead() { }

    /** The head's per-location outputs, levels concatenated as the class comment says. */
    public record Outputs(Tensor clsLogits, Tensor boxPred, Tensor ctrLogits) { }

    /** Locations of an S x S image over all levels. */
    public static int locations(int size) {
        return offset(STRIDES.length, size);
    }

    /** The first location of level {@code level} (0 = P2); {@code offset(4, S)} is the total. */
    public static int offset(int level, int size) {
        int at = 0;
        for (int l = 0; l < level; l++) at += (size / STRIDES[l]) * (size / STRIDES[l]);
        return at;
    }

    /**
     * P2..P5 [B, C_fpn, S/stride, S/stride] -> cls logits [B, L, K], box distances (l, t, r, b) in
     * pixels [B, L, 4], centerness logits [B, L].
     */
    public static Outputs apply(Nn nn, List<Tensor> pyramid, int channels, int numClasses) {
        if (pyramid.size() != STRIDES.length) throw new IllegalArgumentException("the head needs P2..P5, got " + pyramid.size() + " levels");
        Graph g = nn.graph();
        List<Tensor> cls = new ArrayList<>();
        List<Tensor> box = new ArrayList<>();
        List<Tensor> ctr = new ArrayList<>();
        for (int l = 0; l < STRIDES.length; l++) {
            Tensor x = pyramid.get(l);
            try (AutoCloseable shared = l > 0 ? g.reuseParams() : () -> { }) {
                Tensor c = tower(nn, "cls_convs", x, channels);
                Tensor r = tower(nn, "reg_convs", x, channels);
                cls.add(flat(conv3x3(g, "conv_cls", c, numClasses, -Math.log((1 - PRIOR) / PRIOR))));
                Tensor reg = conv3x3(g, "conv_reg", r, 4, 0);
                Tensor scale;
                try (var s = g.scope("scales"); var sl = g.scope(Integer.toString(l))) {
                    scale = g.param("scale", Init.ONES, Role.TRAINABLE, 1);
                }
                box.add(flat(Elementwise.scale(Elementwise.relu(Elementwise.mul(reg, scale)), STRIDES[l])));
                ctr.add(flat(conv3x3(g, "conv_centerness", r, 1, 0)));
            } catch (Exception e) {
                throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
            }
        }
        Tensor ctrAll = Movement.concat(2, ctr);
        return new Outputs(locationsLast(cls), locationsLast(box), Movement.reshape(ctrAll, ctrAll.dim(0), ctrAll.dim(2)));
    }

    private static Tensor tower(Nn nn, String name, Tensor x, int channels) {
        Graph g = nn.graph();
        try (var s = g.scope(name)) {
            for (int i = 0; i < CONVS; i++) {
                try (var si = g.scope(Integer.toString(i))) {
                    x = nn.relu(nn.groupNorm("gn", nn.conv2d("conv", x, channels, 3, 1, 1, CONV_INIT), GN_GROUPS));
                }
            }
        }
        return x;
    }

    private static Tensor conv3x3(Graph g, String name, Tensor x, int out, double biasInit) {
        try (var s = g.scope(name)) {
            Tensor w = g.param("weight", CONV_INIT, Role.TRAINABLE, out, x.dim(1), 3, 3);
            Tensor b = g.param("bias", biasInit == 0 ? Init.ZEROS : new Init.Constant((float) biasInit), Role.TRAINABLE, out);
            return ConvPool.conv(x, w, b, 1, 1, 1);
        }
    }

    /** [B, C, H, W] -> [B, C, H*W] (row-major y, x). */
    private static Tensor flat(Tensor x) {
        return Movement.reshape(x, x.dim(0), x.dim(1), x.dim(2) * x.dim(3));
    }

    /** Levels [B, C, n_l] -> [B, sum n_l, C]. */
    private static Tensor locationsLast(List<Tensor> levels) {
        return Movement.transpose(Movement.concat(2, levels), 0, 2, 1);
    }
}
