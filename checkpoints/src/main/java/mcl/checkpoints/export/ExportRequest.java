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
    public String depthName() {
        return mcl.graphs.Preset.named(checkpoint.preset()).backbone().name();
    }

    /** ResNet depth (50, 18, ...) of the checkpoint's preset. */
    public int depth() {
        return Integer.parseInt(depthName().replaceAll("\\D", ""));
    }
}
