package mcl.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import mcl.graph.GraphManifest;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;

/** The folder an oracle script reads: config.json and one &lt;name&gt;.safetensors per tensor set (weights, inputs, ours, ...). */
public final class OracleCase {
    private OracleCase() { }

    public static void write(Path dir, JsonNode config, Map<String, Map<String, HostTensor>> tensorFiles) throws IOException {
        GraphManifest.JSON.writeValue(dir.resolve("config.json").toFile(), config);
        for (var e : tensorFiles.entrySet()) SafeTensors.write(dir.resolve(e.getKey() + ".safetensors"), e.getValue(), Map.of());
    }
}
