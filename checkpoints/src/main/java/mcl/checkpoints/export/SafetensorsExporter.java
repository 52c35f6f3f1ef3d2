package mcl.checkpoints.export;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import mcl.checkpoints.Part;
import mcl.tensors.SafeTensors;

/** safetensors with canonical names (timm / Hugging Face load it); metadata records the source. */
public final class SafetensorsExporter implements Exporter {
    public List<String> export(ExportRequest req) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("preset", req.checkpoint().preset());
        meta.put("step", Long.toString(req.checkpoint().step()));
        meta.put("encoder", req.which().flagName());
        meta.put("parts", req.parts().stream().map(Part::flagName).collect(Collectors.joining(",")));
        meta.put("div", Double.toString(req.div()));
        SafeTensors.write(req.out(), req.weights(), meta);
        return List.of("# canonical (torchvision fasterrcnn_resnet50_fpn_v2) names; load with safetensors.torch.load_file(\"" + req.out() + "\")");
    }
}
