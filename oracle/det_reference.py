"""PyTorch reference of the FCOS detection graphs (mcl.graphs.det), written from the papers
(Tian et al. 2019, FCOS; with the v2 head: GroupNorm, centerness on the regression tower, distances
ReLU(scale_l * conv) * stride_l, GIoU) with torch modules and torchvision's ops: torchvision's
ResNet + BackboneWithFPN (as mcl_reference.py builds it), nn.Conv2d / nn.GroupNorm / nn.ReLU towers,
torchvision.ops.sigmoid_focal_loss, torchvision.ops.generalized_box_iou_loss on absolute boxes
(location centres computed here from the strides), F.binary_cross_entropy_with_logits on the
positives selected by boolean indexing.

  det_reference.py check DIR      DIR holds config.json, weights.safetensors, inputs.safetensors
                                  (images, cls_targets, box_targets, ctr_targets, pos_mask, num_pos,
                                  ctr_sum) and ours.safetensors (loss, loss.cls, loss.box, loss.ctr,
                                  grad.*, BN batch statistics of det_train; eval:cls_logits,
                                  eval:box_pred, eval:ctr_logits of det_eval).
  det_reference.py loss DIR       the loss alone: inputs.safetensors holds the head outputs
                                  (cls_logits, box_pred, ctr_logits) and the targets; ours holds the
                                  four loss values and grad.cls_logits / grad.box_pred / grad.ctr_logits.
  det_reference.py groupnorm DIR  config.json {groups}; inputs x, weight, bias, R; ours y = GN(x),
                                  grad.x / grad.weight / grad.bias of sum(y * R).

Criterion: max|ours-ref|/max|ref| <= 1e-4 for every tensor against the float64 reference; ReLU-kink
elements are resolved as the other oracles do (common.kink_search)."""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.ops import generalized_box_iou_loss, sigmoid_focal_loss

sys.path.insert(0, os.path.dirname(__file__))
from common import check_training_graph, read_safetensors, rel_err, use_kink_relus  # noqa: E402
from mcl_reference import BnRecorder, load, make_backbone_fpn  # noqa: E402


class ConvGn(nn.Module):
    """3x3 conv (no bias) -> GroupNorm -> ReLU (mmdetection's ConvModule with norm_cfg GN)."""

    def __init__(self, cin, cout, groups):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.gn = nn.GroupNorm(groups, cout)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.gn(self.conv(x)))


class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return x * self.scale


class FcosHead(nn.Module):
    def __init__(self, cin, channels, classes, convs, groups, strides):
        super().__init__()
        self.strides = strides
        self.cls_convs = nn.ModuleList(ConvGn(cin if i == 0 else channels, channels, groups) for i in range(convs))
        self.reg_convs = nn.ModuleList(ConvGn(cin if i == 0 else channels, channels, groups) for i in range(convs))
        self.conv_cls = nn.Conv2d(channels, classes, 3, padding=1)
        self.conv_reg = nn.Conv2d(channels, 4, 3, padding=1)
        self.conv_centerness = nn.Conv2d(channels, 1, 3, padding=1)
        self.scales = nn.ModuleList(Scale() for _ in strides)
        self.reg_relu = nn.ReLU()

    def forward(self, feats):
        cls, box, ctr = [], [], []
        for lvl, x in enumerate(feats):
            c, r = x, x
            for m in self.cls_convs:
                c = m(c)
            for m in self.reg_convs:
                r = m(r)
            # [B, C, H, W] -> [B, H*W, C]: row-major locations, levels concatenated finest first
            cls.append(self.conv_cls(c).flatten(2).transpose(1, 2))
            box.append((self.reg_relu(self.scales[lvl](self.conv_reg(r))) * self.strides[lvl]).flatten(2).transpose(1, 2))
            ctr.append(self.conv_centerness(r).flatten(1))
        return torch.cat(cls, 1), torch.cat(box, 1), torch.cat(ctr, 1)


class DetReference(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.backbone = make_backbone_fpn(cfg)
        self.det_head = FcosHead(cfg["fpn_channels"], cfg["head_channels"], cfg["num_classes"], cfg["convs"],
                                 cfg["gn_groups"], cfg["strides"])

    def forward(self, images):
        feats = self.backbone(images)
        return self.det_head([feats[k] for k in ("0", "1", "2", "3")])


def centres(size, strides, dtype):
    """[L, 2] location centres (x, y) in pixels, level-major then row-major (y, x)."""
    out = []
    for s in strides:
        n = size // s
        ys, xs = torch.meshgrid(torch.arange(n, dtype=dtype), torch.arange(n, dtype=dtype), indexing="ij")
        out.append(torch.stack([(xs.reshape(-1) + 0.5) * s, (ys.reshape(-1) + 0.5) * s], 1))
    return torch.cat(out, 0)


def fcos_loss(cls_logits, box_pred, ctr_logits, t, cfg):
    """mmdetection's FCOS loss with the normalisers given as inputs (see FcosLoss.java)."""
    num_pos, ctr_sum = t["num_pos"].reshape(()), t["ctr_sum"].reshape(())
    loss_cls = sigmoid_focal_loss(cls_logits, t["cls_targets"], alpha=0.25, gamma=2, reduction="sum") / num_pos
    pos = t["pos_mask"] > 0.5
    xy = centres(cfg["size"], cfg["strides"], box_pred.dtype).unsqueeze(0).expand(box_pred.shape[0], -1, -1)

    def boxes(d):
        return torch.stack([xy[..., 0] - d[..., 0], xy[..., 1] - d[..., 1], xy[..., 0] + d[..., 2], xy[..., 1] + d[..., 3]], -1)[pos]

    ctr_t = t["ctr_targets"][pos]
    giou = generalized_box_iou_loss(boxes(box_pred), boxes(t["box_targets"]), reduction="none", eps=1e-7)
    loss_box = (giou * ctr_t).sum() / ctr_sum
    loss_ctr = F.binary_cross_entropy_with_logits(ctr_logits[pos], ctr_t, reduction="sum") / num_pos
    return loss_cls + loss_box + loss_ctr, loss_cls, loss_box, loss_ctr


TARGETS = ("cls_targets", "box_targets", "ctr_targets", "pos_mask", "num_pos", "ctr_sum")


def run_check(d, dtype, ctx=None):
    cfg = json.load(open(os.path.join(d, "config.json")))
    inputs = read_safetensors(os.path.join(d, "inputs.safetensors"))
    images = torch.from_numpy(inputs["images"]).to(dtype)
    t = {k: torch.from_numpy(inputs[k]).to(dtype) for k in TARGETS}
    net = DetReference(cfg)
    load(net, os.path.join(d, "weights.safetensors"))
    net = net.to(dtype)
    ref = {}
    with torch.no_grad():
        c, b, r = net.eval()(images)
        ref["eval:cls_logits"], ref["eval:box_pred"], ref["eval:ctr_logits"] = c, b, r
    net.train()
    if ctx is not None:
        use_kink_relus(net, ctx)
    rec = BnRecorder(net, [""])
    loss, lc, lb, lr = fcos_loss(*net(images), t, cfg)
    loss.backward()
    ref.update({"loss": loss.detach(), "loss.cls": lc.detach(), "loss.box": lb.detach(), "loss.ctr": lr.detach()})
    ref.update(rec.stats)
    for name, p in net.named_parameters():
        ref["grad." + name] = p.grad.detach() if p.grad is not None else torch.zeros_like(p)
    return {k: v.double().numpy() for k, v in ref.items()}


def check(d, tol):
    ours = read_safetensors(os.path.join(d, "ours.safetensors"))
    inputs = read_safetensors(os.path.join(d, "inputs.safetensors"))
    return check_training_graph(ours, lambda ctx, dtype: run_check(d, getattr(torch, dtype), ctx), tol,
                                lambda ref: {"losses": {k: float(ref[k]) for k in ("loss", "loss.cls", "loss.box", "loss.ctr")},
                                "positives": float(inputs["pos_mask"].sum())})


def loss_only(d, tol):
    cfg = json.load(open(os.path.join(d, "config.json")))
    inputs = read_safetensors(os.path.join(d, "inputs.safetensors"))
    ours = read_safetensors(os.path.join(d, "ours.safetensors"))
    heads = {k: torch.from_numpy(inputs[k]).double().requires_grad_() for k in ("cls_logits", "box_pred", "ctr_logits")}
    t = {k: torch.from_numpy(inputs[k]).double() for k in TARGETS}
    loss, lc, lb, lr = fcos_loss(heads["cls_logits"], heads["box_pred"], heads["ctr_logits"], t, cfg)
    loss.backward()
    ref = {"loss": loss, "loss.cls": lc, "loss.box": lb, "loss.ctr": lr}
    ref.update({"grad." + k: v.grad for k, v in heads.items()})
    errs = {k: rel_err(ours[k].reshape(v.shape), v.detach().numpy()) for k, v in ref.items()}
    print(json.dumps({"rel_err": errs, "losses": {k: float(ref[k]) for k in ("loss", "loss.cls", "loss.box", "loss.ctr")},
                      "tol": tol}))
    return max(errs.values()) <= tol


def groupnorm(d, tol):
    cfg = json.load(open(os.path.join(d, "config.json")))
    inputs = read_safetensors(os.path.join(d, "inputs.safetensors"))
    ours = read_safetensors(os.path.join(d, "ours.safetensors"))
    x = torch.from_numpy(inputs["x"]).double().requires_grad_()
    gn = nn.GroupNorm(cfg["groups"], x.shape[1]).double()
    with torch.no_grad():
        gn.weight.copy_(torch.from_numpy(inputs["weight"]))
        gn.bias.copy_(torch.from_numpy(inputs["bias"]))
    y = gn(x)
    (y * torch.from_numpy(inputs["R"]).double()).sum().backward()
    ref = {"y": y.detach(), "grad.x": x.grad, "grad.weight": gn.weight.grad, "grad.bias": gn.bias.grad}
    errs = {k: rel_err(ours[k], v.numpy()) for k, v in ref.items()}
    print(json.dumps({"groups": cfg["groups"], "shape": list(x.shape), "rel_err": errs, "tol": tol}))
    return max(errs.values()) <= tol


def main():
    modes = {"check": check, "loss": loss_only, "groupnorm": groupnorm}
    if len(sys.argv) < 3 or sys.argv[1] not in modes:
        raise SystemExit(__doc__)
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
    torch.set_num_threads(2)
    sys.exit(0 if modes[sys.argv[1]](sys.argv[2], tol) else 1)


if __name__ == "__main__":
    main()
