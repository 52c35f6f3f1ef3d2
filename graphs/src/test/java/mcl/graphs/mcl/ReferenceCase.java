package mcl.graphs.mcl;

import mcl.testing.OracleCase;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import mcl.graph.GraphManifest;
import mcl.tensors.HostTensor;

/**
 * The files `oracle/mcl_reference.py check DIR` reads: config.json (the network and loss of
 * {@code cfg}), weights.safetensors, target_weights.safetensors, inputs.safetensors (the target
 * graph's outputs included, as the online graph was fed them) and ours.safetensors.
 */
public final class ReferenceCase {
    private ReferenceCase() { }

    public static void write(Path dir, MclConfig cfg, Map<String, HostTensor> onlineWeights, Map<String, HostTensor> targetWeights,
                             Map<String, HostTensor> inputs, Map<String, HostTensor> ours) throws IOException {
        ObjectNode config = GraphManifest.JSON.createObjectNode();
        var b = cfg.preset().backbone();
        config.put("block", b.block() == mcl.graphs.nets.ResNet.Block.BASIC ? "basic" : "bottleneck");
        var layers = config.putArray("layers");
        for (int n : b.layers()) layers.add(n);
        config.put("width", b.width());
        config.put("fpn_channels", cfg.preset().fpnChannels());
        config.put("projector_hidden", cfg.preset().projectorHidden());
        config.put("embedding_dim", cfg.preset().embeddingDim());
        config.put("levels", cfg.levels());
        config.put("mode", cfg.mode().name().toLowerCase());
        config.put("batch", cfg.batch());
        config.put("size", cfg.size());
        config.put("temperature", cfg.temperature());
        var w = config.putArray("level_weights");
        for (double x : cfg.levelWeights()) w.add(x);
        OracleCase.write(dir, config, Map.of("weights", onlineWeights, "target_weights", targetWeights, "inputs", inputs, "ours", ours));
    }
}
