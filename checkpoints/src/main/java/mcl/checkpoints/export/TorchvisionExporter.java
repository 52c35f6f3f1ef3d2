package mcl.checkpoints.export;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import mcl.checkpoints.Part;
import mcl.checkpoints.io.TorchSaveWriter;
import mcl.checkpoints.names.TorchvisionNames;

/**
 * A torch.save ".pth" state dict with torchvision names: {@code fasterrcnn_resnet50_fpn_v2} /
 * {@code maskrcnn_resnet50_fpn_v2} keys, or plain {@code resnet50()} keys when only the backbone
 * is exported (classification models).
 */
public final class TorchvisionExporter implements Exporter {
    public List<String> export(ExportRequest req) throws IOException {
        boolean classification = req.parts().equals(Set.of(Part.BACKBONE));
        var names = classification ? TorchvisionNames.CLASSIFICATION : TorchvisionNames.DETECTION;
        TorchSaveWriter.write(req.out(), TorchSaveWriter.stateDict(names.rename(req.weights())));
        String file = req.out().toString();
        String resnet = req.depthName();
        if (classification) {
            return List.of(
                    "# plain torchvision ResNet keys (no fc); load with:",
                    "sd = torch.load(\"" + file + "\", weights_only=True)",
                    "model = torchvision.models." + resnet + "()",
                    "missing, unexpected = model.load_state_dict(sd, strict=False)  # missing: fc.weight, fc.bias only",
                    "# for a detector's backbone: model.backbone.body.load_state_dict(sd, strict=False)");
        }
        String builder = req.depth() == 50 ? "torchvision.models.detection.maskrcnn_resnet50_fpn_v2(weights=None, weights_backbone=None)"
                : "see README (" + resnet + " body + _resnet_fpn_extractor(..., norm_layer=nn.BatchNorm2d) + FastRCNNConvFCHead)";
        return List.of(
                "# fasterrcnn/maskrcnn_resnet50_fpn_v2 keys; load with:",
                "sd = torch.load(\"" + file + "\", weights_only=True)",
                "model = " + builder,
                "missing, unexpected = model.load_state_dict(sd, strict=False)  # unexpected must be empty",
                "# input: RGB in [0,1]; the model normalises with ImageNet mean/std itself");
    }
}
