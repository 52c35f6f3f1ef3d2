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

KINK = 1e-6  # |x| below KINK * max|x| of that ReLU call counts as on the kink (float32 eps ~1e-7)


def kink_context():
    return {"calls": 0, "flip": set(), "record": True, "near": []}


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
                v = x.detach().reshape(-1).abs()
                vmax = float(v.max())
                for i in torch.nonzero(v < KINK * vmax).reshape(-1).tolist():
                    self.ctx["near"].append((float(v[i]) / vmax, app, i))
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


def kink_search(run, errors, tol, limit=16):
    """run(ctx) -> reference dict, errors(ref) -> {name: rel err}. Greedily puts kink elements
    (closest to 0 first) on their other side while that lowers the summed error; returns
    (ref, errs, kinks recorded, flips used)."""
    ctx = kink_context()
    ref = run(ctx)
    errs = errors(ref)
    near = sorted(ctx["near"])
    ctx["record"] = False
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
    return ref, errs, len(near), len(ctx["flip"])
