package mcl.graphs.seg;

import java.util.List;
import mcl.graph.Graph;
import mcl.graph.Param.Role;
import mcl.graph.Tensor;
import mcl.graph.init.Init;
import mcl.graph.nn.Nn;
import mcl.graph.ops.ConvPool;
import mcl.graph.ops.Elementwise;

/**
 * The Semantic FPN head (Kirillov et al. 2019; mmsegmentation's FPNHead without dropout) on
 * P2..P5 (strides 4, 8, 16, 32). Level i runs max(1, log2(stride_i / 4)) blocks of
 * 3x3 conv (no bias) -> BN2d -> ReLU -> (stride_i > 4: bilinear x2, align_corners=False);
 * the four results are summed at 1/4 resolution and a 1x1 conv with bias maps them to K classes.
 * The caller upsamples the logits x4 to the input size.
 *
 * <p>Parameter names, under the caller's scope ("seg_head"):
 * <ul>
 *   <li>{@code seg_head.scale_heads.{i}.{j}.conv.weight} [C_head, C_in, 3, 3], kaiming_normal(fan_out, relu)
 *       (C_in = FPN channels for j = 0, else C_head);</li>
 *   <li>{@code seg_head.scale_heads.{i}.{j}.bn.{weight,bias,running_mean,running_var}} [C_head];</li>
 *   <li>{@code seg_head.cls.weight} [K, C_head, 1, 1], normal(0, 0.01); {@code seg_head.cls.bias} [K], zeros.</li>
 * </ul>
 */
public final class SegHead {
    public static final int[] STRIDES = {4, 8, 16, 32};
    private static final Init CONV_INIT = new Init.KaimingNormalFanOut();
    private static final Init CLS_INIT = new Init.Normal(0.01);

    private SegHead() { }

    /** Blocks of scale head i: max(1, log2(stride / 4)). */
    public static int blocks(int level) {
        return Math.max(1, Integer.numberOfTrailingZeros(STRIDES[level] / 4));
    }

    /** P2..P5 -> logits [N, K, H/4, W/4]. */
    public static Tensor apply(Nn nn, List<Tensor> pyramid, int channels, int numClasses) {
        if (pyramid.size() != STRIDES.length) throw new IllegalArgumentException("the head needs P2..P5, got " + pyramid.size() + " levels");
        Graph g = nn.graph();
        Tensor sum = null;
        try (var s = g.scope("scale_heads")) {
            for (int i = 0; i < STRIDES.length; i++) {
                Tensor x = pyramid.get(i);
                try (var si = g.scope(Integer.toString(i))) {
                    for (int j = 0; j < blocks(i); j++) {
                        try (var sj = g.scope(Integer.toString(j))) {
                            x = nn.relu(nn.batchNorm2d("bn", nn.conv2d("conv", x, channels, 3, 1, 1, CONV_INIT)));
                            if (STRIDES[i] > 4) x = nn.upsampleBilinear(x, 2);
                        }
                    }
                }
                sum = sum == null ? x : Elementwise.add(sum, x);
            }
        }
        try (var s = g.scope("cls")) {
            Tensor w = g.param("weight", CLS_INIT, Role.TRAINABLE, numClasses, channels, 1, 1);
            Tensor b = g.param("bias", Init.ZEROS, Role.TRAINABLE, numClasses);
            return ConvPool.conv(sum, w, b, 1, 0, 1);
        }
    }
}
