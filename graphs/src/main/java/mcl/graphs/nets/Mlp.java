package mcl.graphs.nets;

import mcl.graph.Tensor;
import mcl.graph.init.Init;
import mcl.graph.nn.Nn;

/** The BYOL-style projector and predictor MLPs, named like the torch Sequential they mirror. */
public final class Mlp {
    private Mlp() { }

    /** Linear -> BN1d -> ReLU -> Linear -> BN1d(no affine): "0", "1", "3", "4" under the caller's scope. */
    public static Tensor projector(Nn nn, Tensor x, int hidden, int out) {
        Init w = new Init.KaimingNormalFanIn();
        Tensor h = nn.relu(nn.batchNorm1d("1", nn.linear("0", x, hidden, true, w, Init.ZEROS), true));
        return nn.batchNorm1d("4", nn.linear("3", h, out, true, w, Init.ZEROS), false);
    }

    /** Linear -> BN1d -> ReLU -> Linear: "0", "1", "3"; normal(0, 0.01) weights as the recipe says. */
    public static Tensor predictor(Nn nn, Tensor x, int hidden, int out) {
        Init w = new Init.Normal(0.01);
        Tensor h = nn.relu(nn.batchNorm1d("1", nn.linear("0", x, hidden, true, w, Init.ZEROS), true));
        return nn.linear("3", h, out, true, w, Init.ZEROS);
    }
}
