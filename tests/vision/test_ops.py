"""homeml.vision.ops against torchvision's published definitions, written out here in torch (or
plain Python), on random boxes; the losses' gradients against torch and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import homeml as hm
from homeml.vision import ops
from tests.support import check_gradients, torch

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def random_boxes(rng, n, scale=50.0, min_side=0.5):
    xy = rng.uniform(0, scale, size=(n, 2))
    wh = rng.uniform(min_side, scale / 2, size=(n, 2))
    return np.concatenate([xy, xy + wh], axis=1)


seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(0, 12)


# -- torchvision.ops.boxes, written out from its source (BSD-3, torchvision 0.20) --------------


def tv_box_area(b):
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def tv_inter_union(b1, b2):
    area1, area2 = tv_box_area(b1), tv_box_area(b2)
    lt = torch.max(b1[:, None, :2], b2[:, :2])
    rb = torch.min(b1[:, None, 2:], b2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    return inter, area1[:, None] + area2 - inter


def tv_box_iou(b1, b2):
    inter, union = tv_inter_union(b1, b2)
    return inter / union


def tv_generalized_box_iou(b1, b2):
    inter, union = tv_inter_union(b1, b2)
    iou = inter / union
    lti = torch.min(b1[:, None, :2], b2[:, :2])
    rbi = torch.max(b1[:, None, 2:], b2[:, 2:])
    whi = (rbi - lti).clamp(min=0)
    areai = whi[:, :, 0] * whi[:, :, 1]
    return iou - (areai - union) / areai


def tv_box_diou_iou(b1, b2, eps=1e-7):
    iou = tv_box_iou(b1, b2)
    lti = torch.min(b1[:, None, :2], b2[:, :2])
    rbi = torch.max(b1[:, None, 2:], b2[:, 2:])
    whi = (rbi - lti).clamp(min=0)
    diagonal_distance_squared = (whi[:, :, 0] ** 2) + (whi[:, :, 1] ** 2) + eps
    x_p = (b1[:, 0] + b1[:, 2]) / 2
    y_p = (b1[:, 1] + b1[:, 3]) / 2
    x_g = (b2[:, 0] + b2[:, 2]) / 2
    y_g = (b2[:, 1] + b2[:, 3]) / 2
    centers = ((x_p[:, None] - x_g[None, :]) ** 2) + ((y_p[:, None] - y_g[None, :]) ** 2)
    return iou - (centers / diagonal_distance_squared), iou


def tv_complete_box_iou(b1, b2, eps=1e-7):
    diou, iou = tv_box_diou_iou(b1, b2, eps)
    w_pred, h_pred = b1[:, None, 2] - b1[:, None, 0], b1[:, None, 3] - b1[:, None, 1]
    w_gt, h_gt = b2[:, 2] - b2[:, 0], b2[:, 3] - b2[:, 1]
    v = (4 / (torch.pi**2)) * torch.pow(torch.atan(w_pred / h_pred) - torch.atan(w_gt / h_gt), 2)
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    return diou - alpha * v


def tv_giou_loss(b1, b2, eps=1e-7):
    x1, y1, x2, y2 = b1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = b2.unbind(dim=-1)
    xkis1, ykis1 = torch.max(x1, x1g), torch.max(y1, y1g)
    xkis2, ykis2 = torch.min(x2, x2g), torch.min(y2, y2g)
    intsctk = torch.zeros_like(x1)
    mask = (ykis2 > ykis1) & (xkis2 > xkis1)
    intsctk[mask] = (xkis2[mask] - xkis1[mask]) * (ykis2[mask] - ykis1[mask])
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    iouk = intsctk / (unionk + eps)
    xc1, yc1 = torch.min(x1, x1g), torch.min(y1, y1g)
    xc2, yc2 = torch.max(x2, x2g), torch.max(y2, y2g)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    return 1 - (iouk - ((area_c - unionk) / (area_c + eps)))


def tv_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0):
    p = torch.sigmoid(inputs)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return loss


def plain_iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def reference_nms(boxes, scores, threshold):
    """Greedy NMS as torchvision documents it; ties in score keep the input order."""
    order = sorted(range(len(boxes)), key=lambda i: -scores[i])
    keep = []
    for i in order:
        if all(plain_iou(boxes[i], boxes[k]) <= threshold for k in keep):
            keep.append(i)
    return keep


@requires_torch
@given(seeds, sizes, sizes)
@settings(max_examples=40, deadline=None)
def test_pairwise_measures_match_torchvision(seed, n, m):
    rng = np.random.default_rng(seed)
    b1, b2 = random_boxes(rng, n), random_boxes(rng, m)
    t1, t2 = torch.tensor(b1), torch.tensor(b2)
    np.testing.assert_allclose(ops.box_area(b1), tv_box_area(t1).numpy(), rtol=1e-12)
    pairs = [
        (ops.box_iou, tv_box_iou),
        (ops.generalized_box_iou, tv_generalized_box_iou),
        (ops.distance_box_iou, lambda a, b: tv_box_diou_iou(a, b)[0]),
        (ops.complete_box_iou, tv_complete_box_iou),
    ]
    for ours, theirs in pairs:
        got = ours(b1, b2)
        assert got.shape == (n, m)
        np.testing.assert_allclose(got, theirs(t1, t2).numpy(), rtol=1e-10, atol=1e-12)
        # and the same on homeml Tensors, where they are differentiable
        if ours is not ops.complete_box_iou:
            on_tensors = ours(hm.tensor(b1), hm.tensor(b2)).numpy()
            np.testing.assert_allclose(on_tensors, got, rtol=1e-12, atol=1e-12)


@given(seeds, sizes, st.sampled_from(ops._FORMATS), st.sampled_from(ops._FORMATS))
@settings(max_examples=40, deadline=None)
def test_box_convert_round_trips_and_matches_the_definitions(seed, n, fmt_in, fmt_out):
    boxes = random_boxes(np.random.default_rng(seed), n)
    x1, y1, x2, y2 = boxes.T
    forms = {
        "xyxy": boxes,
        "xywh": np.stack([x1, y1, x2 - x1, y2 - y1], 1),
        "cxcywh": np.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], 1),
    }
    got = ops.box_convert(forms[fmt_in], fmt_in, fmt_out)
    np.testing.assert_allclose(got, forms[fmt_out], rtol=1e-12, atol=1e-12)
    on_tensor = ops.box_convert(hm.tensor(forms[fmt_in]), fmt_in, fmt_out)
    np.testing.assert_allclose(on_tensor.numpy(), forms[fmt_out], rtol=1e-12, atol=1e-12)


@given(seeds, sizes)
@settings(max_examples=30, deadline=None)
def test_clip_and_remove_small_boxes(seed, n):
    rng = np.random.default_rng(seed)
    boxes = random_boxes(rng, n, scale=80.0) - 10
    clipped = ops.clip_boxes_to_image(boxes, (40, 60))  # height 40, width 60
    for box, got in zip(boxes, clipped):
        want = [min(max(box[0], 0), 60), min(max(box[1], 0), 40)]
        want += [min(max(box[2], 0), 60), min(max(box[3], 0), 40)]
        assert got.tolist() == want
    kept = ops.remove_small_boxes(clipped, 5.0)
    want = [i for i, b in enumerate(clipped) if b[2] - b[0] >= 5.0 and b[3] - b[1] >= 5.0]
    assert kept.tolist() == want and kept.dtype == np.int64


@given(seeds, st.integers(0, 30), st.sampled_from([0.0, 0.3, 0.5, 0.7]), st.booleans())
@settings(max_examples=60, deadline=None)
def test_nms_keeps_what_the_greedy_reference_keeps(seed, n, threshold, ties):
    rng = np.random.default_rng(seed)
    boxes = random_boxes(rng, n, scale=30.0)
    if n and ties:  # repeated scores and duplicated boxes
        scores = rng.integers(0, 3, size=n).astype(float)
        boxes[rng.integers(0, n, size=n // 3)] = boxes[0]
    else:
        scores = rng.uniform(size=n)
    assert ops.nms(boxes, scores, threshold).tolist() == reference_nms(
        boxes.tolist(), scores.tolist(), threshold
    )


@given(seeds, st.integers(0, 30), st.sampled_from([0.3, 0.5]))
@settings(max_examples=40, deadline=None)
def test_batched_nms_is_nms_per_category(seed, n, threshold):
    rng = np.random.default_rng(seed)
    boxes, scores = random_boxes(rng, n, scale=30.0), rng.uniform(size=n)
    idxs = rng.integers(0, 3, size=n)
    want = []
    for c in range(3):
        members = [i for i in range(n) if idxs[i] == c]
        kept = reference_nms(boxes[members].tolist(), scores[members].tolist(), threshold)
        want += [members[k] for k in kept]
    want.sort(key=lambda i: -scores[i])
    assert ops.batched_nms(boxes, scores, idxs, threshold).tolist() == want


@requires_torch
@given(seeds, st.integers(1, 8), st.sampled_from(["none", "mean", "sum"]))
@settings(max_examples=30, deadline=None)
def test_generalized_box_iou_loss_matches_torchvision_with_gradients(seed, n, reduction):
    rng = np.random.default_rng(seed)
    b1, b2 = random_boxes(rng, n, scale=20.0), random_boxes(rng, n, scale=20.0)
    h1, h2 = hm.tensor(b1, requires_grad=True), hm.tensor(b2, requires_grad=True)
    t1, t2 = torch.tensor(b1, requires_grad=True), torch.tensor(b2, requires_grad=True)
    got = ops.generalized_box_iou_loss(h1, h2, reduction=reduction)
    want = tv_giou_loss(t1, t2)
    want = {"none": want, "mean": want.mean(), "sum": want.sum()}[reduction]
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-10)
    weights = rng.standard_normal(tuple(want.shape))
    (got * hm.tensor(weights)).sum().backward()
    (want * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(h1.grad.numpy(), t1.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(h2.grad.numpy(), t2.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ops.generalized_box_iou_loss(b1, b2, reduction), got.numpy())


def test_box_losses_and_measures_have_finite_difference_gradients():
    rng = np.random.default_rng(0)
    b1, b2 = random_boxes(rng, 5, scale=10.0), random_boxes(rng, 4, scale=10.0)
    check_gradients(lambda a, b: ops.generalized_box_iou_loss(a, b), b1[:4], b2)
    check_gradients(ops.generalized_box_iou, b1, b2)
    check_gradients(ops.distance_box_iou, b1, b2)
    check_gradients(ops.box_iou, b1, b2)
    logits, targets = rng.standard_normal((3, 4)) * 3, (rng.uniform(size=(3, 4)) > 0.5) * 1.0
    check_gradients(lambda x: ops.sigmoid_focal_loss(x, targets), logits)


@requires_torch
@given(seeds, st.sampled_from([0.25, -1.0]), st.sampled_from([0.0, 2.0, 1.5]))
@settings(max_examples=20, deadline=None)
def test_sigmoid_focal_loss_matches_torchvision(seed, alpha, gamma):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((5, 3)) * 4
    targets = (rng.uniform(size=(5, 3)) > 0.7).astype(np.float64)
    x = hm.tensor(logits, requires_grad=True)
    tx = torch.tensor(logits, requires_grad=True)
    got = ops.sigmoid_focal_loss(x, hm.tensor(targets), alpha, gamma)
    want = tv_sigmoid_focal_loss(tx, torch.tensor(targets), alpha, gamma)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(
        ops.sigmoid_focal_loss(logits, targets, alpha, gamma),
        want.detach().numpy(),
        rtol=1e-10,
        atol=1e-14,
    )
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-14)


def test_bad_inputs_say_what_was_expected():
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\)"):
        ops.box_iou(np.zeros((3, 5)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="formats"):
        ops.box_convert(np.zeros((1, 4)), "xyxy", "yxyx")
    with pytest.raises(ValueError, match="scores"):
        ops.nms(np.zeros((3, 4)), np.zeros(2), 0.5)
    with pytest.raises(ValueError, match="same"):
        ops.generalized_box_iou_loss(np.zeros((3, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="reduction"):
        ops.generalized_box_iou_loss(np.ones((1, 4)), np.ones((1, 4)), reduction="avg")
    assert ops.nms(np.zeros((0, 4)), np.zeros(0), 0.5).tolist() == []
    assert math.isclose(float(ops.box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3]])[0, 0]), 1 / 7)
