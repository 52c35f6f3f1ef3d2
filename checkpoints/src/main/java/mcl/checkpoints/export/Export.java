package mcl.checkpoints.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mcl.checkpoints.Checkpoint;
import mcl.checkpoints.Part;
import mcl.checkpoints.Which;
import mcl.tensors.HostTensor;

/** One export: read the checkpoint's encoder, select parts, apply Div, write the format. */
public final class Export {
    private Export() { }

    /** Returns the exporter's notes (config lines) for the user. */
    public static List<String> run(Checkpoint ck, Format format, Which which, Set<Part> parts, double div, Path out, int imageSize)
            throws IOException {
        Map<String, HostTensor> weights = ExportWeights.divide(ExportWeights.select(ck.weights(which), parts), div);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        return format.exporter().export(new ExportRequest(ck, which, parts, div, weights, out, imageSize));
    }
}
