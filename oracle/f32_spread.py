"""How far float32 rounding alone moves the MCL reference: PyTorch float32 run several harmless ways
(thread count, channels_last, oneDNN off), each compared with the float64 reference, next to mcl's
own float32 outputs (ours.safetensors). `f32_spread.py DIR` prints, per tensor group, the worst
distances, and for every tensor where ours exceeds 1.5x PyTorch float32's default distance: ours,
each variant, and ours / (largest variant distance).

The distances are against a float64 run with plain ReLU derivatives, so they include the sides each
float32 run happened to take at ReLU pre-activations within rounding of 0. On r18 mode a L=4 those
dominate: PyTorch float32 default is 1.3e-1 off the plain float64 run but 5.7e-6 off a float64 run
that takes its 3 (of 64) differing sides; channels_last takes other sides and lands 500x closer on
some projector gradients. `mcl_reference.py check` therefore adopts our sides (relu.safetensors)."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from common import read_safetensors  # noqa: E402
from mcl_reference import f64_errors, group_of, run_check  # noqa: E402


def variants():
    def run(d, threads=2, fmt=torch.contiguous_format, mkldnn=True):
        torch.set_num_threads(threads)
        with torch.backends.mkldnn.flags(enabled=mkldnn):
            return run_check(d, torch.float32, memory_format=fmt)
    return {"default": lambda d: run(d),
            "threads1": lambda d: run(d, threads=1),
            "channels_last": lambda d: run(d, fmt=torch.channels_last),
            "mkldnn_off": lambda d: run(d, mkldnn=False)}


def main():
    d = sys.argv[1]
    torch.set_num_threads(2)
    ref = run_check(d, torch.float64)
    ours = read_safetensors(os.path.join(d, "ours.safetensors"))
    e_ours = f64_errors(ours, ref)
    e = {name: f64_errors(fn(d), ref) for name, fn in variants().items()}
    names = list(e)
    groups = {}
    for k in ref:
        g = group_of(k)
        row = groups.setdefault(g, {"ours": 0.0, **{n: 0.0 for n in names}})
        row["ours"] = max(row["ours"], e_ours[k])
        for n in names:
            row[n] = max(row[n], e[n][k])
    print(json.dumps({g: {n: float(f"{v:.3g}") for n, v in r.items()} for g, r in groups.items()}))
    over = [k for k in ref if k.startswith("grad.") and e_ours[k] > 1e-4 and e_ours[k] > 1.5 * e["default"][k]]
    ratios_default = sorted(max(e[n][k] for n in names) / e["default"][k] for k in ref if k.startswith("grad.") and e["default"][k] > 1e-4)
    ratios_ours = sorted(e_ours[k] / max(e[n][k] for n in names) for k in over)
    print(f"grads where ours > 1.5x torch32 default and > 1e-4: {len(over)}")
    print("max over variants / default, over grads with default > 1e-4: median %.2f p90 %.2f max %.2f" % (
        ratios_default[len(ratios_default) // 2], ratios_default[int(0.9 * len(ratios_default))], ratios_default[-1]))
    if ratios_ours:
        print("ours / max over variants, over those grads: median %.2f max %.2f" % (ratios_ours[len(ratios_ours) // 2], ratios_ours[-1]))
    print("tensor " + " ".join(["ours"] + names))
    for k in sorted(over, key=lambda k: -e_ours[k] / e["default"][k])[:40]:
        print(k, " ".join(f"{x:.3g}" for x in [e_ours[k]] + [e[n][k] for n in names]))


if __name__ == "__main__":
    main()
