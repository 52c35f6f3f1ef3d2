package mcl.graphs;

import java.util.List;
import mcl.graph.DType;
import mcl.graph.Graph;
import mcl.graph.Tensor;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graphs.nets.Fpn;
import mcl.graphs.nets.ResNet;

/** Builds the detection backbone (ResNet body + v2 FPN) forward graph: images -> P2..P5. */
public final class BackboneFpn {
    public static final String IMAGES = "images";
    public static final List<String> LEVEL_NAMES = List.of("p2", "p3", "p4", "p5");

    private BackboneFpn() { }

    /** Body + FPN on {@code images} under "backbone.body" / "backbone.fpn"; returns P2..P5. */
    public static List<Tensor> apply(Nn nn, ResNet.Variant variant, int fpnChannels, Tensor images) {
        Graph g = nn.graph();
        List<Tensor> c;
        try (var s = g.scope("backbone"); var b = g.scope("body")) {
            c = ResNet.body(nn, variant, images);
        }
        try (var s = g.scope("backbone"); var f = g.scope("fpn")) {
            return Fpn.apply(nn, c, fpnChannels);
        }
    }

    /** A whole graph with input "images" [batch,3,size,size] and outputs p2..p5. */
    public static Graph graph(Preset preset, BnMode bn, int batch, int size) {
        Preset.checkImageSize(size);
        Graph g = new Graph("mcl_" + preset.name() + "_backbone_fpn");
        Tensor x = g.input(IMAGES, DType.FLOAT, batch, 3, size, size);
        List<Tensor> p = apply(new Nn(g, bn), preset.backbone(), preset.fpnChannels(), x);
        for (int i = 0; i < p.size(); i++) g.output(LEVEL_NAMES.get(i), p.get(i));
        return g;
    }
}
