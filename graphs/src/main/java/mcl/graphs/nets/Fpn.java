package mcl.graphs.nets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mcl.graph.Graph;
import mcl.graph.Tensor;
import mcl.graph.init.Init;
import mcl.graph.nn.Nn;
import mcl.graph.ops.Elementwise;

/**
 * The FPN of torchvision's fasterrcnn_resnet50_fpn_v2: lateral 1x1 conv + BN, output 3x3 conv + BN,
 * no activations, nearest 2x top-down path, P2..P5 out (no P6). Index 0 is the finest level.
 * Xavier-uniform conv init, as the MCL recipe (mmdetection) does.
 */
public final class Fpn {
    private static final Init CONV_INIT = new Init.XavierUniform();

    private Fpn() { }

    /** C2..C5 -> P2..P5, each with {@code channels} channels, under the caller's scope ("backbone.fpn"). */
    public static List<Tensor> apply(Nn nn, List<Tensor> c, int channels) {
        Graph g = nn.graph();
        int n = c.size();
        Tensor[] results = new Tensor[n];
        Tensor lastInner = block(nn, g, "inner_blocks", n - 1, c.get(n - 1), channels, 1, 0);
        results[n - 1] = block(nn, g, "layer_blocks", n - 1, lastInner, channels, 3, 1);
        for (int i = n - 2; i >= 0; i--) {
            Tensor lateral = block(nn, g, "inner_blocks", i, c.get(i), channels, 1, 0);
            lastInner = Elementwise.add(lateral, nn.upsample2x(lastInner));
            results[i] = block(nn, g, "layer_blocks", i, lastInner, channels, 3, 1);
        }
        return new ArrayList<>(Arrays.asList(results));
    }

    /** Conv2dNormActivation without activation: "{kind}.{i}.0" conv, "{kind}.{i}.1" BN. */
    private static Tensor block(Nn nn, Graph g, String kind, int i, Tensor x, int channels, int k, int pad) {
        try (var s = g.scope(kind); var s2 = g.scope(Integer.toString(i))) {
            return nn.batchNorm2d("1", nn.conv2d("0", x, channels, k, 1, pad, CONV_INIT));
        }
    }
}
