"""Oracle for `mcl export --format mmdet`. Loads our .pth with torch.load(weights_only=True) the
way mmengine's load_checkpoint reads it (takes "state_dict"), derives the expected mmdetection
names from the canonical (torchvision) names with mmdetection's module layout, written here
independently of the Java mapper, and checks names and values.
Usage: export_mmdet.py ONLINE.safetensors PARTS(csv) FILE.pth"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from export_common import canonical, compare  # noqa: E402

# Names as mmdetection's ResNet (style='pytorch'), FPN(norm_cfg=BN) and Shared4Conv1FCBBoxHead spell them.
KNOWN = {
    "backbone": ["backbone.conv1.weight", "backbone.bn1.running_var", "backbone.layer2.0.downsample.1.bias"],
    "fpn": ["neck.lateral_convs.0.conv.weight", "neck.lateral_convs.3.bn.running_mean", "neck.fpn_convs.1.bn.weight"],
    "head": ["roi_head.bbox_head.shared_convs.0.conv.weight", "roi_head.bbox_head.shared_convs.3.bn.running_var"],
}


def mm_name(k):
    p = k.split(".")
    if p[:2] == ["backbone", "body"]:
        return ".".join(["backbone"] + p[2:])
    child = {"0": "conv", "1": "bn"}
    if p[:2] == ["backbone", "fpn"]:
        module = {"inner_blocks": "lateral_convs", "layer_blocks": "fpn_convs"}[p[2]]
        return ".".join(["neck", module, p[3], child[p[4]]] + p[5:])
    if p[:2] == ["roi_heads", "box_head"]:
        return ".".join(["roi_head", "bbox_head", "shared_convs", p[2], child[p[3]]] + p[4:])
    raise ValueError(f"no mmdetection name for {k}")


online, parts, path = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
expected = {mm_name(k): v for k, v in canonical(online, parts).items()}
fails = []
for part in parts:
    fails += [f"mmdetection name {n} is not among the expected names" for n in KNOWN[part] if n not in expected]
ckpt = torch.load(path, weights_only=True)
if not isinstance(ckpt, dict) or "state_dict" not in ckpt:
    fails.append(f"{path}: no 'state_dict' key (top-level {type(ckpt).__name__})")
    sd = {}
else:
    sd = ckpt["state_dict"]
fails += compare(expected, {k: v.numpy() for k, v in sd.items()}, path)
print(json.dumps({"parts": parts, "expected": len(expected), "got": len(sd), "meta": ckpt.get("meta")}))
for f in fails:
    print("FAIL " + f)
sys.exit(1 if fails else 0)
