package mcl.graphs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import mcl.graph.GraphManifest;
import mcl.graph.Param;
import mcl.graph.nn.Nn;

/** Manifest fields every training-graph family writes the same way (MCL pre-training, segmentation). */
public final class ManifestParts {
    private ManifestParts() { }

    /** Appends {name, shape, init, role} of {@code p} to {@code params}; callers add their optimiser flags. */
    public static ObjectNode parameter(ArrayNode params, Param p) {
        ObjectNode o = params.addObject();
        o.put("name", p.name());
        ArrayNode s = o.putArray("shape");
        for (long d : p.shape()) s.add(d);
        o.put("init", p.init().describe());
        o.put("role", p.trainable() ? "trainable" : "buffer");
        return o;
    }

    /** Biases and norm parameters (rank 1) get no weight decay (nor LARS adaptation): the recipe. */
    public static boolean decayed(Param p) {
        return p.trainable() && p.shape().length > 1;
    }

    /** Each training-mode BN application: its batch-statistics outputs, the running buffers they update, the count. */
    public static ArrayNode bnStats(List<Nn.BnStats> stats) {
        ArrayNode a = GraphManifest.JSON.createArrayNode();
        for (Nn.BnStats s : stats) {
            ObjectNode o = a.addObject();
            o.put("mean", s.meanOutput());
            o.put("var", s.varOutput());
            o.put("running_mean", s.layer() + ".running_mean");
            o.put("running_var", s.layer() + ".running_var");
            o.put("count", s.count());
        }
        return a;
    }

    /** Writes each graph as an .onnx file named by its key, and the manifest, into {@code dir}. */
    public static void writeFolder(java.nio.file.Path dir, java.util.Map<String, mcl.graph.Graph> graphs, String manifestName,
                                   com.fasterxml.jackson.databind.JsonNode manifest) throws java.io.IOException {
        java.nio.file.Files.createDirectories(dir);
        for (var e : graphs.entrySet()) {
            java.nio.file.Files.write(dir.resolve(e.getKey()), mcl.graph.OnnxExport.toModel(e.getValue()).toByteArray());
        }
        GraphManifest.JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(manifestName).toFile(), manifest);
    }

    /**
     * The fields a fine-tuning manifest ends with: both graphs' interfaces, every parameter (shape,
     * init, role, weight_decay) and the training graph's BN batch-statistics outputs.
     */
    public static void fineTuneGraphs(ObjectNode m, String trainName, mcl.graph.Graph train, String evalName, mcl.graph.Graph eval,
                                      List<Nn.BnStats> trainBn) {
        ObjectNode graphs = m.putObject("graphs");
        graphs.set(trainName, GraphManifest.describe(train));
        graphs.set(evalName, GraphManifest.describe(eval));
        ArrayNode params = m.putArray("parameters");
        for (Param p : train.params()) parameter(params, p).put("weight_decay", decayed(p));
        m.putObject("bn_stats").set(trainName, bnStats(trainBn));
    }

    /** The fields every manifest starts with: its format, and the network the graphs were built for. */
    public static ObjectNode header(String format, mcl.graphs.Preset preset) {
        ObjectNode m = GraphManifest.JSON.createObjectNode();
        m.put("format", format);
        m.put("preset", preset.name());
        m.put("backbone", preset.backbone().name());
        m.put("fpn_channels", preset.fpnChannels());
        return m;
    }
}
