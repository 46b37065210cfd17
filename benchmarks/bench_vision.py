"""Time homeml.vision against its references on the same workload, in one process.

    python benchmarks/bench_vision.py [--scenes 2000] [--repeats 3]

(a) COCO box mAP on MNIST canvas test scenes with perturbed detections: homeml's
    ``mean_average_precision`` against pycocotools' COCOeval (evaluate + accumulate + summarize),
    and checks that the twelve summary numbers agree. (b) making the scenes themselves
    (``load_mnist_canvas``), per 1,000 scenes. Prints medians and the ratio homeml / reference.
Needs MNIST under $HOMEML_DATA and pycocotools.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import time

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from homeml.datasets import load_mnist_canvas, to_coco
from homeml.vision.metrics import mean_average_precision


def detections(scenes, rng):
    preds = []
    for boxes, labels in zip(scenes.boxes, scenes.labels):
        out = np.concatenate([boxes + rng.normal(0, 2.0, boxes.shape), boxes[:1] + 3.0])
        out[:, 2:] = np.maximum(out[:, 2:], out[:, :2] + 0.5)
        lab = np.concatenate([labels, labels[:1]])
        preds.append({"boxes": out, "labels": lab, "scores": rng.uniform(size=len(out))})
    return preds


def coco_eval(gt_dict, results):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = gt_dict
        gt.createIndex()
        evaluation = COCOeval(gt, gt.loadRes(results), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return evaluation.stats


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenes", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    made, (_, test) = median_time(
        lambda: load_mnist_canvas(num_train=0, num_test=args.scenes, download=False), 1
    )
    print(f"load_mnist_canvas: {args.scenes} scenes in {made:.2f} s (MNIST parsing included)")
    preds = detections(test, np.random.default_rng(0))
    targets = [{"boxes": b, "labels": lab} for b, lab in zip(test.boxes, test.labels)]
    results = [
        {"image_id": i + 1, "category_id": int(c) + 1, "score": float(s),
         "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]]}
        for i, p in enumerate(preds)
        for b, c, s in zip(p["boxes"].tolist(), p["labels"], p["scores"])
    ]  # fmt: skip
    gt_dict = to_coco(test)
    ours, got = median_time(lambda: mean_average_precision(preds, targets), args.repeats)
    theirs, want = median_time(lambda: coco_eval(gt_dict, results), args.repeats)
    names = ["map", "map_50", "map_75", "map_small", "map_medium", "map_large"]
    names += ["mar_1", "mar_10", "mar_100", "mar_small", "mar_medium", "mar_large"]
    gap = max(abs(got[n] - w) for n, w in zip(names, want))
    print(
        f"mAP {got['map']:.4f} (pycocotools {want[0]:.4f}), largest gap in the 12 stats {gap:.1e}"
    )
    print(
        f"mean_average_precision {ours:.3f} s, COCOeval {theirs:.3f} s, ratio {ours / theirs:.2f}"
    )


if __name__ == "__main__":
    main()
