"""PyTorch side of the training-step benchmark: the same MCL step as mcl's trainer (target
forward on both views, online forward+backward of the symmetric multi-level loss, LARS with the
recipe's exclusions, EMA of the target), on the reference model (mcl_reference.MclReference),
same preset shapes, batch and thread count. Prints JSON with the median seconds of each part.
Usage: bench_step.py PRESET [--batch B] [--size H] [--levels L] [--steps N] [--warmup W] [--threads T]"""
import argparse
import copy
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from mcl_reference import MclReference, mcl_loss  # noqa: E402

PRESETS = {  # mirrors graphs/Preset.java
    "tiny": dict(block="basic", layers=[1, 1, 1, 1], width=16, fpn_channels=64, projector_hidden=256, embedding_dim=64, size=64, levels=3, batch=16),
    "r18": dict(block="basic", layers=[2, 2, 2, 2], width=64, fpn_channels=256, projector_hidden=2048, embedding_dim=256, size=224, levels=4, batch=32),
    "r50": dict(block="bottleneck", layers=[3, 4, 6, 3], width=64, fpn_channels=256, projector_hidden=2048, embedding_dim=256, size=224, levels=4, batch=32),
}


def montages(batch, levels):
    return [math.ceil(batch / min(4 ** l, 32)) for l in range(levels)]


def lars_step(params, state, lr, momentum=0.9, eta=0.001, wd=1e-5):
    """The recipe's LARS: biases and norm parameters (1-d) get no weight decay and no adaptation."""
    with torch.no_grad():
        for p in params:
            g = p.grad
            if g is None:  # e.g. FPN levels no montage level reads
                continue
            if p.dim() > 1:
                wn, gn = p.norm(), g.norm()
                local = eta * wn / (gn + wd * wn) if wn > 0 and gn > 0 else 1.0
                d = (g + wd * p) * local * lr
            else:
                d = g * lr
            buf = state.setdefault(p, torch.zeros_like(p))
            buf.mul_(momentum).add_(d)
            p.sub_(buf)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("preset")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--size", type=int)
    ap.add_argument("--levels", type=int)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps first, as mcl's side runs them")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)  # as mcl's sessions do: subnormals take a slow path on x86
    cfg = dict(PRESETS[a.preset])
    for k in ("batch", "size", "levels"):
        if getattr(a, k):
            cfg[k] = getattr(a, k)
    cfg.update(mode="a", temperature=1.0, level_weights=[2 ** -(l + 1) for l in range(cfg["levels"])])
    cfg["level_weights"][-1] *= 2
    B, H, L = cfg["batch"], cfg["size"], cfg["levels"]
    m = montages(B, L)
    online = MclReference(cfg).train()
    target = MclReference(cfg, with_predictor=False).train()
    target.load_state_dict({k: v for k, v in online.state_dict().items() if not k.startswith("predictor.")})
    params = [p for p in online.parameters()]
    ema_pairs = [(tp, dict(online.named_parameters())[n]) for n, tp in target.named_parameters()]
    state = {}
    g = torch.Generator().manual_seed(0)
    imgs = [[torch.randn(m[l], 3, H, H, generator=g) for l in range(L)] for _ in range(2)]
    tiles = [[torch.randint(0, B, (m[l] * 4 ** l,), generator=g) for l in range(L)] for _ in range(2)]
    times = {"target_s": [], "online_s": [], "optim_s": [], "ema_s": [], "step_s": []}
    for step in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        with torch.no_grad():
            k = [target.target(imgs[v][:1], tiles[v][:1], B) for v in range(2)]
        t1 = time.perf_counter()
        online.zero_grad()
        q = [online.online(imgs[v]) for v in range(2)]
        d12 = mcl_loss(cfg, q[0], tiles[0], k[1])
        d21 = mcl_loss(cfg, q[1], tiles[1], k[0])
        loss = sum(w * (x + y) for w, x, y in zip(cfg["level_weights"], d12, d21))
        loss.backward()
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(params, 500)
        lars_step(params, state, lr=0.1)
        t3 = time.perf_counter()
        with torch.no_grad():
            for tp, op in ema_pairs:
                tp.mul_(0.99).add_(op, alpha=0.01)
        t4 = time.perf_counter()
        if step >= a.warmup:
            for key, v in (("target_s", t1 - t0), ("online_s", t2 - t1), ("optim_s", t3 - t2), ("ema_s", t4 - t3), ("step_s", t4 - t0)):
                times[key].append(v)
    import resource
    out = {k: statistics.median(v) for k, v in times.items()}
    out.update(preset=a.preset, batch=B, size=H, levels=L, montages=m, threads=a.threads, steps=a.steps,
               torch=torch.__version__, peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
