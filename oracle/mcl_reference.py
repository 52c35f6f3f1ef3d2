"""PyTorch reference of the MCL model and multi-level loss, written from the recipe
(shared/reference/mcl-recipe.md) with torchvision's own modules: ResNet blocks, BackboneWithFPN
(BN in laterals and outputs), FastRCNNConvFCHead's 4 convs, BYOL projector/predictor.

Windows are cut with explicit loops over each montage's grid (independent of mcl's
reshape/transpose formulation). Used two ways:
  * as a test oracle: `mcl_reference.py check DIR` compares mcl's outputs written by the Java test;
  * as a module (MclReference) by the benchmarks.
DIR holds config.json, weights.safetensors (online), target_weights.safetensors, inputs.safetensors
and ours.safetensors. Criterion: max|ours-ref|/max|ref| <= 1e-4 for every tensor, float64 reference.
  * `mcl_reference.py f64 DIR [tol]` runs mcl's exported graphs themselves (DIR/target_forward.onnx,
    DIR/online_train.onnx) in float64 (onnx_f64.py) on the reference's inputs and compares every
    output with the float64 reference: exact graphs agree to float64 rounding (default tol 1e-9)."""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNConvFCHead
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

sys.path.insert(0, os.path.dirname(__file__))
from common import adopt_decisions, kink_search, read_safetensors, rel_err, tensor_errors, use_kink_relus  # noqa: E402


def make_resnet(block, layers, width):
    """torchvision's ResNet; for a width other than 64, the same blocks with narrower stages."""
    block_cls = BasicBlock if block == "basic" else Bottleneck
    if width == 64:
        return ResNet(block_cls, layers)
    net = ResNet(block_cls, layers)
    net.inplanes = width
    net.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
    net.bn1 = nn.BatchNorm2d(width)
    net.layer1 = net._make_layer(block_cls, width, layers[0])
    net.layer2 = net._make_layer(block_cls, 2 * width, layers[1], stride=2)
    net.layer3 = net._make_layer(block_cls, 4 * width, layers[2], stride=2)
    net.layer4 = net._make_layer(block_cls, 8 * width, layers[3], stride=2)
    return net


def mode_targets(mode, level, levels):
    if mode == "a":
        return [0]
    if mode == "b":
        return [level]
    if mode == "c":
        t = [j for j in (level - 1, level + 1) if 0 <= j < levels]
        return t or [level]
    return list(range(levels))


def make_backbone_fpn(cfg):
    """torchvision's BackboneWithFPN (v2: BN in the FPN) on the configured ResNet body."""
    exp = 1 if cfg["block"] == "basic" else 4
    w = cfg["width"]
    body = make_resnet(cfg["block"], cfg["layers"], w)
    return BackboneWithFPN(body, {"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"},
                           [w * exp, 2 * w * exp, 4 * w * exp, 8 * w * exp], cfg["fpn_channels"], norm_layer=nn.BatchNorm2d)


class MclReference(nn.Module):
    def __init__(self, cfg, with_predictor=True):
        super().__init__()
        self.cfg = cfg
        c = cfg["fpn_channels"]
        self.backbone = make_backbone_fpn(cfg)
        win = cfg["size"] // 32
        head = FastRCNNConvFCHead((c, win, win), [c] * 4, [1024], norm_layer=nn.BatchNorm2d)
        self.roi_heads = nn.Module()
        self.roi_heads.box_head = nn.Sequential(*list(head.children())[:4])
        h, d = cfg["projector_hidden"], cfg["embedding_dim"]
        self.projector = nn.Sequential(nn.Linear(c, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Linear(h, d), nn.BatchNorm1d(d, affine=False))
        if with_predictor:
            self.predictor = nn.ModuleList(
                nn.Sequential(nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Linear(h, d)) for _ in range(cfg["levels"]))

    def embed(self, images):
        """images: per level [m_l,3,H,W] or None -> per level tile projections [m_l*r*r, D]."""
        win = self.cfg["size"] // 32
        used = [x for x in images if x is not None]
        feats = self.backbone(torch.cat(used))
        windows, counts, row = [], [], 0
        for l, x in enumerate(images):
            if x is None:
                counts.append(0)
                continue
            fmap = feats[str(3 - l)][row:row + x.shape[0]]
            row += x.shape[0]
            r = 2 ** l
            cells = [fmap[m, :, gy * win:(gy + 1) * win, gx * win:(gx + 1) * win]
                     for m in range(fmap.shape[0]) for gy in range(r) for gx in range(r)]
            windows.append(torch.stack(cells))
            counts.append(len(cells))
        pooled = self.roi_heads.box_head(torch.cat(windows)).mean(dim=(2, 3))
        z = self.projector(pooled)
        out, at = [], 0
        for n in counts:
            out.append(z[at:at + n] if n else None)
            at += n
        return out

    def online(self, images):
        z = self.embed(images)
        return [F.normalize(self.predictor[l](z[l]), dim=1) for l in range(len(images))]

    def target(self, images, tiles, batch):
        """Per level: L2-normalised target embedding per source image [B, D] (mean over its tiles)."""
        z = self.embed(images)
        out = []
        for l, zl in enumerate(z):
            if zl is None:
                out.append(None)
                continue
            if l > 0:
                member = (tiles[l][None, :] == torch.arange(batch)[:, None]).to(zl.dtype)
                zl = member @ zl / member.sum(1, keepdim=True)
            out.append(F.normalize(zl, dim=1))
        return out


def mcl_loss(cfg, q, tiles, targets):
    """One direction: per level, sum over its target levels of CE(q.k^T/T, tiles)*2T / #targets."""
    t = cfg["temperature"]
    per_level = []
    for l in range(cfg["levels"]):
        ts = mode_targets(cfg["mode"], l, cfg["levels"])
        per_level.append(sum(F.cross_entropy(q[l] @ targets[j].t() / t, tiles[l]) * 2 * t / len(ts) for j in ts))
    return per_level


class BnRecorder:
    """Batch mean and biased variance of every BN call, keyed '<prefix><module name>'."""

    def __init__(self, module, prefixes):
        self.stats, self.calls, self.prefixes, self.outputs = {}, {}, prefixes, {}
        for name, m in module.named_modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.register_forward_hook(self.hook(name))

    def hook(self, name):
        def fn(m, inputs, output):
            x = inputs[0].detach()
            dims = [0] + list(range(2, x.dim()))
            k = self.calls.get(name, 0)
            self.calls[name] = k + 1
            key = self.prefixes[k] + name
            self.stats[key + ".batch_mean"] = x.mean(dim=dims)
            self.stats[key + ".batch_var"] = x.var(dim=dims, unbiased=False)
            self.outputs[key] = output
        return fn


def load(module, path):
    state = {k: torch.from_numpy(v) for k, v in read_safetensors(path).items()}
    missing, unexpected = module.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"FAIL names: missing {missing[:8]} unexpected {unexpected[:8]}")


def run_check(d, dtype, ctx=None, memory_format=torch.contiguous_format):
    cfg = json.load(open(os.path.join(d, "config.json")))
    inputs = read_safetensors(os.path.join(d, "inputs.safetensors"))
    levels, batch = cfg["levels"], cfg["batch"]
    def T(name):
        t = torch.from_numpy(inputs[name]).to(dtype)
        return t.contiguous(memory_format=memory_format) if t.dim() == 4 else t
    L = lambda name: torch.from_numpy(inputs[name])  # noqa: E731
    ref = {}
    # Target network, each view separately (as the trainer runs target_forward).
    tnet = MclReference(cfg, with_predictor=False)
    load(tnet, os.path.join(d, "target_weights.safetensors"))
    tnet = tnet.to(dtype).to(memory_format=memory_format).train()
    need = levels if cfg["mode"] != "a" else 1
    trec = BnRecorder(tnet, ["target1:", "target2:"])
    for v in (1, 2):
        imgs = [T(f"view{v}.level{l}.images") for l in range(need)]
        tls = [L(f"view{v}.level{l}.tiles") for l in range(need)]
        tg = tnet.target(imgs, tls, batch)
        ref[f"target{v}:target"] = tg[0].detach()
        for l in range(1, need):
            ref[f"target{v}:target.level{l}"] = tg[l].detach()
        # PyTorch runs every FPN level; mcl's target graph runs only what its embeddings read, so
        # statistics are compared for the BN layers the embeddings depend on (autograd decides).
        mine = {k: o for k, o in trec.outputs.items() if k.startswith(f"target{v}:")}
        reach = torch.autograd.grad(sum(t.sum() for t in tg), list(mine.values()), allow_unused=True)
        for (k, _), g in zip(mine.items(), reach):
            if g is None:
                del trec.stats[k + ".batch_mean"], trec.stats[k + ".batch_var"]
    trec.outputs.clear()
    ref.update(trec.stats)
    # Online network, both views, symmetric loss against the targets mcl's online graph was fed.
    net = MclReference(cfg)
    load(net, os.path.join(d, "weights.safetensors"))
    net = net.to(dtype).to(memory_format=memory_format).train()
    if ctx is not None:
        use_kink_relus(net, ctx)
    rec = BnRecorder(net, ["view1.", "view2."])
    q = [net.online([T(f"view{v}.level{l}.images") for l in range(levels)]) for v in (1, 2)]
    tiles = [[L(f"view{v}.level{l}.tiles") for l in range(levels)] for v in (1, 2)]
    targets = [[T(f"view{v}.target" + ("" if l == 0 else f".level{l}")) if (l == 0 or cfg["mode"] != "a") else None
                for l in range(levels)] for v in (1, 2)]
    d12 = mcl_loss(cfg, q[0], tiles[0], targets[1])
    d21 = mcl_loss(cfg, q[1], tiles[1], targets[0])
    loss = sum(w * (a + b) for w, a, b in zip(cfg["level_weights"], d12, d21))
    loss.backward()
    ref["loss"] = loss.detach()
    for l in range(levels):
        ref[f"loss.level{l}"] = (d12[l] + d21[l]).detach()
    with torch.no_grad():
        pos, alls, npos, nall = 0.0, 0.0, 0, 0
        for qv, tv, kv in ((q[0], tiles[0], targets[1]), (q[1], tiles[1], targets[0])):
            for l in range(levels):
                if 0 not in mode_targets(cfg["mode"], l, levels):
                    continue
                s = qv[l] @ kv[0].t()
                pos += s.gather(1, tv[l][:, None]).sum()
                alls += s.sum()
                npos += s.shape[0]
                nall += s.numel()
        ref["stats.pos_cos"] = pos / npos
        ref["stats.neg_cos"] = (alls - pos) / (nall - npos)
    ref.update(rec.stats)
    for name, p in net.named_parameters():
        # A parameter the loss does not reach (e.g. FPN levels unused with L=1) has gradient zero.
        ref["grad." + name] = p.grad.detach() if p.grad is not None else torch.zeros_like(p)
    return {k: v.double().numpy() for k, v in ref.items()}


def run_ours_f64(d, cfg=None):
    """mcl's own graphs, executed in float64 exactly as the Java test ran them in ORT float32: the
    target graph once per view, then the online graph fed the targets the float32 run produced
    (inputs.safetensors), which the float64 reference consumes too. Returns (outputs, report)."""
    from onnx_f64 import run_f64
    cfg = cfg or json.load(open(os.path.join(d, "config.json")))
    inputs = read_safetensors(os.path.join(d, "inputs.safetensors"))
    tw = read_safetensors(os.path.join(d, "target_weights.safetensors"))
    ow = read_safetensors(os.path.join(d, "weights.safetensors"))
    import onnx
    ours, report = {}, {}
    tmodel = onnx.load(os.path.join(d, "target_forward.onnx"))
    for v in (1, 2):
        feed = {}
        for i in tmodel.graph.input:
            n = i.name
            if n == "images":
                feed[n] = inputs[f"view{v}.level0.images"]
            elif n.startswith("level") and n.endswith((".images", ".tiles")):
                feed[n] = inputs[f"view{v}." + n]
            else:
                feed[n] = tw[n]
        for k, val in run_f64(tmodel, feed, report=report).items():
            ours[f"target{v}:{k}"] = val
    omodel = onnx.load(os.path.join(d, "online_train.onnx"))
    feed = {i.name: (ow[i.name] if i.name in ow else inputs[i.name]) for i in omodel.graph.input}
    rep = {}
    ours.update(run_f64(omodel, feed, report=rep))
    report["restored"].update(rep["restored"])
    report["nodes"] = report["nodes"] + rep["nodes"]
    return ours, report


def f64_errors(ours, ref):
    """Per tensor, max|ours-ref|/max|ref| (stats: absolute; gradients the loss does not reach, which are
    exactly zero: max|ours| over the largest gradient)."""
    scale = max(float(abs(v).max()) for k, v in ref.items() if k.startswith("grad."))
    out = {}
    for k, r in ref.items():
        o = ours[k].reshape(r.shape)
        if k.startswith("grad.") and abs(r).max() < 1e-7 * scale:
            out[k] = float(abs(o).max()) / scale
        elif k.startswith("stats."):
            out[k] = float(abs(o - r).max())
        else:
            out[k] = rel_err(o, r)
    return out


def group_of(k):
    if k.startswith("grad."):
        return "grad"
    if k.endswith(("batch_mean", "batch_var")):
        return "bn_target" if k.startswith("target") else "bn"
    if k.startswith("target"):
        return "target"
    if k.startswith("loss"):
        return "loss"
    return k


def main_f64(d, tol):
    """Exit 0 when every output of mcl's graphs run in float64 is within tol of the float64 reference."""
    import time
    t0 = time.time()
    from common import kink_context
    ctx = kink_context()
    ref = run_check(d, torch.float64, ctx)  # plain ReLU derivatives; records how close any ReLU input comes to 0
    t1 = time.time()
    ours, report = run_ours_f64(d)
    t2 = time.time()
    if set(ref) != set(ours):
        print(f"FAIL names: only ours {sorted(set(ours) - set(ref))[:8]}, only reference {sorted(set(ref) - set(ours))[:8]}")
        sys.exit(1)
    errs = f64_errors(ours, ref)
    groups = {}
    for k, e in errs.items():
        g = group_of(k)
        if e > groups.get(g, (-1, ""))[0]:
            groups[g] = (e, k)
    hist = {}
    for e in errs.values():
        b = "0" if e == 0 else f"1e{math.floor(math.log10(e))}"
        hist[b] = hist.get(b, 0) + 1
    print(json.dumps({"tensors": len(errs), "tol": tol, "graph_nodes": report["nodes"],
                      "closest_relu_kink": min(ctx["near"])[0] if ctx["near"] else None,
                      "restored_constants": {repr(k): v for k, v in sorted(report["restored"].items())},
                      "max_rel_err": {g: e for g, (e, _) in groups.items()}, "worst": {g: k for g, (_, k) in groups.items()},
                      "histogram": dict(sorted(hist.items(), key=lambda kv: float(kv[0]))),
                      "seconds": {"reference_f64": round(t1 - t0, 1), "ours_f64": round(t2 - t1, 1)}}))
    bad = sorted(((e, k) for k, e in errs.items() if not e <= tol), reverse=True)
    for e, k in bad[:30]:
        print(f"FAIL {k}: float64 rel err {e:.3g} > {tol:g}")
    sys.exit(1 if bad else 0)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "f64":
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
        main_f64(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 1e-9)
        return
    if len(sys.argv) < 3 or sys.argv[1] != "check":
        raise SystemExit(__doc__)
    d = sys.argv[2]
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
    torch.set_num_threads(2)
    ours = read_safetensors(os.path.join(d, "ours.safetensors"))
    ref32 = run_check(d, torch.float32)
    plain = {}

    def errors(ref):
        """Per tensor, the error beyond tol (0 when within). PyTorch float32's own distance from
        the float64 reference is measured beside ours for the report only: once the reference
        takes our ReLU sides at the elements within float32 rounding of 0, every case meets tol."""
        plain.update(tensor_errors(ours, ref, ref32))
        return {k: (0.0 if e <= tol else e) for k, (e, _) in plain.items()}

    # Our float32 ReLU outputs (the Java test writes them): the reference takes our side at the
    # elements whose float64 pre-activation is within float32 rounding of 0.
    relu_path = os.path.join(d, "relu.safetensors")
    relu = read_safetensors(relu_path) if os.path.exists(relu_path) else {}
    adopted = {}

    def adopt(ctx):
        flips, matched, calls = adopt_decisions(ctx, relu)
        adopted.update(flips=len(flips), calls_matched=matched, calls=calls)
        return flips

    ref, excess, kinks, flips = kink_search(lambda ctx: run_check(d, torch.float64, ctx), errors, 0.0,
                                            adopt=adopt if relu else None)
    errors(ref)
    report = {k: v[0] for k, v in plain.items()}
    failures = [f"{k}: ours {plain[k][0]:.3g}, torch float32 {plain[k][1]:.3g}" for k, e in excess.items() if e > 0]
    groups = {}
    for k, e in report.items():
        g = "grad" if k.startswith("grad.") else "bn" if k.endswith(("batch_mean", "batch_var")) else k.split(":")[0] if ":" in k else k
        groups[g] = max(groups.get(g, 0.0), e)
    strict = sum(1 for e, _ in plain.values() if e <= tol)
    print(json.dumps({"tensors": len(report), "within_tol": strict, "max_rel_err": groups,
                      "max_torch_f32_grad_err": max(e32 for k, (_, e32) in plain.items() if k.startswith("grad.")), "tol": tol,
                      "relu_kink_elements": kinks, "kink_flips_used": flips, "kink_sides_adopted": adopted}))
    for f in failures[:30]:
        print("FAIL", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
