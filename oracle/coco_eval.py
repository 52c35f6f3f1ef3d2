"""COCO box AP written from the definition of COCOeval (pycocotools, iouType "bbox"), in numpy and
without pycocotools, as an independent check of mcl.runtime.transfer.det.BoxAp.

What it implements, for ground truth without crowd boxes (area = the annotation's "area"):
  * categories = those listed in the ground truth, images = those listed there (a detection on an
    unlisted image is an error, as in COCO.loadRes); a detection's area is its bbox w * h;
  * IoU of [x, y, w, h] boxes as maskUtils.iou: overlap of [x, x + w) x [y, y + h) over
    area_d + area_g - overlap; thresholds np.linspace(.5, .95, 10), capped at 1 - 1e-10;
  * per image and category: the detections in stable descending score order (argsort of -score,
    mergesort), the first 100 kept; each in turn takes, at every threshold, the still unmatched
    ground truth with IoU >= threshold and the highest IoU (on equal IoU the later one), looking
    first among ground truths inside the area range and only if none qualifies among the rest;
  * ground truth outside the area range is ignored (not a positive); a detection matched to an
    ignored ground truth is ignored, so is an unmatched detection whose own area is outside;
  * per category and area range: the detections of all images (images in ascending id, then the
    per-image order) stably sorted by descending score; cumulative TP / FP; recall = TP / positives;
    precision = TP / (TP + FP + eps) made non-increasing from the right; at each recall point of
    np.linspace(0, 1, 101) the precision at the first detection whose recall reaches it (0 if none);
  * a category without positives in the range is -1 and left out; each number is the mean of all
    remaining precision values over thresholds (all, or only .5 / .75), recall points and categories.
Area ranges: all [0, 1e10], small [0, S], medium [S, L], large [L, 1e10] (both ends inclusive), with
S = --small-max and L = --large-min (COCO: 32^2 and 96^2).

  coco_eval.py [--small-max S] [--large-min L] DIR [DIR ...]

Each DIR holds ground_truth.json (COCO annotation format) and detections.json (COCO result format).
Prints one JSON object per DIR, one a line, with ap, ap50, ap75, ap_small, ap_medium, ap_large
(null where no category has ground truth in the range)."""
import argparse
import json
import os
import sys

import numpy as np

IOU_THRS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1)
REC_THRS = np.linspace(0.0, 1.0, int(np.round(1.0 / 0.01)) + 1)
MAX_DETS = 100
TOP_AREA = 1e5 ** 2


def read_case(folder):
    """Ground truth and detections as numpy arrays (file order kept)."""
    with open(os.path.join(folder, "ground_truth.json")) as f:
        gt = json.load(f)
    with open(os.path.join(folder, "detections.json")) as f:
        dt = json.load(f)
    images = np.array(sorted({im["id"] for im in gt["images"]}), dtype=np.int64)
    cats = np.array(sorted({c["id"] for c in gt["categories"]}), dtype=np.int64)
    anns = gt["annotations"]
    g = {
        "img": np.array([a["image_id"] for a in anns], dtype=np.int64),
        "cat": np.array([a["category_id"] for a in anns], dtype=np.int64),
        "box": np.array([a["bbox"] for a in anns], dtype=np.float64).reshape(-1, 4),
        "area": np.array([a["area"] for a in anns], dtype=np.float64),
    }
    d = {
        "img": np.array([r["image_id"] for r in dt], dtype=np.int64),
        "cat": np.array([r["category_id"] for r in dt], dtype=np.int64),
        "box": np.array([r["bbox"] for r in dt], dtype=np.float64).reshape(-1, 4),
        "score": np.array([r["score"] for r in dt], dtype=np.float64),
    }
    d["area"] = d["box"][:, 2] * d["box"][:, 3]
    unknown = np.setdiff1d(d["img"], images)
    if unknown.size:
        raise SystemExit(f"detections on images not in the ground truth: {unknown.tolist()}")
    return images, cats, g, d


def box_iou(d, g):
    """IoU matrix [len(d), len(g)] of xywh boxes."""
    right = np.minimum((d[:, 0] + d[:, 2])[:, None], (g[:, 0] + g[:, 2])[None, :])
    bottom = np.minimum((d[:, 1] + d[:, 3])[:, None], (g[:, 1] + g[:, 3])[None, :])
    w = right - np.maximum(d[:, 0][:, None], g[:, 0][None, :])
    h = bottom - np.maximum(d[:, 1][:, None], g[:, 1][None, :])
    overlap = (w > 0) & (h > 0)
    inter = np.where(overlap, w * h, 0.0)
    union = (d[:, 2] * d[:, 3])[:, None] + (g[:, 2] * g[:, 3])[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=overlap)


def match_image(iou, gt_ignored, dt_outside):
    """Greedy matching of score-ordered detections at all thresholds at once.
    Returns matched [T, D] and ignored [T, D]."""
    n_thr, (n_dt, n_gt) = len(IOU_THRS), iou.shape
    need = np.minimum(IOU_THRS, 1 - 1e-10)[:, None]
    taken = np.zeros((n_thr, n_gt), dtype=bool)
    matched = np.zeros((n_thr, n_dt), dtype=bool)
    ignored = np.tile(dt_outside, (n_thr, 1))
    if n_gt == 0:
        return matched, ignored
    rows = np.arange(n_thr)
    for k in range(n_dt):
        ok = (iou[k][None, :] >= need) & ~taken
        inside_ok = ok & ~gt_ignored[None, :]
        pool = np.where(inside_ok.any(axis=1, keepdims=True), inside_ok, ok)
        found = pool.any(axis=1)
        value = np.where(pool, iou[k][None, :], -np.inf)
        is_best = pool & (value == value.max(axis=1, keepdims=True))
        last_best = n_gt - 1 - np.argmax(is_best[:, ::-1], axis=1)
        taken[rows[found], last_best[found]] = True
        matched[:, k] = found
        ignored[found, k] = gt_ignored[last_best[found]]
    return matched, ignored


def precision_at_recall_points(scores, matched, ignored, positives):
    """[T, R] interpolated precision of one category over all images."""
    order = np.argsort(-scores, kind="mergesort")
    matched, ignored = matched[:, order], ignored[:, order]
    tp = np.cumsum(matched & ~ignored, axis=1).astype(np.float64)
    fp = np.cumsum(~matched & ~ignored, axis=1).astype(np.float64)
    recall = tp / positives
    precision = tp / (tp + fp + np.spacing(1))
    precision = np.maximum.accumulate(precision[:, ::-1], axis=1)[:, ::-1]
    out = np.zeros((len(IOU_THRS), len(REC_THRS)))
    n = scores.size
    for t in range(len(IOU_THRS)):
        at = np.searchsorted(recall[t], REC_THRS, side="left")
        reached = at < n
        out[t, reached] = precision[t, at[reached]]
    return out


def evaluate(images, cats, g, d, small_max, large_min):
    ranges = [(0.0, TOP_AREA), (0.0, small_max), (small_max, large_min), (large_min, TOP_AREA)]
    # precision[range, category, threshold, recall point]; -1 = no positives
    prec = -np.ones((len(ranges), len(cats), len(IOU_THRS), len(REC_THRS)))
    for ci, cat in enumerate(cats):
        per_image = []
        for img in images:
            gi = np.flatnonzero((g["img"] == img) & (g["cat"] == cat))
            di = np.flatnonzero((d["img"] == img) & (d["cat"] == cat))
            di = di[np.argsort(-d["score"][di], kind="mergesort")][:MAX_DETS]
            if gi.size or di.size:
                per_image.append((gi, di, box_iou(d["box"][di], g["box"][gi])))
        for ri, (lo, hi) in enumerate(ranges):
            scores, matched, ignored, positives = [], [], [], 0
            for gi, di, iou in per_image:
                gt_ignored = (g["area"][gi] < lo) | (g["area"][gi] > hi)
                dt_outside = (d["area"][di] < lo) | (d["area"][di] > hi)
                m, ig = match_image(iou, gt_ignored, dt_outside)
                scores.append(d["score"][di])
                matched.append(m)
                ignored.append(ig)
                positives += int((~gt_ignored).sum())
            if positives == 0:
                continue
            prec[ri, ci] = precision_at_recall_points(
                np.concatenate(scores), np.concatenate(matched, axis=1), np.concatenate(ignored, axis=1), positives)
    return prec


def summarize(prec):
    def mean(p):
        p = p[p > -1]
        return float(np.mean(p)) if p.size else None

    at50 = np.flatnonzero(IOU_THRS == 0.5)
    at75 = np.flatnonzero(IOU_THRS == 0.75)
    return {
        "ap": mean(prec[0]),
        "ap50": mean(prec[0][:, at50]),
        "ap75": mean(prec[0][:, at75]),
        "ap_small": mean(prec[1]),
        "ap_medium": mean(prec[2]),
        "ap_large": mean(prec[3]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--small-max", type=float, default=32.0 ** 2)
    ap.add_argument("--large-min", type=float, default=96.0 ** 2)
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()
    for folder in args.dirs:
        prec = evaluate(*read_case(folder), args.small_max, args.large_min)
        print(json.dumps(summarize(prec)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
