"""Oracle for `mcl export --format detectron2`. Reads our .pkl with plain `pickle` (as
detectron2's DetectionCheckpointer does; numpy only, no detectron2 needed) and our .pth with
torch.load(weights_only=True); derives the expected detectron2 names from the canonical
(torchvision) names of the checkpoint by detectron2's documented rename rules, written here
independently of the Java mapper; checks names and values.
Usage: export_detectron2.py ONLINE.safetensors PARTS(csv) FILE.pkl|FILE.pth ..."""
import json
import os
import pickle
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from export_common import canonical, compare  # noqa: E402

# Names as detectron2's R-FPN model with FPN.NORM and a 4-conv NORM box head spells them (R-18 and R-50 alike).
KNOWN = {
    "backbone": ["backbone.bottom_up.stem.conv1.weight", "backbone.bottom_up.stem.conv1.norm.running_var",
                 "backbone.bottom_up.res3.0.shortcut.weight", "backbone.bottom_up.res3.0.shortcut.norm.bias",
                 "backbone.bottom_up.res5.1.conv2.norm.running_mean"],
    "fpn": ["backbone.fpn_lateral2.weight", "backbone.fpn_lateral5.norm.weight", "backbone.fpn_output3.norm.running_var"],
    "head": ["roi_heads.box_head.conv1.weight", "roi_heads.box_head.conv4.norm.bias"],
}


def d2_name(k):
    """torchvision name -> detectron2, the way detectron2's convert-torchvision-to-d2 does it."""
    if k.startswith("backbone.body."):
        k = k[len("backbone.body."):]
        if "layer" not in k:
            k = "stem." + k
        for t in [1, 2, 3, 4]:
            k = k.replace(f"layer{t}", f"res{t + 1}")
        for t in [1, 2, 3]:
            k = k.replace(f"bn{t}", f"conv{t}.norm")
        k = k.replace("downsample.0", "shortcut").replace("downsample.1", "shortcut.norm")
        return "backbone.bottom_up." + k
    if k.startswith("backbone.fpn."):
        k = k[len("backbone.fpn."):]
        for i in range(4):
            for tv, d2 in (("inner_blocks", "fpn_lateral"), ("layer_blocks", "fpn_output")):
                k = k.replace(f"{tv}.{i}.0.", f"{d2}{i + 2}.").replace(f"{tv}.{i}.1.", f"{d2}{i + 2}.norm.")
        return "backbone." + k
    if k.startswith("roi_heads.box_head."):
        j, child, rest = k[len("roi_heads.box_head."):].split(".", 2)
        return f"roi_heads.box_head.conv{int(j) + 1}" + ("." if child == "0" else ".norm.") + rest
    raise ValueError(f"no detectron2 name for {k}")


online, parts = sys.argv[1], sys.argv[2].split(",")
expected = {d2_name(k): v for k, v in canonical(online, parts).items()}
fails = []
for p in parts:  # a few names as detectron2 spells them, as a check on the rules above
    fails += [f"detectron2 name {n} is not among the expected names" for n in KNOWN[p] if n not in expected]
report = {"parts": parts, "expected": len(expected)}
for path in sys.argv[3:]:
    if path.endswith(".pkl"):
        with open(path, "rb") as f:
            data = pickle.load(f, encoding="latin1")  # what DetectionCheckpointer does for .pkl
        model = data.get("model", {})
        bad = [k for k, v in model.items() if not (isinstance(v, np.ndarray) and v.dtype == np.float32 and v.flags["C_CONTIGUOUS"])]
        if bad:
            fails.append(f"{path}: not C-contiguous float32 numpy arrays: {bad[:3]}")
        got = dict(model)
    else:
        data = torch.load(path, weights_only=True)
        got = {k: v.numpy() for k, v in data.get("model", {}).items()}
    if set(data) != {"model", "__author__", "matching_heuristics"}:
        fails.append(f"{path}: top-level keys {sorted(data)}, expected model, __author__, matching_heuristics")
    if data.get("matching_heuristics") is not True or not isinstance(data.get("__author__"), str):
        fails.append(f"{path}: matching_heuristics must be True and __author__ a str")
    fails += compare(expected, got, path)
    report[os.path.basename(path)] = len(got)
print(json.dumps(report))
for f in fails:
    print("FAIL " + f)
sys.exit(1 if fails else 0)
