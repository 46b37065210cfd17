# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 19 · Detection: IoU, non-maximum suppression and mean average precision
#
# A classifier answers "which digit is this?". A detector answers "which objects are in this
# picture, and where?": a list of **boxes** $(x_1, y_1, x_2, y_2)$, each with a label and a
# confidence score. Before training a detector we need the three tools every detector is built
# and judged with, and that is what this notebook writes by hand:
#
# 1. **IoU**, how much two boxes overlap;
# 2. **non-maximum suppression** (NMS), which removes the duplicates a detector produces;
# 3. **mean average precision** (mAP), the number detection papers report, exactly as the
#    COCO benchmark's reference code (pycocotools) computes it.
#
# Each is checked against `homeml.vision` and, where installed, pycocotools.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from homeml.vision.metrics import mean_average_precision
from homeml.vision.ops import box_iou, nms

try:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
except ImportError:
    COCO = None
    print("pycocotools is not installed: comparing with homeml only")

FULL = False  # True: more images (the conclusions are the same)
N_IMAGES = 400 if FULL else 60
N_CLASSES = 3
rng = np.random.default_rng(0)

# %% [markdown]
# ## Intersection over union
#
# Two boxes overlap in the rectangle between the larger of their left/top edges and the smaller
# of their right/bottom edges (empty if those cross). IoU divides that area by the area either
# box covers:
#
# $$\mathrm{IoU}(A, B) = \frac{|A \cap B|}{|A| + |B| - |A \cap B|} \in [0, 1].$$
#
# Written for all pairs at once with broadcasting: boxes `a` (n, 4) against `b` (m, 4) give an
# (n, m) matrix.


# %%
def iou_by_hand(a, b):
    """(n, m) IoU of every box of ``a`` (n, 4) with every box of ``b`` (m, 4), xyxy."""
    left_top = np.maximum(a[:, None, :2], b[None, :, :2])  # (n, m, 2)
    right_bottom = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(right_bottom - left_top, 0, None)  # no overlap: width or height 0
    inter = wh[..., 0] * wh[..., 1]
    area = lambda boxes: (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None, :] - inter)


def random_boxes(n, size=96.0):
    """``n`` boxes inside a ``size`` x ``size`` picture, 12 to 40 pixels a side."""
    wh = rng.uniform(12, 40, (n, 2))
    x1y1 = rng.uniform(0, size - wh)
    return np.hstack([x1y1, x1y1 + wh])


a, b = random_boxes(200), random_boxes(150)
ours = iou_by_hand(a, b)
assert np.allclose(ours, box_iou(a, b), rtol=0, atol=1e-12)
print(f"IoU of 200 x 150 random boxes: same as homeml.vision.ops.box_iou; {np.mean(ours > 0):.0%}")
print("of the pairs overlap at all")

# %% [markdown]
# ## Non-maximum suppression
#
# A detector scores many candidate boxes, and a real object usually gets several strong,
# overlapping ones. NMS keeps the best and drops its neighbours: visit the boxes from the highest
# score down; keep a box unless it overlaps an already kept box by more than a threshold.


# %%
def nms_by_hand(boxes, scores, threshold):
    order = np.argsort(-scores, kind="stable")  # equal scores: input order
    keep = []
    for i in order:
        if all(iou_by_hand(boxes[[i]], boxes[[k]])[0, 0] <= threshold for k in keep):
            keep.append(i)
    return np.array(keep)


# three objects, each found 4 to 6 times with jittered boxes
objects = random_boxes(3)
copies = np.repeat(objects, rng.integers(4, 7, 3), axis=0)
candidates = copies + rng.normal(0, 2.0, copies.shape)
scores = rng.uniform(0.3, 1.0, len(candidates))
kept = nms_by_hand(candidates, scores, 0.5)
assert np.array_equal(kept, nms(candidates, scores, 0.5))
print(f"{len(candidates)} candidates -> {len(kept)} kept, the same as homeml.vision.ops.nms")

fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, shown, title in ((axes[0], range(len(candidates)), "candidates"), (axes[1], kept, "NMS")):
    for i in shown:
        x1, y1, x2, y2 = candidates[i]
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, alpha=scores[i]))
    ax.set(xlim=(0, 96), ylim=(96, 0), title=title, aspect="equal")
plt.show()

# %% [markdown]
# ## Average precision, the COCO way
#
# A detection is a **true positive** at IoU threshold $t$ if it overlaps a ground-truth box of
# its class by at least $t$ and that box is not already taken by a higher-scoring detection;
# otherwise it is a **false positive**. Sorting all detections of a class (over every image) by
# score and walking down the list gives, after each one, a recall (true positives so far over
# the number of ground-truth boxes) and a precision (true positives over detections so far).
#
# The **average precision** summarises that precision–recall curve. COCO's reference code
# (pycocotools) first makes precision non-increasing from the right (the best precision reachable
# at this recall or beyond), then reads it at the 101 recalls $0, 0.01, \dots, 1$ and averages;
# a recall never reached counts as precision 0. **mAP@0.5** averages AP over the classes at
# $t = 0.5$; COCO's headline **mAP** also averages over $t = 0.50, 0.55, \dots, 0.95$.
#
# Some made-up detections to score: each true box is found with probability 0.85 (jittered, so
# some fall under the stricter thresholds), sometimes with the wrong label, plus spurious boxes.

# %%
targets, preds = [], []
for _ in range(N_IMAGES):
    n = rng.integers(1, 6)
    boxes, labels = random_boxes(n), rng.integers(0, N_CLASSES, n)
    targets.append({"boxes": boxes, "labels": labels})
    found = rng.random(n) < 0.85
    jitter = rng.normal(0, 3.0, (found.sum(), 4))
    wrong = rng.random(found.sum()) < 0.1
    p_labels = np.where(wrong, (labels[found] + 1) % N_CLASSES, labels[found])
    spurious = rng.integers(0, 3)
    preds.append(
        {
            "boxes": np.vstack([boxes[found] + jitter, random_boxes(spurious)]),
            "labels": np.concatenate([p_labels, rng.integers(0, N_CLASSES, spurious)]),
            "scores": np.concatenate(
                [rng.uniform(0.4, 1, found.sum()), rng.uniform(0, 0.7, spurious)]
            ),
        }
    )


# %%
def matches(pred, target, cls, t):
    """Scores and true-positive flags of image's ``cls`` detections at IoU threshold ``t``."""
    d = pred["labels"] == cls
    order = np.argsort(-pred["scores"][d], kind="mergesort")[:100]  # COCO keeps 100 per image
    dt, dt_scores = pred["boxes"][d][order], pred["scores"][d][order]
    gt = target["boxes"][target["labels"] == cls]
    taken = np.zeros(len(gt), bool)
    tp = np.zeros(len(dt), bool)
    ious = iou_by_hand(dt, gt) if len(dt) and len(gt) else np.zeros((len(dt), len(gt)))
    for i in range(len(dt)):
        best, best_iou = -1, min(t, 1 - 1e-10)
        for j in range(len(gt)):  # the best free ground truth at or above the threshold
            if not taken[j] and ious[i, j] >= best_iou:
                best, best_iou = j, ious[i, j]
        if best >= 0:
            taken[best], tp[i] = True, True
    return dt_scores, tp, len(gt)


def average_precision(cls, t):
    per_image = [matches(p, g, cls, t) for p, g in zip(preds, targets)]
    scores = np.concatenate([s for s, _, _ in per_image])
    tp = np.concatenate([f for _, f, _ in per_image])[np.argsort(-scores, kind="mergesort")]
    n_gt = sum(n for _, _, n in per_image)
    tps, fps = np.cumsum(tp), np.cumsum(~tp)
    recall, precision = tps / n_gt, tps / (tps + fps)
    precision = np.maximum.accumulate(precision[::-1])[::-1]  # non-increasing from the right
    at = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
    return np.where(at < len(precision), precision[np.minimum(at, len(precision) - 1)], 0).mean()


thresholds = np.linspace(0.5, 0.95, 10)
ap = np.array([[average_precision(c, t) for c in range(N_CLASSES)] for t in thresholds])
by_hand = {"mAP@0.5": ap[0].mean(), "mAP@0.75": ap[5].mean(), "mAP@[0.5:0.95]": ap.mean()}
homeml_map = mean_average_precision(preds, targets)
table = pd.DataFrame(
    {
        "by hand": by_hand,
        "homeml.vision": {
            "mAP@0.5": homeml_map["map_50"],
            "mAP@0.75": homeml_map["map_75"],
            "mAP@[0.5:0.95]": homeml_map["map"],
        },
    }
)

# %% [markdown]
# pycocotools wants COCO's JSON layout: boxes as $(x, y, w, h)$, one annotation per box, the
# detections as a result list.

# %%
if COCO is not None:
    xywh = lambda bx: np.hstack([bx[:, :2], bx[:, 2:] - bx[:, :2]])  # noqa: E731
    images, annotations, results = [], [], []
    for i, (p, g) in enumerate(zip(preds, targets)):
        images.append({"id": i, "width": 96, "height": 96})
        for box, label in zip(xywh(g["boxes"]), g["labels"]):
            area = float(box[2] * box[3])
            annotations.append(
                {"id": len(annotations) + 1, "image_id": i, "category_id": int(label) + 1,
                 "bbox": box.tolist(), "area": area, "iscrowd": 0}
            )  # fmt: skip
        for box, label, score in zip(xywh(p["boxes"]), p["labels"], p["scores"]):
            results.append(
                {"image_id": i, "category_id": int(label) + 1, "bbox": box.tolist(),
                 "score": float(score)}
            )  # fmt: skip
    coco = COCO()
    coco.dataset = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": c + 1, "name": str(c)} for c in range(N_CLASSES)],
    }
    coco.createIndex()
    evaluation = COCOeval(coco, coco.loadRes(results), "bbox")
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    stats = evaluation.stats
    table["pycocotools"] = {"mAP@0.5": stats[1], "mAP@0.75": stats[2], "mAP@[0.5:0.95]": stats[0]}
table

# %%
assert np.allclose(table["by hand"], table["homeml.vision"], rtol=0, atol=1e-12)
if COCO is not None:
    assert np.allclose(table["by hand"], table["pycocotools"], rtol=0, atol=1e-12)
# the stricter the overlap asked for, the fewer jittered boxes count: AP falls with t
assert np.all(np.diff(ap.mean(axis=1)) <= 1e-12)
plt.plot(thresholds, ap.mean(axis=1), marker="o")
plt.xlabel("IoU threshold t")
plt.ylabel("mean AP over the classes")
plt.title("Jittered boxes: AP falls as the overlap asked for rises")
plt.show()

# %% [markdown]
# All three columns agree to $10^{-12}$: the by-hand rules above *are* COCO's, and
# `homeml.vision.metrics.mean_average_precision` computes them (plus the small/medium/large and
# recall summaries) without pycocotools. Boxes jittered by about 3 pixels still count at
# $t = 0.5$, but fewer and fewer of them do as $t$ rises to 0.95, which is why COCO's averaged
# mAP rewards precise localisation and the older mAP@0.5 does not.
