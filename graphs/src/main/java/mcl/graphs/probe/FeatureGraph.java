package mcl.graphs.probe;

import java.util.List;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.Tensor;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graphs.Preset;
import mcl.graphs.nets.ResNet;

/**
 * The frozen features self-supervised learning is judged by: the ResNet body in eval mode (running
 * statistics), C5 average-pooled, images [batch,3,S,S] -> "features" [batch, C5 channels]. Parameters
 * are named as in a checkpoint ("backbone.body.*").
 */
public final class FeatureGraph {
    public static final String IMAGES = "images";
    public static final String FEATURES = "features";

    private FeatureGraph() { }

    public static Graph build(Preset preset, int batch, int size) {
        Preset.checkImageSize(size);
        Graph g = new Graph("mcl_" + preset.name() + "_c5_features");
        Tensor x = g.input(IMAGES, DType.FLOAT, batch, 3, size, size);
        Nn nn = new Nn(g, BnMode.EVAL);
        List<Tensor> c;
        try (var s = g.scope("backbone"); var b = g.scope("body")) {
            c = ResNet.body(nn, preset.backbone(), x);
        }
        g.output(FEATURES, nn.globalAvgPool(c.get(c.size() - 1)));
        return g;
    }
}
