package mcl.graphs.probe;

import java.util.ArrayList;
import java.util.List;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.Tensor;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graph.ops.Movement;
import mcl.graphs.BackboneFpn;
import mcl.graphs.Preset;

/**
 * The frozen per-pixel features of the dense probe: backbone + FPN in eval mode (running
 * statistics), every level P2..P5 brought to P2's resolution (1/4 of the input) by bilinear
 * upsampling (align_corners=False, as torch's F.interpolate) and concatenated along channels, so
 * a pixel's feature holds what every scale says about it (the "hypercolumn" a Semantic-FPN head
 * sums after its convs; a linear probe cannot convolve, so it gets them side by side).
 * images [batch,3,S,S] -> "features" [batch, 4 x FPN channels, S/4, S/4]; channel block i is P(i+2).
 */
public final class DenseFeatureGraph {
    public static final String IMAGES = "images";
    public static final String FEATURES = "features";
    /** Output resolution relative to the input. */
    public static final int STRIDE = 4;

    private DenseFeatureGraph() { }

    public static Graph build(Preset preset, int batch, int size) {
        Preset.checkImageSize(size);
        Graph g = new Graph("mcl_" + preset.name() + "_dense_features");
        Tensor x = g.input(IMAGES, DType.FLOAT, batch, 3, size, size);
        Nn nn = new Nn(g, BnMode.EVAL);
        List<Tensor> pyramid = BackboneFpn.apply(nn, preset.backbone(), preset.fpnChannels(), x);
        List<Tensor> up = new ArrayList<>();
        for (int i = 0; i < pyramid.size(); i++) up.add(nn.upsampleBilinear(pyramid.get(i), 1 << i));
        g.output(FEATURES, Movement.concat(1, up));
        return g;
    }

    /** Channels of a pixel's feature: 4 x the FPN width. */
    public static int channels(Preset preset) { return BackboneFpn.LEVEL_NAMES.size() * preset.fpnChannels(); }
}
