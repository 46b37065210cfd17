"""homeml.vision.metrics against pycocotools (box mAP) and torchmetrics (segmentation)."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeml.vision import metrics

STAT_NAMES = [
    "map",
    "map_50",
    "map_75",
    "map_small",
    "map_medium",
    "map_large",
    "mar_1",
    "mar_10",
    "mar_100",
    "mar_small",
    "mar_medium",
    "mar_large",
]


def coco_stats(preds, targets, num_classes=10):
    """COCOeval's stats and per-class AP on the same boxes (xyxy -> xywh written out here)."""
    coco = pytest.importorskip("pycocotools.coco", reason="pip install pycocotools")
    cocoeval = pytest.importorskip("pycocotools.cocoeval", reason="pip install pycocotools")
    images, annotations, results = [], [], []
    for i, (pred, target) in enumerate(zip(preds, targets)):
        images.append({"id": i + 1, "height": 96, "width": 96})
        for box, label in zip(np.asarray(target["boxes"]).tolist(), target["labels"].tolist()):
            w, h = box[2] - box[0], box[3] - box[1]
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": label + 1,
                    "bbox": [box[0], box[1], w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
        for box, score, label in zip(
            pred["boxes"].tolist(), pred["scores"].tolist(), pred["labels"].tolist()
        ):
            bbox = [box[0], box[1], box[2] - box[0], box[3] - box[1]]
            results.append(
                {"image_id": i + 1, "category_id": label + 1, "bbox": bbox, "score": score}
            )
    gt = coco.COCO()
    gt.dataset = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": c + 1, "name": str(c)} for c in range(num_classes)],
    }
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes(results)
        evaluation = cocoeval.COCOeval(gt, dt, "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    precision = evaluation.eval["precision"][:, :, :, 0, -1]
    per_class = [
        float(np.mean(p[p > -1])) if (p > -1).any() else -1.0 for p in np.moveaxis(precision, 2, 0)
    ]
    return evaluation.stats, per_class


def perturbed(targets, rng, *, keep=0.8, jitter=3.0, wrong_label=0.1, extra=3, ties=False):
    """Detections from the targets: jittered boxes, some missed, some mislabelled, duplicates,
    false positives, random scores (rounded to make ties when asked)."""
    preds = []
    for target in targets:
        boxes, labels = np.asarray(target["boxes"], float), target["labels"]
        found = rng.uniform(size=len(boxes)) < keep
        out = boxes[found] + rng.normal(0, jitter, size=(found.sum(), 4))
        out_labels = labels[found].copy()
        flip = rng.uniform(size=len(out_labels)) < wrong_label
        out_labels[flip] = rng.integers(0, 10, size=flip.sum())
        duplicates = out[: rng.integers(0, len(out) + 1)] + rng.normal(0, 1.0, (1, 4))
        n_fp = int(rng.integers(0, extra + 1))
        xy = rng.uniform(0, 80, size=(n_fp, 2))
        fp = np.concatenate([xy, xy + rng.uniform(4, 40, size=(n_fp, 2))], 1)
        out = np.concatenate([out, duplicates, fp])
        out[:, 2:] = np.maximum(out[:, 2:], out[:, :2] + 0.5)  # keep boxes non-degenerate
        out_labels = np.concatenate(
            [out_labels, out_labels[: len(duplicates)], rng.integers(0, 10, n_fp)]
        )
        scores = rng.uniform(size=len(out))
        if ties:
            scores = np.round(scores, 1)
        preds.append({"boxes": out, "scores": scores, "labels": out_labels.astype(np.int64)})
    return preds


@pytest.fixture(scope="module")
def scene_targets():
    from homeml.datasets import make_canvas_scenes
    from homeml.datasets.mnist_canvas import load_mnist_canvas
    from tests.support import dataset_skip_reason

    if dataset_skip_reason("mnist") is None:
        _, test = load_mnist_canvas(num_train=0, num_test=40, seed=5, download=False)
    else:  # the metric does not need real digits: any ink will do
        rng = np.random.default_rng(0)
        digits = (rng.uniform(size=(50, 28, 28)) > 0.7).astype(np.uint8) * 255
        test = make_canvas_scenes(digits, rng.integers(0, 10, 50), 40, split="test")
    return [{"boxes": b, "labels": lab} for b, lab in zip(test.boxes, test.labels)]


def assert_same_as_coco(preds, targets, **kwargs):
    want, want_per_class = coco_stats(preds, targets)
    got = metrics.mean_average_precision(preds, targets, **kwargs)
    np.testing.assert_allclose([got[n] for n in STAT_NAMES], want, rtol=0, atol=1e-6)
    by_class = dict(zip(got["classes"].tolist(), got["map_per_class"].tolist()))
    for c in range(10):
        np.testing.assert_allclose(by_class.get(c, -1.0), want_per_class[c], atol=1e-6)
    return got


@given(st.integers(0, 2**32 - 1), st.booleans())
@settings(max_examples=8, deadline=None)
def test_map_equals_pycocotools_on_perturbed_scenes(scene_targets, seed, ties):
    rng = np.random.default_rng(seed)
    preds = perturbed(scene_targets, rng, ties=ties)
    got = assert_same_as_coco(preds, scene_targets)
    assert 0 < got["map"] < 1


def test_map_of_the_targets_themselves_is_one(scene_targets):
    preds = [
        {"boxes": t["boxes"], "labels": t["labels"], "scores": np.ones(len(t["labels"]))}
        for t in scene_targets
    ]
    got = assert_same_as_coco(preds, scene_targets)
    assert got["map"] == pytest.approx(1.0) and got["map_50"] == pytest.approx(1.0)
    assert got["map_large"] == -1.0


def test_map_with_more_than_100_detections_and_all_area_ranges():
    rng = np.random.default_rng(1)
    targets, preds = [], []
    for _ in range(6):
        xy = rng.uniform(0, 200, size=(30, 2))
        boxes = np.concatenate([xy, xy + rng.uniform(5, 150, size=(30, 2))], 1)
        targets.append({"boxes": boxes, "labels": rng.integers(0, 3, 30)})
    preds = perturbed(targets, rng, keep=0.9, jitter=6.0, extra=120)
    assert max(len(p["scores"]) for p in preds) > 100
    got = assert_same_as_coco(preds, targets)
    assert got["map_large"] > -1 and got["map_small"] > -1 and got["mar_1"] < got["mar_100"]


def test_images_without_targets_or_detections():
    targets = [
        {"boxes": np.array([[0.0, 0, 10, 10]]), "labels": np.array([1])},
        {"boxes": np.zeros((0, 4)), "labels": np.zeros(0, np.int64)},
        {"boxes": np.array([[5.0, 5, 30, 40]]), "labels": np.array([2])},
    ]
    preds = [
        {"boxes": np.array([[1.0, 0, 10, 10]]), "scores": np.array([0.9]), "labels": np.array([1])},
        {"boxes": np.array([[0.0, 0, 9, 9]]), "scores": np.array([0.8]), "labels": np.array([1])},
        {"boxes": np.zeros((0, 4)), "scores": np.zeros(0), "labels": np.zeros(0, np.int64)},
    ]
    assert_same_as_coco(preds, targets)


def test_a_detection_prefers_a_ground_truth_in_the_area_range():
    # in the "small" range (< 32^2) the 33 x 33 box is ignored: COCOeval keeps the detection on
    # the 30 x 30 box even though its IoU with the ignored one is higher
    targets = [
        {"boxes": np.array([[33.0, 0, 63, 30], [32, 0, 65, 33]]), "labels": np.array([4, 4])}
    ]
    preds = [
        {"boxes": np.array([[32.0, 0, 64, 32]]), "scores": np.array([0.5]), "labels": np.array([4])}
    ]
    got = assert_same_as_coco(preds, targets)
    assert got["map_small"] > 0.5


def test_map_50_alone_and_bad_inputs():
    targets = [{"boxes": np.array([[0.0, 0, 10, 10]]), "labels": np.array([0])}]
    preds = [{"boxes": np.array([[0.0, 0, 10, 14]]), "scores": np.array([1.0]), "labels": [0]}]
    got = metrics.mean_average_precision(preds, targets, iou_thresholds=[0.5])
    assert got["map"] == got["map_50"] == pytest.approx(1.0) and "map_75" not in got
    got = metrics.mean_average_precision(preds, targets, iou_thresholds=[0.75])
    assert got["map"] == 0.0  # IoU 100 / 140
    with pytest.raises(ValueError, match="one per image"):
        metrics.mean_average_precision(preds, targets * 2)
    with pytest.raises(ValueError, match="scores"):
        metrics.mean_average_precision([{**preds[0], "scores": [1.0, 2.0]}], targets)


# -- segmentation against torchmetrics ----------------------------------------------------------


def class_maps(seed, n=4, size=12, num_classes=5):
    rng = np.random.default_rng(seed)
    target = rng.integers(0, num_classes, size=(n, size, size))
    target[:, :, : size // 2] = 0  # lots of background, as in the scenes
    pred = np.where(rng.uniform(size=target.shape) < 0.7, target, rng.integers(0, num_classes))
    pred[0][pred[0] == num_classes - 1] = 0  # a class missing from some images
    target[0][target[0] == num_classes - 1] = 0
    return pred, target


@given(st.integers(0, 2**32 - 1), st.booleans())
@settings(max_examples=15, deadline=None)
def test_segmentation_metrics_equal_torchmetrics(seed, include_background):
    torch = pytest.importorskip("torch", reason="pip install torch")
    seg = pytest.importorskip("torchmetrics.segmentation", reason="pip install torchmetrics")
    classification = pytest.importorskip("torchmetrics.classification")
    c = 5
    pred, target = class_maps(seed, num_classes=c)
    p, t = torch.tensor(pred), torch.tensor(target)
    first = 0 if include_background else 1

    def tm(metric):
        metric.update(p, t)
        return metric.compute().numpy()

    want = tm(seg.MeanIoU(c, include_background, per_class=True, input_format="index"))
    got = metrics.per_class_iou(pred, target, c, aggregation="samplewise")[first:]
    np.testing.assert_allclose(np.nan_to_num(got, nan=-1.0), want, rtol=1e-6)
    want = tm(seg.MeanIoU(c, include_background, input_format="index"))
    got = metrics.mean_iou(pred, target, c, "samplewise", include_background)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    # global per-class IoU: torchmetrics' Jaccard index on the confusion matrix
    want = tm(classification.MulticlassJaccardIndex(c, average="none"))
    got = metrics.per_class_iou(pred, target, c)
    present = ~np.isnan(got)
    np.testing.assert_allclose(got[present], want[present], rtol=1e-6)
    assert np.all(want[~present] == 0)  # torchmetrics' zero_division
    for aggregation in ("global", "samplewise"):
        for average in ("macro", "none"):
            want = tm(
                seg.DiceScore(
                    c,
                    include_background,
                    average=average,
                    input_format="index",
                    aggregation_level=aggregation,
                )
            )
            got = metrics.dice_score(pred, target, c, aggregation, average, include_background)
            np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=f"{aggregation} {average}")
    want = tm(classification.MulticlassAccuracy(c, average="micro"))
    np.testing.assert_allclose(metrics.pixel_accuracy(pred, target, c), want, rtol=1e-6)


def test_global_mean_iou_is_the_mean_of_present_classes():
    pred = np.array([[0, 0, 1, 1], [2, 2, 1, 0]])
    target = np.array([[0, 1, 1, 1], [2, 2, 2, 0]])
    iou = metrics.per_class_iou(pred, target, 4)
    assert iou[:3].tolist() == [2 / 3, 2 / 4, 2 / 3] and np.isnan(iou[3])
    assert metrics.mean_iou(pred, target, 4) == pytest.approx((2 / 3 + 2 / 4 + 2 / 3) / 3)
    assert metrics.mean_iou(pred, target, 4, include_background=False) == pytest.approx(
        (2 / 4 + 2 / 3) / 2
    )
    with pytest.raises(ValueError, match="classes must be in"):
        metrics.mean_iou(pred, target + 3, 4)
    with pytest.raises(ValueError, match="aggregation"):
        metrics.mean_iou(pred, target, 4, aggregation="batch")
