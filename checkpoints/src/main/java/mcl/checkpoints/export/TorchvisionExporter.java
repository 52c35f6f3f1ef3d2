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
        var v = req.body();
        if (classification) {
            String model = req.standardBody() ? "torchvision.models.resnet" + req.depth() + "()"
                    : "resnet_body(" + block(v) + ", " + java.util.Arrays.toString(v.layers()) + ", " + v.width() + ")  # builder: README, 'Load the weights in torchvision'";
            return List.of(
                    "# plain torchvision ResNet keys (no fc); load with:",
                    "sd = torch.load(\"" + file + "\", weights_only=True)",
                    "model = " + model,
                    "missing, unexpected = model.load_state_dict(sd, strict=False)  # missing: fc.weight, fc.bias only",
                    "# for a detector's backbone: model.backbone.body.load_state_dict(sd, strict=False)");
        }
        String builder = req.depth() == 50 && req.standardBody() && req.preset().fpnChannels() == 256
                ? "torchvision.models.detection.maskrcnn_resnet50_fpn_v2(weights=None, weights_backbone=None)"
                : "mcl_detector(" + block(v) + ", " + java.util.Arrays.toString(v.layers()) + ", " + v.width() + ", " + req.preset().fpnChannels()
                        + ")  # " + req.bodyName() + " + FPN " + req.preset().fpnChannels() + "; builder: README, 'Load the weights in torchvision'";
        return List.of(
                "# fasterrcnn/maskrcnn_resnet50_fpn_v2 key names; load with:",
                "sd = torch.load(\"" + file + "\", weights_only=True)",
                "model = " + builder,
                "missing, unexpected = model.load_state_dict(sd, strict=False)  # unexpected must be empty",
                "# input: RGB in [0,1]; the model normalises with ImageNet mean/std itself");
    }

    private static String block(mcl.graphs.nets.ResNet.Variant v) { return v.expansion() == 1 ? "BasicBlock" : "Bottleneck"; }
}
