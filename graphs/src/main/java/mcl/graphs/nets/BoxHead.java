package mcl.graphs.nets;

import mcl.graph.Graph;
import mcl.graph.Tensor;
import mcl.graph.init.Init;
import mcl.graph.nn.Nn;

/**
 * The detection head MCL pre-trains: 4 x (3x3 conv, no bias, + BN + ReLU), exactly
 * `roi_heads.box_head.{0..3}` of torchvision's fasterrcnn_resnet50_fpn_v2 (FastRCNNConvFCHead).
 * Applied to a batch of windows, each zero-padded on its own, so nothing crosses a tile border.
 */
public final class BoxHead {
    public static final int CONVS = 4;
    private static final Init CONV_INIT = new Init.KaimingNormalFanOut();

    private BoxHead() { }

    /** windows [n, C, w, w] -> [n, C, w, w], under the caller's scope ("roi_heads.box_head"). */
    public static Tensor apply(Nn nn, Tensor windows) {
        Graph g = nn.graph();
        Tensor x = windows;
        int c = (int) windows.dim(1);
        for (int j = 0; j < CONVS; j++) {
            try (var s = g.scope(Integer.toString(j))) {
                x = nn.relu(nn.batchNorm2d("1", nn.conv2d("0", x, c, 3, 1, 1, CONV_INIT)));
            }
        }
        return x;
    }
}
