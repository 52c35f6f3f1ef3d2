package mcl.checkpoints.export;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mcl.checkpoints.Part;
import mcl.checkpoints.io.TorchSaveWriter;
import mcl.checkpoints.names.MmdetNames;

/** mmdetection checkpoints: torch.save {@code {"state_dict": ..., "meta": ...}} with mmdetection names. */
public final class MmdetExporter implements Exporter {
    public List<String> export(ExportRequest req) throws IOException {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("mcl_preset", req.checkpoint().preset());
        meta.put("mcl_step", req.checkpoint().step());
        meta.put("mcl_encoder", req.which().flagName());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("state_dict", TorchSaveWriter.stateDict(new MmdetNames().rename(req.weights())));
        root.put("meta", meta);
        TorchSaveWriter.write(req.out(), root);
        return config(req);
    }

    /** The mmdetection (3.x) config snippet matching these weights. */
    static List<String> config(ExportRequest req) {
        int d = req.depth();
        int fpn = req.preset().fpnChannels();
        var v = req.body();
        String norm = "norm_cfg=dict(type='SyncBN', requires_grad=True)";
        List<String> c = new ArrayList<>();
        if (!req.standardBody()) {
            c.add("# NOTE: mmdetection's ResNet takes depth in {18, 34, 50, 101, 152} only; this " + req.bodyName()
                    + " body needs a backbone of your own with these key names; the values below describe it.");
        }
        c.addAll(List.of(
                "# mmdetection config for these weights (Mask/Faster R-CNN R-" + d + "-FPN):",
                "load_from = '" + req.out() + "'",
                "model = dict(",
                "    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),",
                "    backbone=dict(depth=" + d + (v.width() != 64 ? ", base_channels=" + v.width() + ", stem_channels=" + v.width() : "")
                        + ", style='pytorch', " + norm + ", norm_eval=False, init_cfg=None),"));
        c.add("    neck=dict(in_channels=" + req.stageChannels() + (fpn != 256 ? ", out_channels=" + fpn : "")
                + (req.parts().contains(Part.FPN) ? ", " + norm : "") + "),");
        if (fpn != 256) c.add("    rpn_head=dict(in_channels=" + fpn + ", feat_channels=" + fpn + "),");
        if (req.parts().contains(Part.HEAD)) {
            String narrow = fpn != 256 ? "bbox_roi_extractor=dict(out_channels=" + fpn + "), " : "";
            c.add("    roi_head=dict(" + narrow + "bbox_head=dict(type='Shared4Conv1FCBBoxHead', " + (fpn != 256 ? "in_channels=" + fpn + ", " : "")
                    + "conv_out_channels=" + fpn + ", " + norm + ")),");
        }
        c.add(")");
        return c;
    }
}
