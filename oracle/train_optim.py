"""Oracle for the trainer's optimiser: global-norm clipping, LARS, EMA and the schedules, written
from the recipe (OpenSelfSup's LARS, torch's clip_grad_norm_, BYOL's momentum update, mmcv's
cosine-with-linear-warm-up) in PyTorch, applied to the tensors the Java test wrote, and compared
with the Java results.

usage: train_optim.py DIR   (DIR holds case.json, init.safetensors, grads.safetensors, java.safetensors)
"""
import json
import math
import sys

import numpy as np
import torch

from common import read_safetensors, rel_err


class LARS(torch.optim.Optimizer):
    """OpenSelfSup's LARS (mmcv-style param groups: excluded groups have weight_decay 0 and lars_exclude)."""

    def __init__(self, params, lr, momentum, weight_decay, eta):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, eta=eta, lars_exclude=False))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            wd, momentum, eta = group["weight_decay"], group["momentum"], group["eta"]
            for p in group["params"]:
                d_p = p.grad
                if group["lars_exclude"]:
                    local_lr = 1.0
                else:
                    weight_norm = torch.norm(p).item()
                    grad_norm = torch.norm(d_p).item()
                    # 0/0 on a zero tensor: LARC's convention (trust ratio 1), as the Java side documents.
                    local_lr = eta * weight_norm / (grad_norm + wd * weight_norm) if weight_norm > 0 and grad_norm > 0 else 1.0
                actual_lr = local_lr * group["lr"]
                d_p = d_p.add(p, alpha=wd).mul(actual_lr)
                state = self.state[p]
                if "momentum_buffer" not in state:
                    buf = state["momentum_buffer"] = torch.clone(d_p).detach()
                else:
                    buf = state["momentum_buffer"]
                    buf.mul_(momentum).add_(d_p)
                p.add_(-buf)


def lr_at(step, c):
    """mmcv CosineAnnealingLrUpdater(by_epoch=False) with linear warm-up."""
    f = min(step, c["total"]) / c["total"]
    regular = c["floor"] + 0.5 * (c["base"] - c["floor"]) * (math.cos(math.pi * f) + 1)
    if step >= c["warmup"]:
        return regular
    k = (1 - step / c["warmup"]) * (1 - c["warmup_ratio"])
    return regular * (1 - k)


def ema_at(step, c):
    """OpenSelfSup BYOLHook: m = end - (end - base) * (cos(pi k / K) + 1) / 2, end = 1."""
    return 1 - (1 - c["ema_base"]) * (math.cos(math.pi * min(step, c["total"]) / c["total"]) + 1) / 2


def main(d):
    case = json.load(open(f"{d}/case.json"))
    init = read_safetensors(f"{d}/init.safetensors")
    grads = read_safetensors(f"{d}/grads.safetensors")
    java = read_safetensors(f"{d}/java.safetensors")
    tol = case["tolerance"]
    failures = []

    # Schedules at chosen steps, for the case and for the paper's ImageNet run.
    for sched in case["schedules"]:
        for step, lr_j, m_j in zip(sched["steps"], sched["lr"], sched["ema"]):
            lr_r, m_r = lr_at(step, sched), ema_at(step, sched)
            if abs(lr_j - lr_r) > 1e-12 * max(abs(lr_r), 1e-300) + 1e-300 or abs(m_j - m_r) > 1e-14:
                failures.append(f"schedule {sched['name']} step {step}: java lr {lr_j!r} ema {m_j!r}, torch lr {lr_r!r} ema {m_r!r}")
        print(f"schedule {sched['name']}: " + ", ".join(f"{s}: lr {lr_at(s, sched):.6g} m {ema_at(s, sched):.6f}" for s in sched["steps"]))

    names = case["params"]
    online = {n: torch.tensor(init[n]).requires_grad_(True) for n in names}
    target = {n: torch.tensor(init["target." + n]) for n in names}
    excluded = [online[n] for n in names if not case["lars"][n]]
    included = [online[n] for n in names if case["lars"][n]]
    s = case["settings"]
    opt = LARS([{"params": included}, {"params": excluded, "weight_decay": 0.0, "lars_exclude": True}],
               lr=0.0, momentum=s["momentum"], weight_decay=s["weight_decay"], eta=s["eta"])
    sched = case["schedules"][0]
    for k in range(case["steps"]):
        for n in names:
            online[n].grad = torch.tensor(grads[f"step{k}.{n}"])
        norm = torch.nn.utils.clip_grad_norm_([online[n] for n in names], case["clip"]).item()
        if abs(norm - case["grad_norms"][k]) > tol * norm:
            failures.append(f"step {k}: global grad norm java {case['grad_norms'][k]} torch {norm}")
        for g in opt.param_groups:
            g["lr"] = lr_at(k, sched)
        opt.step()
        m = ema_at(k, sched)
        with torch.no_grad():
            for n in names:
                target[n] = target[n] * m + online[n].detach() * (1.0 - m)
        print(f"step {k}: lr {lr_at(k, sched):.6g} ema {m:.6f} grad norm {norm:.6g}")

    worst = 0.0
    for n in names:
        for what, ref in (("value", online[n].detach().numpy()), ("target", target[n].numpy()),
                          ("momentum", opt.state[online[n]]["momentum_buffer"].numpy())):
            e = rel_err(java[f"{what}.{n}"], ref)
            worst = max(worst, e)
            print(f"{what:8s} {n:14s} rel err {e:.2e}")
            if not e <= tol:
                failures.append(f"{what} {n}: rel err {e:.3e} > {tol}")
    print(f"worst rel err {worst:.2e}")
    if failures:
        print("FAIL\n" + "\n".join(failures))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main(sys.argv[1])
