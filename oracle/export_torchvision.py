"""Oracle for `mcl export --format torchvision` and `--format onnx`. DIR holds:
  online.safetensors    the fixture checkpoint's online encoder (canonical names): the truth
  detection.pth         our export, parts backbone,fpn,head (fasterrcnn_resnet50_fpn_v2 names)
  backbone.pth          our export, --parts backbone (plain torchvision resnet names)
  images_bN.safetensors 'images' [N,3,H,W]; ours_bN.safetensors p2..p5 from our ONNX export in ORT
Checks: torch.load(weights_only=True) of both files; names and values; load into the real
torchvision models (fasterrcnn/maskrcnn_resnet50_fpn_v2, or the same v2 architecture on a
resnet18 body) with no unexpected keys and no missing keys among the exported parts; strict load
of backbone.pth into resnetXX() apart from fc; then FPN outputs of model.backbone (eval) against
ours: max|ours-ref|/max|ref| <= --tol per level, reference in float64.
Usage: export_torchvision.py DIR ARCH(resnet50|resnet18) [--tol 1e-4]"""
import argparse
import glob
import json
import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
import torchvision
from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor
from torchvision.models.detection.faster_rcnn import FasterRCNN, FastRCNNConvFCHead, RPNHead, _default_anchorgen

sys.path.insert(0, os.path.dirname(__file__))
from common import read_safetensors, rel_err  # noqa: E402
from export_common import canonical, compare  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("arch", choices=["resnet50", "resnet18"])
p.add_argument("--tol", type=float, default=1e-4)
a = p.parse_args()
torch.set_num_threads(2)
fails = []


def detection_models():
    """The detectors the export must load into: torchvision's own v2 builders for ResNet-50; the
    same v2 recipe (BN FPN, 2-conv RPN head, 4conv1fc BN box head) on a resnet18 body otherwise."""
    if a.arch == "resnet50":
        kw = dict(weights=None, weights_backbone=None)
        return {"fasterrcnn_resnet50_fpn_v2": torchvision.models.detection.fasterrcnn_resnet50_fpn_v2(**kw),
                "maskrcnn_resnet50_fpn_v2": torchvision.models.detection.maskrcnn_resnet50_fpn_v2(**kw)}
    backbone = _resnet_fpn_extractor(torchvision.models.resnet18(), 5, norm_layer=nn.BatchNorm2d)
    anchors = _default_anchorgen()
    rpn_head = RPNHead(backbone.out_channels, anchors.num_anchors_per_location()[0], conv_depth=2)
    box_head = FastRCNNConvFCHead((backbone.out_channels, 7, 7), [256, 256, 256, 256], [1024], norm_layer=nn.BatchNorm2d)
    return {"fasterrcnn_resnet18_fpn_v2": FasterRCNN(backbone, num_classes=91, rpn_anchor_generator=anchors,
                                                     rpn_head=rpn_head, box_head=box_head)}


truth = canonical(os.path.join(a.dir, "online.safetensors"), ["backbone", "fpn", "head"])
sd = torch.load(os.path.join(a.dir, "detection.pth"), weights_only=True)
if not isinstance(sd, OrderedDict):
    fails.append(f"detection.pth holds {type(sd).__name__}, expected an OrderedDict state dict")
fails += compare(truth, {k: v.numpy() for k, v in sd.items()}, "detection.pth")
if any(v.dtype != torch.float32 or not v.is_contiguous() for v in sd.values()):
    fails.append("detection.pth: every tensor must be contiguous float32")

report = {"arch": a.arch, "tensors": len(sd)}
models = detection_models()
for name, model in models.items():
    missing, unexpected = model.load_state_dict(sd, strict=False)
    exported_prefixes = ("backbone.body.", "backbone.fpn.", "roi_heads.box_head.0.", "roi_heads.box_head.1.",
                         "roi_heads.box_head.2.", "roi_heads.box_head.3.")
    missing_in_parts = [k for k in missing if k.startswith(exported_prefixes) and not k.endswith("num_batches_tracked")]
    if unexpected or missing_in_parts:
        fails.append(f"{name}: unexpected {unexpected[:5]}, missing among exported parts {missing_in_parts[:5]}")
    loaded = sum(1 for k in model.state_dict() if k in sd)
    report[name] = {"loaded": loaded, "missing_elsewhere": len(missing) - len(missing_in_parts)}
    if loaded != len(sd):
        fails.append(f"{name}: only {loaded} of {len(sd)} exported tensors have a place in the model")

# --parts backbone: plain classification ResNet keys.
body = torch.load(os.path.join(a.dir, "backbone.pth"), weights_only=True)
fails += compare({k[len("backbone.body."):]: v for k, v in truth.items() if k.startswith("backbone.body.")},
                 {k: v.numpy() for k, v in body.items()}, "backbone.pth")
resnet = getattr(torchvision.models, a.arch)()
missing, unexpected = resnet.load_state_dict(body, strict=False)
missing = [k for k in missing if not k.endswith("num_batches_tracked")]
if unexpected or sorted(missing) != ["fc.bias", "fc.weight"]:
    fails.append(f"{a.arch}: backbone.pth unexpected {unexpected[:5]}, missing {missing[:5]} (only fc.* may be missing)")

# FPN parity: torchvision's model.backbone (eval) vs our ONNX export run in ORT.
backbone = next(iter(models.values())).backbone.eval()
parity = {}
with torch.no_grad():
    ref_net = backbone.double()
    for images_file in sorted(glob.glob(os.path.join(a.dir, "images_b*.safetensors"))):
        tag = os.path.basename(images_file)[len("images_"):-len(".safetensors")]
        x = torch.from_numpy(read_safetensors(images_file)["images"]).double()
        ref = ref_net(x)
        ours = read_safetensors(os.path.join(a.dir, f"ours_{tag}.safetensors"))
        errs = {f"p{i + 2}": rel_err(ours[f"p{i + 2}"], ref[str(i)].numpy()) for i in range(4)}
        parity[tag] = {"shape": list(x.shape), "rel_err": errs}
        bad = {k: v for k, v in errs.items() if not v <= a.tol}
        if bad:
            fails.append(f"FPN parity {tag}: {bad} above {a.tol}")
if not parity:
    fails.append("no images_b*.safetensors: parity was not checked")
report["fpn_parity"] = parity
report["tol"] = a.tol
print(json.dumps(report))
for f in fails:
    print("FAIL " + f)
sys.exit(1 if fails else 0)
