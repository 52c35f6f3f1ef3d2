package mcl.checkpoints.export;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mcl.checkpoints.Part;
import mcl.checkpoints.io.NumpyPickleWriter;
import mcl.checkpoints.io.TorchSaveWriter;
import mcl.checkpoints.names.Detectron2Names;

/**
 * detectron2 R-50-FPN checkpoints: a ".pkl" (model-zoo style: numpy arrays, read with plain
 * pickle) or a ".pth" (torch.save), both {@code {"model", "__author__", "matching_heuristics"}}.
 */
public final class Detectron2Exporter implements Exporter {
    public List<String> export(ExportRequest req) throws IOException {
        var model = new Detectron2Names().rename(req.weights());
        String file = req.out().getFileName().toString();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("__author__", "mcl " + req.checkpoint().preset() + " step " + req.checkpoint().step() + " (" + req.which().flagName() + ")");
        root.put("matching_heuristics", true);
        if (file.endsWith(".pkl")) {
            root.put("model", model);
            NumpyPickleWriter.write(req.out(), root);
        } else if (file.endsWith(".pth")) {
            root.put("model", TorchSaveWriter.stateDict(model));
            TorchSaveWriter.write(req.out(), root);
        } else {
            throw new IllegalArgumentException("a detectron2 export must end in .pkl (numpy pickle) or .pth (torch.save), got '" + file + "'");
        }
        return config(req);
    }

    /** The config detectron2 needs so its model matches these weights (YAML to merge). */
    static List<String> config(ExportRequest req) {
        List<String> c = new ArrayList<>();
        if (!req.standardBody()) {
            c.add("# NOTE: detectron2 builds ResNets from RESNETS.DEPTH in {18, 34, 50, 101, 152} only; this " + req.bodyName()
                    + " body needs a backbone of your own (registered with BACKBONE_REGISTRY) with these key names; the values below describe it.");
        }
        int fpn = req.preset().fpnChannels();
        var v = req.body();
        c.addAll(List.of(
                "# detectron2 config for these weights (merge into your Mask/Faster R-CNN R-" + req.depth() + "-FPN yaml):",
                "MODEL:",
                "  WEIGHTS: \"" + req.out() + "\"",
                "  PIXEL_MEAN: [123.675, 116.28, 103.53]",
                "  PIXEL_STD: [58.395, 57.12, 57.375]",
                "  RESNETS:",
                "    DEPTH: " + req.depth(),
                "    STRIDE_IN_1X1: False  # torchvision-style ResNet: stride in the 3x3 conv",
                "    NORM: \"SyncBN\""));
        if (v.width() != 64) c.add("    STEM_OUT_CHANNELS: " + v.width());
        if (v.expansion() == 1 || v.width() != 64) c.add("    RES2_OUT_CHANNELS: " + v.outChannels()[0]);
        if (req.parts().contains(Part.FPN)) {
            c.addAll(List.of("  FPN:", "    NORM: \"SyncBN\""));
            if (fpn != 256) c.add("    OUT_CHANNELS: " + fpn);
        }
        if (req.parts().contains(Part.HEAD)) {
            c.addAll(List.of("  ROI_BOX_HEAD:", "    NAME: \"FastRCNNConvFCHead\"", "    NUM_CONV: 4", "    NUM_FC: 1", "    NORM: \"SyncBN\""));
            if (fpn != 256) c.add("    CONV_DIM: " + fpn);
        }
        c.addAll(List.of("INPUT:", "  FORMAT: \"RGB\""));
        return c;
    }
}
