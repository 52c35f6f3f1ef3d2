"""PyTorch eager baseline for `mcl bench grad` (BENCHMARKS.md, "Autodiff: forward+backward vs PyTorch").

Times one forward+backward of the same network mcl builds: torchvision's ResNet body + the
fasterrcnn v2 FPN (BN after every FPN conv, P2..P5, no P6), every BN in train mode, loss
L = sum_l sum(P_l * R_l) with fixed random R_l, gradients of every parameter. Each repetition:
grads set to None, forward, backward (the same work as one run of mcl's gradient graph, which
writes fresh gradients). Warm-up repetitions first, then --reps timed ones.

Prints one JSON line: per-rep seconds, median/min/max, the CPU seconds other processes used
during each rep (the machine is shared), and the peak RSS of this process (ru_maxrss, KiB on Linux).
Usage: bench_grad.py --model r18|r50 [--batch 32] [--size 224] [--threads 2] [--reps 5] [--warmup 2]
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torchvision
from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor

p = argparse.ArgumentParser()
p.add_argument("--model", choices=["r18", "r50"], required=True)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--size", type=int, default=224)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--reps", type=int, default=5)
p.add_argument("--warmup", type=int, default=2)
a = p.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(0)
arch = {"r18": "resnet18", "r50": "resnet50"}[a.model]
m = _resnet_fpn_extractor(getattr(torchvision.models, arch)(), 5, norm_layer=nn.BatchNorm2d).train()
x = torch.rand(a.batch, 3, a.size, a.size) * 2 - 1
with torch.no_grad():
    shapes = {k: v.shape for k, v in m(x[:1]).items() if k in ("0", "1", "2", "3")}
r = {k: torch.rand(a.batch, *s[1:]) * 2 - 1 for k, s in shapes.items()}


def foreign_cpu_s():
    """CPU seconds other processes used since boot: all CPUs' busy ticks minus ours (USER_HZ 100)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    busy = sum(v) - v[3] - v[4]
    me = resource.getrusage(resource.RUSAGE_SELF)
    return busy / 100.0 - (me.ru_utime + me.ru_stime)


def step():
    for q in m.parameters():
        q.grad = None
    outs = m(x)
    loss = sum((outs[k] * r[k]).sum() for k in r)
    loss.backward()


times, foreign = [], []
for i in range(a.warmup + a.reps):
    f0 = foreign_cpu_s()
    t0 = time.perf_counter()
    step()
    dt = time.perf_counter() - t0
    if i >= a.warmup:
        times.append(dt)
        # tick-sampled machine counters vs our exact rusage: a quiet interval can dip below 0; report 0
        foreign.append(round(max(0.0, foreign_cpu_s() - f0), 2))
print(json.dumps({
    "model": a.model, "batch": a.batch, "size": a.size, "threads": torch.get_num_threads(),
    "torch": torch.__version__, "torchvision": torchvision.__version__,
    "seconds": [round(t, 3) for t in times], "foreign_cpu_s": foreign, "median": statistics.median(times), "min": min(times), "max": max(times),
    "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
