"""Forward parity with torchvision. The Java test writes, into DIR:
  weights.safetensors  every parameter and buffer under mcl's (torchvision) names
  input.safetensors    'images' [N,3,H,W]
  ours.safetensors     our outputs: c2..c5 (model resnet*) or p2..p5 (model fpn_*)
This script builds the torchvision module, loads the weights strictly, runs it in train- or
eval-mode BN and prints max|ours-ref|/max|ref| per output. Exit 1 above --tol.
Usage: forward_parity.py DIR MODEL(resnet18|resnet34|resnet50|fpn_r18|fpn_r50) BN(train|eval) [--tol 1e-4]"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision
from torchvision.models._utils import IntermediateLayerGetter
from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor

sys.path.insert(0, os.path.dirname(__file__))
from common import read_safetensors, rel_err  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("model")
p.add_argument("bn", choices=["train", "eval"])
p.add_argument("--tol", type=float, default=1e-4)
a = p.parse_args()

torch.set_num_threads(2)
arch = a.model.split("_")[-1].replace("r", "resnet") if a.model.startswith("fpn_") else a.model
resnet = getattr(torchvision.models, arch)()
weights = read_safetensors(os.path.join(a.dir, "weights.safetensors"))
if a.model.startswith("fpn_"):
    # Exactly what fasterrcnn_resnet50_fpn_v2 builds: BN in the FPN laterals and outputs.
    module = _resnet_fpn_extractor(resnet, 5, norm_layer=nn.BatchNorm2d)
    state = {k[len("backbone."):]: torch.from_numpy(v) for k, v in weights.items()}
    names = {"0": "p2", "1": "p3", "2": "p4", "3": "p5"}
else:
    module = IntermediateLayerGetter(resnet, {"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"})
    state = {k: torch.from_numpy(v) for k, v in weights.items()}
    names = {"0": "c2", "1": "c3", "2": "c4", "3": "c5"}
missing, unexpected = module.load_state_dict(state, strict=False)
missing = [k for k in missing if not k.endswith("num_batches_tracked")]
if missing or unexpected:
    print(f"FAIL names: missing {missing[:10]} unexpected {unexpected[:10]}")
    sys.exit(1)
module.train(a.bn == "train")
x = torch.from_numpy(read_safetensors(os.path.join(a.dir, "input.safetensors"))["images"])
# The reference runs in float64, so the error measured is ours alone; PyTorch float32's own
# error is reported beside it.
with torch.no_grad():
    ref32 = module(x)
    ref = module.double()(x.double())
ours = read_safetensors(os.path.join(a.dir, "ours.safetensors"))
report, torch32, ok = {}, {}, True
for key, name in names.items():
    report[name] = rel_err(ours[name], ref[key].numpy())
    torch32[name] = rel_err(ref32[key].numpy(), ref[key].numpy())
    ok &= report[name] <= a.tol
print(json.dumps({"model": a.model, "bn": a.bn, "rel_err": report, "torch_f32_rel_err": torch32,
                  "worst": max(report.values()), "tol": a.tol, "reference": "float64"}))
sys.exit(0 if ok else 1)
