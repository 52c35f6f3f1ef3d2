package mcl.checkpoints.export;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mcl.checkpoints.InvalidCheckpointException;
import mcl.checkpoints.Part;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.Param;
import mcl.graph.nn.BnMode;
import mcl.graphs.BackboneFpn;
import mcl.graphs.Preset;
import mcl.onnx.OnnxProto.ModelProto;
import mcl.onnx.OnnxProto.StringStringEntryProto;
import mcl.tensors.HostTensor;

/**
 * An inference ONNX model with the weights embedded: images [batch,3,H,H] -> p2..p5, eval-mode BN,
 * symbolic batch dimension. Input: normalised RGB (ImageNet mean/std on 0-255).
 */
public final class OnnxExporter implements Exporter {
    public static final String BATCH_DIM = "batch";

    public List<String> export(ExportRequest req) throws IOException {
        if (!req.parts().contains(Part.BACKBONE) || !req.parts().contains(Part.FPN)) {
            throw new IllegalArgumentException("an ONNX export computes P2..P5 and needs --parts backbone,fpn (got " + req.parts() + ")");
        }
        Preset preset = Preset.named(req.checkpoint().preset());
        Graph g = inferenceGraph(preset, req.imageSize());
        ModelProto m = DynamicBatch.mark(OnnxExport.toModel(g, embedded(g, req.weights())), BATCH_DIM);
        m = m.toBuilder()
                .addMetadataProps(meta("mcl.preset", preset.name()))
                .addMetadataProps(meta("mcl.step", Long.toString(req.checkpoint().step())))
                .addMetadataProps(meta("mcl.encoder", req.which().flagName()))
                .addMetadataProps(meta("mcl.div", Double.toString(req.div())))
                .build();
        Files.write(req.out(), m.toByteArray());
        List<String> notes = new ArrayList<>(List.of(
                "# " + req.out() + ": input '" + BackboneFpn.IMAGES + "' [batch,3," + req.imageSize() + "," + req.imageSize()
                        + "] float32, RGB normalised with mean [123.675,116.28,103.53] std [58.395,57.12,57.375];",
                "# outputs " + String.join(", ", g.outputs().keySet()) + " (FPN levels, " + preset.fpnChannels() + " channels, strides 4..32); batch is symbolic"));
        if (req.parts().contains(Part.HEAD)) notes.add("# note: the detection-head embedding is not in the ONNX graph yet; roi_heads.box_head.* were not used");
        return notes;
    }

    /**
     * The graph to export. HOOK for the detection-head embedding: when mcl.graphs offers the
     * head (roi_heads.box_head.* applied per window) as an inference output, build it here next
     * to p2..p5, require Part.HEAD in {@link #export}, and extend
     * {@link DynamicBatch#BATCH_AGNOSTIC} only with ops that are truly batch-agnostic (a Reshape
     * over the window grid is not).
     */
    static Graph inferenceGraph(Preset preset, int size) {
        return BackboneFpn.graph(preset, BnMode.EVAL, 1, size);
    }

    /** The value of every parameter the graph reads; a missing or misshapen one is an error. */
    static Map<String, float[]> embedded(Graph g, Map<String, HostTensor> weights) {
        Map<String, float[]> out = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (Param p : OnnxExport.usedParams(g)) {
            HostTensor t = weights.get(p.name());
            if (t == null) {
                missing.add(p.name());
                continue;
            }
            if (!java.util.Arrays.equals(t.shape(), p.shape())) {
                throw new InvalidCheckpointException("tensor '" + p.name() + "' has shape " + java.util.Arrays.toString(t.shape())
                        + " but the " + g.name() + " graph needs " + java.util.Arrays.toString(p.shape()) + " (wrong preset in state.json?)");
            }
            out.put(p.name(), t.floats());
        }
        if (!missing.isEmpty()) {
            throw new InvalidCheckpointException("the checkpoint lacks " + missing.size() + " tensors the " + g.name() + " graph needs, e.g. "
                    + missing.subList(0, Math.min(3, missing.size())));
        }
        return out;
    }

    private static StringStringEntryProto meta(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }
}
