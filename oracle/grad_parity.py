"""Gradient parity with PyTorch autograd. The Java test writes, into DIR:
  weights.safetensors  every parameter/buffer under torch module names
  inputs.safetensors   the data inputs (see MODELS) and R.<output> weights of the scalar loss
  ours.safetensors     'loss' and 'grad.<name>' for every trainable parameter (and data input
                       where the model differentiates one)
The loss is L = sum_o sum(out_o * R.<o>) for module models; 'l2_ce' is its own loss.
ReLU kinks: see common.kink_search; where float64 pre-activations lie within float32 rounding of
0, the reference that takes either one-sided derivative there is accepted.
Modules run in train-mode BN. Reference: float64 autograd, so the error measured is ours alone;
a tensor passes when max|ours-ref|/max|ref| <= --tol. PyTorch float32's own error is printed
beside ours on failure, to tell a conditioning problem from a wrong rule.
Usage: grad_parity.py DIR MODEL [--tol 1e-4]"""
import argparse
import copy
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor
from torchvision.models.resnet import BasicBlock, Bottleneck

sys.path.insert(0, os.path.dirname(__file__))
from common import kink_search, read_safetensors, rel_err, use_kink_relus  # noqa: E402


def downsample(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


def build(model):
    if model == "basic_s1":
        return BasicBlock(8, 8), ["y"], ""
    if model == "basic_s2":
        return BasicBlock(8, 16, 2, downsample(8, 16, 2)), ["y"], ""
    if model == "bottleneck_s1":
        return Bottleneck(16, 4), ["y"], ""
    if model == "bottleneck_s2":
        return Bottleneck(16, 8, 2, downsample(16, 32, 2)), ["y"], ""
    if model == "mlp_bn1d":
        m = nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 8), nn.BatchNorm1d(8, affine=False))
        return m, ["y"], ""
    if model in ("fpn_r18", "fpn_r50"):
        arch = {"fpn_r18": "resnet18", "fpn_r50": "resnet50"}[model]
        m = _resnet_fpn_extractor(getattr(torchvision.models, arch)(), 5, norm_layer=nn.BatchNorm2d)
        return m, {"0": "p2", "1": "p3", "2": "p4", "3": "p5"}, "backbone."
    raise SystemExit(f"unknown model {model}")


def module_run(model, weights, inputs, dtype, ctx=None):
    m, names, prefix = build(model)
    if ctx is not None:
        use_kink_relus(m, ctx)
    state = {k[len(prefix):]: torch.from_numpy(v) for k, v in weights.items()}
    missing, unexpected = m.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"FAIL names: missing {missing[:10]} unexpected {unexpected[:10]}")
    if isinstance(names, list):
        names = {None: names[0]}
        wrapped = lambda x: {"y": m(x)}  # noqa: E731
    else:
        wrapped = lambda x: {names[k]: v for k, v in m(x).items() if k in names}  # noqa: E731
    m = m.to(dtype).train()
    x = torch.from_numpy(inputs["x"]).to(dtype).requires_grad_()
    outs = wrapped(x)
    loss = sum((o * torch.from_numpy(inputs["R." + n]).to(dtype)).sum() for n, o in outs.items())
    loss.backward()
    grads = {"grad." + prefix + k: p.grad.detach().double().numpy() for k, p in m.named_parameters()}
    grads["grad.x"] = x.grad.detach().double().numpy()
    return float(loss), grads


def l2_ce_run(inputs, dtype):
    q = torch.from_numpy(inputs["q"]).to(dtype).requires_grad_()
    k = torch.from_numpy(inputs["k"]).to(dtype).requires_grad_()
    labels = torch.from_numpy(inputs["labels"])
    logits = F.normalize(q, dim=1) @ F.normalize(k, dim=1).t() / 0.2
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    return float(loss), {"grad.q": q.grad.double().numpy(), "grad.k": k.grad.double().numpy()}


p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("model")
p.add_argument("--tol", type=float, default=1e-4)
a = p.parse_args()
torch.set_num_threads(2)
weights = read_safetensors(os.path.join(a.dir, "weights.safetensors"))
inputs = read_safetensors(os.path.join(a.dir, "inputs.safetensors"))
ours = read_safetensors(os.path.join(a.dir, "ours.safetensors"))


def compare(ref, loss64, ref32, loss32):
    """Per-tensor errors and failures of ours against one float64 reference."""
    ours_grads = {k: v for k, v in ours.items() if k.startswith("grad.")}
    if set(ours_grads) != set(ref):
        print(f"FAIL gradient names: only ours {sorted(set(ours_grads) - set(ref))[:10]}, "
              f"only torch {sorted(set(ref) - set(ours_grads))[:10]}")
        sys.exit(1)
    report, failures = {}, []
    loss_err = abs(float(ours["loss"].reshape(-1)[0]) - loss64) / max(abs(loss64), 1e-12)
    if loss_err > a.tol:
        failures.append(f"loss {loss_err:.3g}")
    scale = max(float(abs(r).max()) for r in ref.values())
    for name, r in ref.items():
        if abs(r).max() < 1e-7 * scale:
            # Exactly zero in exact arithmetic (e.g. a Linear bias right before BN): relative error is
            # meaningless, so require ours to be zero at the scale of the largest gradient.
            e = float(abs(ours_grads[name]).max()) / scale
            e32 = float(abs(ref32[name]).max()) / scale
        else:
            e = rel_err(ours_grads[name], r)
            e32 = rel_err(ref32[name], r)
        report[name] = e
        if e > a.tol:
            failures.append(f"{name}: ours {e:.3g}, torch float32 {e32:.3g}")
    return report, failures, loss_err


loss32, ref32 = (l2_ce_run(inputs, torch.float32) if a.model == "l2_ce"
                 else module_run(a.model, weights, inputs, torch.float32))
state = {}


def reference(ctx):
    if a.model == "l2_ce":
        state["loss64"], r = l2_ce_run(inputs, torch.float64)
    else:
        state["loss64"], r = module_run(a.model, weights, inputs, torch.float64, ctx)
    return r


def errors(r):
    report, failures, loss_err = compare(r, state["loss64"], ref32, loss32)
    state["result"] = (report, failures, loss_err)
    return report


ref, _, kinks, flips = kink_search(reference, errors, a.tol)
errors(ref)
report, failures, loss_err = state["result"]
worst = max(report, key=report.get)
print(json.dumps({"model": a.model, "tensors": len(report), "loss": state["loss64"], "loss_rel_err": loss_err,
                  "worst_grad": worst, "worst_rel_err": report[worst],
                  "median_rel_err": sorted(report.values())[len(report) // 2], "tol": a.tol,
                  "relu_kink_elements": kinks, "kink_flips_used": flips}))
for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
