"""Helpers shared by the export oracles: the exportable canonical tensors of a checkpoint."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import read_safetensors  # noqa: E402

PART_PREFIXES = {"backbone": "backbone.body.", "fpn": "backbone.fpn.", "head": "roi_heads.box_head."}


def canonical(online_path, parts):
    """{name: array} of the checkpoint's tensors that belong to the exported parts."""
    prefixes = tuple(PART_PREFIXES[p] for p in parts)
    return {k: v for k, v in read_safetensors(online_path).items() if k.startswith(prefixes)}


def compare(expected, got, what):
    """Names must be equal as sets and every value bit-equal; returns a list of failure lines."""
    fails = []
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    if missing:
        fails.append(f"{what}: {len(missing)} names missing, e.g. {missing[:5]}")
    if extra:
        fails.append(f"{what}: {len(extra)} unexpected names, e.g. {extra[:5]}")
    for k in sorted(set(expected) & set(got)):
        e, g = expected[k], got[k]
        if tuple(e.shape) != tuple(g.shape) or not (e == g).all():
            fails.append(f"{what}: values of {k} differ (shape {tuple(g.shape)} vs {tuple(e.shape)})")
            break
    return fails
