"""PyTorch reference of the Semantic-FPN segmentation graphs (mcl.graphs.seg), written from the paper's
transfer protocol (Kirillov et al. 2019, as mmsegmentation's FPNHead without dropout) with torch modules:
torchvision's ResNet + BackboneWithFPN (as mcl_reference.py builds it), nn.Conv2d/nn.BatchNorm2d/nn.ReLU
scale heads, F.interpolate(mode="bilinear", align_corners=False), F.cross_entropy.

  seg_reference.py check DIR     DIR holds config.json, weights.safetensors, inputs.safetensors (images,
                                 labels) and ours.safetensors (loss, pixel_correct, grad.*, BN batch
                                 statistics of seg_train, eval:logits of seg_eval).
  seg_reference.py bilinear DIR  DIR holds config.json {factor}, inputs.safetensors (x, R) and
                                 ours.safetensors (y = upsample(x), grad.x of sum(y * R)).

Criterion: max|ours-ref|/max|ref| <= 1e-4 for every tensor against the float64 reference; ReLU-kink
elements are resolved as the other oracles do (common.kink_search)."""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from common import check_training_graph, read_safetensors, rel_err, use_kink_relus  # noqa: E402
from mcl_reference import BnRecorder, load, make_backbone_fpn  # noqa: E402

STRIDES = (4, 8, 16, 32)


class ScaleBlock(nn.Module):
    """3x3 conv (no bias) -> BN -> ReLU -> optional bilinear x2 (mmseg ConvModule + Upsample)."""

    def __init__(self, cin, cout, upsample):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.upsample = upsample

    def forward(self, x):
        x = self.relu(self.bn(self.conv(x)))
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        return x


class FpnHead(nn.Module):
    def __init__(self, cin, channels, classes):
        super().__init__()
        heads = []
        for s in STRIDES:
            n = max(1, (s // 4).bit_length() - 1)
            heads.append(nn.Sequential(*[ScaleBlock(cin if j == 0 else channels, channels, s > 4) for j in range(n)]))
        self.scale_heads = nn.ModuleList(heads)
        self.cls = nn.Conv2d(channels, classes, 1)

    def forward(self, feats):
        out = self.scale_heads[0](feats[0])
        for i in range(1, len(STRIDES)):
            out = out + self.scale_heads[i](feats[i])
        return self.cls(out)


class SegReference(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.backbone = make_backbone_fpn(cfg)
        self.seg_head = FpnHead(cfg["fpn_channels"], cfg["head_channels"], cfg["num_classes"])

    def forward(self, images):
        feats = self.backbone(images)
        logits = self.seg_head([feats[k] for k in ("0", "1", "2", "3")])
        return F.interpolate(logits, size=images.shape[-2:], mode="bilinear", align_corners=False)


def run_check(d, dtype, ctx=None):
    cfg = json.load(open(os.path.join(d, "config.json")))
    inputs = read_safetensors(os.path.join(d, "inputs.safetensors"))
    images = torch.from_numpy(inputs["images"]).to(dtype)
    labels = torch.from_numpy(inputs["labels"])
    net = SegReference(cfg)
    load(net, os.path.join(d, "weights.safetensors"))
    net = net.to(dtype)
    ref = {}
    with torch.no_grad():
        ref["eval:logits"] = net.eval()(images)
    net.train()
    if ctx is not None:
        use_kink_relus(net, ctx)
    rec = BnRecorder(net, [""])
    logits = net(images)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    ref["loss"] = loss.detach()
    ref["pixel_correct"] = (logits.detach().argmax(1) == labels).sum().to(dtype)
    ref.update(rec.stats)
    for name, p in net.named_parameters():
        ref["grad." + name] = p.grad.detach() if p.grad is not None else torch.zeros_like(p)
    return {k: v.double().numpy() for k, v in ref.items()}


def check(d, tol):
    ours = read_safetensors(os.path.join(d, "ours.safetensors"))
    return check_training_graph(ours, lambda ctx, dtype: run_check(d, getattr(torch, dtype), ctx), tol,
                                lambda ref: {"loss": float(ref["loss"]),
                                "pixel_correct": [float(ours["pixel_correct"].reshape(-1)[0]), float(ref["pixel_correct"])]})


def bilinear(d, tol):
    cfg = json.load(open(os.path.join(d, "config.json")))
    inputs = read_safetensors(os.path.join(d, "inputs.safetensors"))
    ours = read_safetensors(os.path.join(d, "ours.safetensors"))
    x = torch.from_numpy(inputs["x"]).double().requires_grad_()
    r = torch.from_numpy(inputs["R"]).double()
    y = F.interpolate(x, scale_factor=cfg["factor"], mode="bilinear", align_corners=False)
    (y * r).sum().backward()
    errs = {"y": rel_err(ours["y"], y.detach().numpy()), "grad.x": rel_err(ours["grad.x"], x.grad.numpy())}
    print(json.dumps({"factor": cfg["factor"], "shape": list(x.shape), "rel_err": errs, "tol": tol}))
    return max(errs.values()) <= tol


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("check", "bilinear"):
        raise SystemExit(__doc__)
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
    torch.set_num_threads(2)
    ok = check(sys.argv[2], tol) if sys.argv[1] == "check" else bilinear(sys.argv[2], tol)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
