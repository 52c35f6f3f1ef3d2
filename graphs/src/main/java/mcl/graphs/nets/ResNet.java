package mcl.graphs.nets;

import java.util.ArrayList;
import java.util.List;
import mcl.graph.Graph;
import mcl.graph.Tensor;
import mcl.graph.init.Init;
import mcl.graph.nn.Nn;
import mcl.graph.ops.Elementwise;

/**
 * ResNet in torchvision's layout ("pytorch" style: stride in the 3x3 conv), emitting C2..C5.
 * Parameter names follow the module tree, e.g. "layer2.0.downsample.0.weight", under whatever
 * scope the caller opened ("backbone.body" for the detection backbone).
 */
public final class ResNet {
    public enum Block { BASIC, BOTTLENECK }

    /** A ResNet variant as data: block type, blocks per stage and the stem width (64 in torchvision). */
    public record Variant(String name, Block block, int[] layers, int width) {
        public int expansion() { return block == Block.BASIC ? 1 : 4; }

        /** Channels of C2..C5. */
        public int[] outChannels() {
            int e = expansion();
            return new int[] {width * e, 2 * width * e, 4 * width * e, 8 * width * e};
        }
    }

    public static final Variant R18 = new Variant("resnet18", Block.BASIC, new int[] {2, 2, 2, 2}, 64);
    public static final Variant R34 = new Variant("resnet34", Block.BASIC, new int[] {3, 4, 6, 3}, 64);
    public static final Variant R50 = new Variant("resnet50", Block.BOTTLENECK, new int[] {3, 4, 6, 3}, 64);
    /** A narrow ResNet-10 (one BasicBlock per stage, width 16) for demos and CI-sized runs. */
    public static final Variant R10_W16 = new Variant("resnet10_w16", Block.BASIC, new int[] {1, 1, 1, 1}, 16);

    private static final Init CONV_INIT = new Init.KaimingNormalFanOut();

    private final Nn nn;
    private final Variant variant;
    private int inplanes;

    private ResNet(Nn nn, Variant variant) {
        this.nn = nn;
        this.variant = variant;
        this.inplanes = variant.width();
    }

    /** Runs the body on images [N,3,H,W] and returns [C2, C3, C4, C5]. */
    public static List<Tensor> body(Nn nn, Variant variant, Tensor images) {
        return new ResNet(nn, variant).forward(images);
    }

    /** One residual block on x (torchvision BasicBlock/Bottleneck), for tests and custom stacks. */
    public static Tensor block(Nn nn, Block type, Tensor x, int planes, int stride) {
        ResNet r = new ResNet(nn, type == Block.BASIC ? R18 : R50);
        r.inplanes = (int) x.dim(1);
        return type == Block.BASIC ? r.basicBlock(x, planes, stride) : r.bottleneck(x, planes, stride);
    }

    public static Variant variant(String name) {
        return switch (name) {
            case "resnet18", "r18" -> R18;
            case "resnet34", "r34" -> R34;
            case "resnet50", "r50" -> R50;
            case "resnet10_w16" -> R10_W16;
            default -> throw new IllegalArgumentException("unknown ResNet '" + name + "'; valid: resnet18, resnet34, resnet50, resnet10_w16");
        };
    }

    private List<Tensor> forward(Tensor x) {
        int w = variant.width();
        x = nn.conv2d("conv1", x, w, 7, 2, 3, CONV_INIT);
        x = nn.relu(nn.batchNorm2d("bn1", x));
        x = nn.maxPool(x, 3, 2, 1);
        List<Tensor> feats = new ArrayList<>();
        int[] planes = {w, 2 * w, 4 * w, 8 * w};
        for (int i = 0; i < 4; i++) {
            x = makeLayer("layer" + (i + 1), x, planes[i], variant.layers()[i], i == 0 ? 1 : 2);
            feats.add(x);
        }
        return feats;
    }

    private Tensor makeLayer(String name, Tensor x, int planes, int blocks, int stride) {
        Graph g = nn.graph();
        try (var s = g.scope(name)) {
            for (int i = 0; i < blocks; i++) {
                try (var b = g.scope(Integer.toString(i))) {
                    int st = i == 0 ? stride : 1;
                    x = variant.block() == Block.BASIC ? basicBlock(x, planes, st) : bottleneck(x, planes, st);
                }
            }
        }
        return x;
    }

    private Tensor basicBlock(Tensor x, int planes, int stride) {
        Tensor identity = downsample(x, planes, stride);
        Tensor out = nn.relu(nn.batchNorm2d("bn1", nn.conv2d("conv1", x, planes, 3, stride, 1, CONV_INIT)));
        out = nn.batchNorm2d("bn2", nn.conv2d("conv2", out, planes, 3, 1, 1, CONV_INIT));
        return nn.relu(Elementwise.add(out, identity));
    }

    private Tensor bottleneck(Tensor x, int planes, int stride) {
        Tensor identity = downsample(x, planes, stride);
        Tensor out = nn.relu(nn.batchNorm2d("bn1", nn.conv2d("conv1", x, planes, 1, 1, 0, CONV_INIT)));
        out = nn.relu(nn.batchNorm2d("bn2", nn.conv2d("conv2", out, planes, 3, stride, 1, CONV_INIT)));
        out = nn.batchNorm2d("bn3", nn.conv2d("conv3", out, planes * 4, 1, 1, 0, CONV_INIT));
        return nn.relu(Elementwise.add(out, identity));
    }

    /** The shortcut: identity, or 1x1 conv + BN when the shape changes (first block of a stage). */
    private Tensor downsample(Tensor x, int planes, int stride) {
        int out = planes * variant.expansion();
        Tensor result = x;
        if (stride != 1 || inplanes != out) {
            result = nn.batchNorm2d("downsample.1", nn.conv2d("downsample.0", x, out, 1, stride, 0, CONV_INIT));
        }
        inplanes = out;
        return result;
    }
}
