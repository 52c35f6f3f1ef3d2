"""Shared helpers for the oracle scripts: read safetensors files without the safetensors package."""
import json
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def read_safetensors(path):
    """Returns {name: numpy array} for a safetensors file (F32/F64/I64)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[b:end], dtype=_DTYPES[e["dtype"]]).reshape(e["shape"]).copy()
    return out


def rel_err(ours, ref):
    """max |ours - ref| / max |ref|: the parity criterion used throughout mcl."""
    ours = np.asarray(ours, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if ours.shape != ref.shape:
        raise ValueError(f"shape mismatch: ours {ours.shape} vs reference {ref.shape}")
    scale = np.abs(ref).max()
    diff = np.abs(ours - ref).max()
    return float(diff / scale) if scale > 0 else float(diff)


# ---- ReLU kinks ---------------------------------------------------------------------------------
# ReLU is not differentiable at 0. Where a float64 pre-activation lies within float32 rounding of
# 0, a float32 implementation may land on either side, and either one-sided derivative is right.
# The references below record such elements and, when ours disagrees, try the other side.

# |x| below KINK * max|x| of that ReLU call counts as on the kink. float32 eps is ~1e-7, but a
# pre-activation carries the rounding of its conv's K-term sums (K up to ~4600 here: ~sqrt(K) ulps)
# and of the BN before it: measured on r18 mode b L=4, our float32 ReLU input sat on the other side
# of 0 from float64 at 1.7e-6 of the call's max, which 1e-6 missed.
KINK = 1e-5


FINGERPRINT = 4096


def tensor_errors(ours, ref, ref32):
    """Per tensor name, (our error, PyTorch float32's error) against the float64 reference `ref`:
    max|x - ref| / max|ref|; a gradient that is exactly zero in exact arithmetic is measured
    against the largest gradient instead; mean cosines ("stats.*", in [-1, 1], may be near 0) by
    absolute error. Exits when the two sides do not name the same tensors."""
    import sys
    if set(ref) != set(ours):
        print(f"FAIL names: only ours {sorted(set(ours) - set(ref))[:8]}, only reference {sorted(set(ref) - set(ours))[:8]}")
        sys.exit(1)
    scale = max(float(abs(v).max()) for k, v in ref.items() if k.startswith("grad."))
    out = {}
    for k, r in ref.items():
        if k.startswith("grad.") and abs(r).max() < 1e-7 * scale:
            e = float(abs(ours[k]).max()) / scale
            e32 = float(abs(ref32[k]).max()) / scale
        elif k.startswith("stats."):
            e = float(abs(ours[k].reshape(r.shape) - r).max())
            e32 = float(abs(ref32[k].reshape(r.shape) - r).max())
        else:
            e = rel_err(ours[k].reshape(r.shape), r)
            e32 = rel_err(ref32[k].reshape(r.shape), r)
        out[k] = (e, e32)
    return out


def kink_context():
    return {"calls": 0, "flip": set(), "record": True, "near": [], "sign": {}, "fp": {}}


def adopt_decisions(ctx, relu_outputs):
    """The kink elements (recorded by a run with ctx) that another implementation's ReLU put on the
    other side, as a flip set: relu_outputs {name: ReLU output} of that implementation (float32),
    each recorded call matched to the output of the same size whose leading values agree best.
    Returns (flips, calls matched, calls recorded)."""
    import numpy as np
    flips, names = set(), {}
    for app, (fp, numel) in ctx["fp"].items():
        scored = []
        for name, out in relu_outputs.items():
            if out.size == numel:
                d = float(np.abs(out.reshape(-1)[:len(fp)] - fp).max()) / max(float(np.abs(fp).max()), 1e-30)
                scored.append((d, name))
        scored.sort()
        if scored and scored[0][0] < 1e-3 and (len(scored) == 1 or scored[1][0] > 10 * scored[0][0]):
            names[app] = scored[0][1]
    for _, app, i in ctx["near"]:
        if app in names:
            theirs = bool(relu_outputs[names[app]].reshape(-1)[i] > 0)
            if theirs != ctx["sign"][(app, i)]:
                flips.add((app, i))
    return flips, len(names), len(ctx["fp"])


def _kink_relu_class():
    import torch
    import torch.nn as nn

    class KinkReLU(nn.Module):
        """ReLU whose derivative at recorded kink elements can be taken from the other side."""

        def __init__(self, ctx):
            super().__init__()
            self.ctx = ctx

        def forward(self, x):
            app = self.ctx["calls"]
            self.ctx["calls"] += 1
            mask = x > 0
            flips = [i for (a, i) in self.ctx["flip"] if a == app]
            if flips:
                flat = mask.reshape(-1).clone()
                for i in flips:
                    flat[i] = ~flat[i]
                mask = flat.reshape(mask.shape)
            if self.ctx["record"] and x.requires_grad:
                flat = x.detach().reshape(-1)
                v = flat.abs()
                vmax = float(v.max())
                for i in torch.nonzero(v < KINK * vmax).reshape(-1).tolist():
                    self.ctx["near"].append((float(v[i]) / vmax, app, i))
                    self.ctx["sign"][(app, i)] = bool(flat[i] > 0)
                # A fingerprint to find this call's ReLU among another implementation's (adopt_decisions).
                self.ctx["fp"][app] = torch.relu(flat[:FINGERPRINT]).double().numpy().copy(), flat.numel()
            return x * mask

    return KinkReLU


def use_kink_relus(module, ctx):
    """Replaces every nn.ReLU submodule by a kink-aware one sharing ctx."""
    import torch.nn as nn
    cls = _kink_relu_class()
    for m in list(module.modules()):
        for name, child in list(m.named_children()):
            if isinstance(child, nn.ReLU):
                setattr(m, name, cls(ctx))


def kink_search(run, errors, tol, limit=16, adopt=None):
    """run(ctx) -> reference dict, errors(ref) -> {name: rel err}. adopt(ctx) -> flip set, if given,
    puts the kink elements on the sides the implementation under test took (adopt_decisions).
    Then greedily puts further kink elements (closest to 0 first) on their other side while that
    lowers the summed error; returns (ref, errs, kinks recorded, flips used)."""
    ctx = kink_context()
    ref = run(ctx)
    near = sorted(ctx["near"])
    total = len(near)
    ctx["record"] = False
    if adopt is not None:
        # Start from the decisions of the implementation under test (either side is a right
        # one-sided derivative; float32 rounding decides which one an implementation takes).
        ctx["flip"] = adopt(ctx)
        if ctx["flip"]:
            ctx["calls"] = 0
            ref = run(ctx)
    errs = errors(ref)
    near = [n for n in near if (n[1], n[2]) not in ctx["flip"]]
    if errs and max(errs.values()) > tol:
        best = (sum(errs.values()), ref, errs)
        for _, app, idx in near[:limit]:
            ctx["flip"].add((app, idx))
            ctx["calls"] = 0
            r = run(ctx)
            e = errors(r)
            if sum(e.values()) < best[0]:
                best = (sum(e.values()), r, e)
            else:
                ctx["flip"].discard((app, idx))
            if max(best[2].values()) <= tol:
                break
        ref, errs = best[1], best[2]
    return ref, errs, total, len(ctx["flip"])


def check_training_graph(ours, run_check, tol, extra):
    """Compares a training graph's outputs (`ours`) with the float64 reference `run_check(ctx)`
    (ReLU kinks resolved by kink_search; float32 torch as the noise scale), prints one JSON line
    of worst errors per group (grad, bn, each other output) plus `extra(ref)`, and FAIL lines;
    returns True when every tensor is within `tol`."""
    ref32 = run_check(None, "float32")
    plain = {}

    def errors(ref):
        plain.update(tensor_errors(ours, ref, ref32))
        return {k: e for k, (e, _) in plain.items()}

    ref, errs, kinks, flips = kink_search(lambda ctx: run_check(ctx, "float64"), errors, tol)
    errors(ref)
    groups = {}
    for k, (e, _) in plain.items():
        g = "grad" if k.startswith("grad.") else "bn" if k.endswith(("batch_mean", "batch_var")) else k
        groups[g] = max(groups.get(g, 0.0), e)
    worst = max((k for k in plain if k.startswith("grad.")), key=lambda k: plain[k][0])
    report = {"tensors": len(plain), "within_tol": sum(1 for e, _ in plain.values() if e <= tol),
              "max_rel_err": groups, "worst_grad": worst, "worst_grad_err": plain[worst][0]}
    report.update(extra(ref))
    report.update({"max_torch_f32_err": max(e32 for _, e32 in plain.values()), "tol": tol,
                   "relu_kink_elements": kinks, "kink_flips_used": flips})
    print(json.dumps(report))
    failures = [f"{k}: ours {e:.3g}, torch float32 {e32:.3g}" for k, (e, e32) in plain.items() if e > tol]
    for f in failures[:30]:
        print("FAIL", f)
    return not failures
