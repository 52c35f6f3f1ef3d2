"""Parity of mcl's BYOL augmentation ops (Java, mcl.data.augment) with torchvision.transforms.functional.

Usage: data_aug_parity.py CASE_DIR
CASE_DIR holds tensors.safetensors (input "x" float32 [3,H,W] = uint8/255, and one Java output per
case) and cases.json ({name: {"op": ..., params}}). Each case is recomputed with torchvision's
float-tensor functional ops on the same input; the script prints the max abs difference per case
and exits 1 if any exceeds its tolerance.

Tolerances: every op runs in float32 on values in [0, 1], where one ulp is <= 6e-8. Pointwise ops
(flip, solarize, grayscale, brightness, contrast, saturation) differ only by a few roundings of a
different evaluation order: 1e-5. Resize and blur sum up to ~50 weighted taps in another order: 2e-5.
Hue divides by (max - min), which amplifies rounding where channels are nearly equal: 1e-4. The
composed pipeline inherits the largest: 1e-4. A real bug (wrong tap, wrong formula, off-by-one
crop, wrong order) shows as differences of 1e-2 or more.
"""
import json
import os
import sys

import torch
import torchvision.transforms.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import read_safetensors  # noqa: E402

TOL = {"resized_crop": 2e-5, "gaussian_blur": 2e-5, "hue": 1e-4, "byol": 1e-4}


def run(op, x, p):
    if op == "resized_crop":
        return F.resized_crop(x, p["top"], p["left"], p["height"], p["width"], [p["out_h"], p["out_w"]],
                              interpolation=F.InterpolationMode.BILINEAR, antialias=True)
    if op == "hflip":
        return F.hflip(x)
    if op == "grayscale":
        return F.rgb_to_grayscale(x, num_output_channels=3)
    if op == "solarize":
        return F.solarize(x, p["threshold"])
    if op == "brightness":
        return F.adjust_brightness(x, p["factor"])
    if op == "contrast":
        return F.adjust_contrast(x, p["factor"])
    if op == "saturation":
        return F.adjust_saturation(x, p["factor"])
    if op == "hue":
        return F.adjust_hue(x, p["factor"])
    if op == "gaussian_blur":
        return F.gaussian_blur(x, [p["kernel"], p["kernel"]], [p["sigma"], p["sigma"]])
    if op == "byol":
        y = run("resized_crop", x, p)
        if p["flip"]:
            y = F.hflip(y)
        for name, factor in p["jitter"]:
            y = run(name, y, {"factor": factor})
        if p["gray"]:
            y = F.rgb_to_grayscale(y, num_output_channels=3)
        if p["sigma"] > 0:
            y = F.gaussian_blur(y, [p["kernel"], p["kernel"]], [p["sigma"], p["sigma"]])
        if p["solarize"]:
            y = F.solarize(y, p["threshold"])
        return y
    raise ValueError(f"unknown op {op}")


def main():
    case_dir = sys.argv[1]
    tensors = read_safetensors(os.path.join(case_dir, "tensors.safetensors"))
    with open(os.path.join(case_dir, "cases.json")) as f:
        cases = json.load(f)
    x = torch.from_numpy(tensors["x"])
    failed = []
    for name, p in cases.items():
        ref = run(p["op"], x, p).numpy()
        ours = tensors[name]
        if ours.shape != ref.shape:
            failed.append(f"{name}: shape {ours.shape} vs torchvision {ref.shape}")
            continue
        err = float(abs(ours.astype("float64") - ref.astype("float64")).max())
        tol = TOL.get(p["op"], 1e-5)
        status = "ok" if err <= tol else "FAIL"
        print(f"{name:24s} {p['op']:14s} max|diff| {err:.3e}  tol {tol:.0e}  {status}")
        if err > tol:
            failed.append(f"{name}: {err:.3e} > {tol:.0e}")
    if failed:
        print("parity failures:\n  " + "\n  ".join(failed))
        sys.exit(1)
    print(f"all {len(cases)} cases within tolerance")


if __name__ == "__main__":
    main()
