package mcl.checkpoints.export;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import mcl.checkpoints.Checkpoint;
import mcl.checkpoints.Part;
import mcl.checkpoints.Which;
import mcl.tensors.HostTensor;

/**
 * What one export writes.
 *
 * @param weights   the selected tensors (canonical names, Div already applied)
 * @param imageSize the static spatial size of graph exports (ONNX)
 */
public record ExportRequest(Checkpoint checkpoint, Which which, Set<Part> parts, double div,
                            Map<String, HostTensor> weights, Path out, int imageSize) {
    public mcl.graphs.Preset preset() { return mcl.graphs.Preset.named(checkpoint.preset()); }

    /** The ResNet body of the checkpoint's preset: block type, blocks per stage, stem width. */
    public mcl.graphs.nets.ResNet.Variant body() { return preset().backbone(); }

    /** ResNet depth counted as torchvision and the paper do: 2 (basic) or 3 (bottleneck) convs per block, plus stem and fc. */
    public int depth() {
        var v = body();
        return java.util.Arrays.stream(v.layers()).sum() * (v.expansion() == 1 ? 2 : 3) + 2;
    }

    /**
     * Whether the body is one of the standard ResNets the detector frameworks build from a depth
     * alone (18, 34, 50, 101, 152 with torchvision's block counts and stem width 64).
     */
    public boolean standardBody() {
        var v = body();
        int[] blocks = switch (depth()) {
            case 18 -> new int[] {2, 2, 2, 2};
            case 34, 50 -> new int[] {3, 4, 6, 3};
            case 101 -> new int[] {3, 4, 23, 3};
            case 152 -> new int[] {3, 8, 36, 3};
            default -> null;
        };
        return blocks != null && java.util.Arrays.equals(blocks, v.layers()) && v.width() == 64 && (v.expansion() == 4) == (depth() >= 50);
    }

    /** "ResNet-10 (1-1-1-1 BasicBlocks, width 16)", for messages. */
    public String bodyName() {
        var v = body();
        return "ResNet-" + depth() + " (" + java.util.Arrays.stream(v.layers()).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining("-"))
                + " " + (v.expansion() == 1 ? "BasicBlock" : "Bottleneck") + "s, width " + v.width() + ")";
    }

    /** Channels of C2..C5 as a Python/JSON list. */
    public String stageChannels() { return java.util.Arrays.toString(body().outChannels()); }
}
