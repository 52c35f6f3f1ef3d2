"""torchvision baseline for mcl's data pipeline benchmark (BENCHMARKS.md, "Data pipeline").

Same work as mcl.data.bench.DataBenchmark: per image, 2 views x L independently augmented copies
(BYOL recipe: RandomResizedCrop(scale 0.2-1), flip 0.5, ColorJitter(0.4,0.4,0.2,0.1) p=0.8,
grayscale 0.2, Gaussian blur sigma U(0.1,2) with p = 1.0 / 0.1 (13-tap kernel, as mcl), solarize
p = 0 / 0.2, normalise), then per level nearest downsampling by 2^l and montages from a random
permutation of slots modulo B. DataLoader with 2 worker processes (1 torch thread each).

Usage: data_bench.py --data DIR|synthetic --config r50|tiny [--batch 32] [--steps 6]
"""
import argparse
import glob
import json
import math
import os
import time

import torch
import torch.nn.functional as Fn
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms as T

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def recipe(size, blur_p, solarize_p):
    return T.Compose([
        T.RandomResizedCrop(size, scale=(0.2, 1.0)),
        T.RandomHorizontalFlip(),
        T.RandomApply([T.ColorJitter(0.4, 0.4, 0.2, 0.1)], p=0.8),
        T.RandomGrayscale(p=0.2),
        T.RandomApply([T.GaussianBlur(13, (0.1, 2.0))], p=blur_p),
        T.RandomSolarize(128, p=solarize_p),
        T.ToTensor(),
        T.Normalize(MEAN, STD),
    ])


class Copies(Dataset):
    def __init__(self, files, size, levels, synthetic_n=0):
        self.files = files
        self.synthetic_n = synthetic_n
        self.levels = levels
        self.views = [recipe(size, 1.0, 0.0), recipe(size, 0.1, 0.2)]

    def __len__(self):
        return self.synthetic_n or len(self.files)

    def load(self, i):
        if self.synthetic_n:
            # Stand-in for mcl's synthetic scenes: a cheap procedural 256x256 image.
            g = torch.Generator().manual_seed(i)
            return T.functional.to_pil_image(torch.rand(3, 16, 16, generator=g)).resize((256, 256), Image.NEAREST)
        with open(self.files[i], "rb") as f:
            return Image.open(f).convert("RGB")

    def __getitem__(self, i):
        img = self.load(i)
        return torch.stack([torch.stack([t(img) for _ in range(self.levels)]) for t in self.views])  # [2, L, 3, H, W]


def montages(x, counts):
    """x: [B, 2, L, 3, H, W] -> per view and level (images [m,3,H,W], tiles [m*r*r])."""
    b, _, levels, c, h, w = x.shape
    out = []
    for v in range(2):
        for lvl in range(levels):
            r = 2 ** lvl
            copies = x[:, v, lvl]
            if lvl == 0:
                out.append((copies, torch.arange(b)))
                continue
            small = Fn.interpolate(copies, scale_factor=1.0 / r, mode="nearest")
            m = counts[lvl]
            tiles = torch.randperm(m * r * r) % b
            grid = small[tiles].view(m, r, r, c, h // r, w // r).permute(0, 3, 1, 4, 2, 5).reshape(m, c, h, w)
            out.append((grid, tiles))
    return out


def vm_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--config", default="r50")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    size, levels = (224, 4) if a.config == "r50" else (64, 3)
    counts = [math.ceil(a.batch / min(4 ** lvl, 32)) for lvl in range(levels)]
    if a.data.startswith("synthetic"):
        ds = Copies([], size, levels, synthetic_n=10000)
    else:
        files = sorted(f for ext in ("jpg", "jpeg", "png", "webp") for f in glob.glob(os.path.join(a.data, "**", "*." + ext), recursive=True))
        ds = Copies(files, size, levels)
    torch.set_num_threads(1)
    loader = DataLoader(ds, batch_size=a.batch, shuffle=True, num_workers=a.workers, drop_last=True,
                        persistent_workers=True, worker_init_fn=lambda _: torch.set_num_threads(1))
    it = iter(loader)
    montages(next(it), counts)  # warm-up
    t0 = time.perf_counter()
    for _ in range(a.steps):
        try:
            batch = next(it)
        except StopIteration:
            it = iter(loader)
            batch = next(it)
        montages(batch, counts)
    sec = time.perf_counter() - t0
    # peak resident memory, KiB: the sum of each process's own peak (VmHWM) over this process and
    # the DataLoader's workers, read before they exit (an upper bound: shared pages count in each)
    peak = vm_hwm_kib(os.getpid()) + sum(vm_hwm_kib(w.pid) for w in getattr(it, "_workers", []))
    print(f"torch {a.config:5s} {a.data:40s} B={a.batch} L={levels} H={size} workers={a.workers}: "
          f"{a.steps * a.batch / sec:.1f} images/s ({sec / a.steps:.2f} s/step)")
    print(json.dumps({"images_per_s": a.steps * a.batch / sec, "s_per_step": sec / a.steps, "peak_rss_kib": peak}))


if __name__ == "__main__":
    main()
