"""roi_align against torchvision's CPU kernel (roi_align_kernel.cpp) written out as plain loops,
and its gradient against finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import homeml as hm
from homeml.vision.ops import RoIAlign, roi_align
from tests.support import check_gradients


def bilinear(image, y, x):
    height, width = image.shape
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return 0.0
    y, x = max(y, 0.0), max(x, 0.0)
    y_low, x_low = int(y), int(x)
    if y_low >= height - 1:
        y_high = y_low = height - 1
        y = float(y_low)
    else:
        y_high = y_low + 1
    if x_low >= width - 1:
        x_high = x_low = width - 1
        x = float(x_low)
    else:
        x_high = x_low + 1
    ly, lx = y - y_low, x - x_low
    hy, hx = 1.0 - ly, 1.0 - lx
    return (
        hy * hx * image[y_low, x_low]
        + hy * lx * image[y_low, x_high]
        + ly * hx * image[y_high, x_low]
        + ly * lx * image[y_high, x_high]
    )


def reference_roi_align(x, rois, out_h, out_w, scale, sampling_ratio, aligned):
    out = np.zeros((len(rois), x.shape[1], out_h, out_w))
    offset = 0.5 if aligned else 0.0
    for k, roi in enumerate(rois):
        n = int(roi[0])
        start_w, start_h = roi[1] * scale - offset, roi[2] * scale - offset
        end_w, end_h = roi[3] * scale - offset, roi[4] * scale - offset
        roi_w, roi_h = end_w - start_w, end_h - start_h
        if not aligned:
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        bin_h, bin_w = roi_h / out_h, roi_w / out_w
        grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_h / out_h)
        grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_w / out_w)
        count = max(grid_h * grid_w, 1)
        for c in range(x.shape[1]):
            for ph in range(out_h):
                for pw in range(out_w):
                    total = 0.0
                    for iy in range(grid_h):
                        y = start_h + ph * bin_h + (iy + 0.5) * bin_h / grid_h
                        for ix in range(grid_w):
                            xx = start_w + pw * bin_w + (ix + 0.5) * bin_w / grid_w
                            total += bilinear(x[n, c], y, xx)
                    out[k, c, ph, pw] = total / count
    return out


def random_rois(rng, k, n, height, width):
    xy = rng.uniform(-4, [width + 2, height + 2], size=(k, 2))  # some start outside the map
    wh = rng.uniform(0, [width, height], size=(k, 2)) * (rng.uniform(size=(k, 1)) > 0.1)
    return np.concatenate([rng.integers(0, n, size=(k, 1)), xy, xy + wh], axis=1)


@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([(1, 1), (2, 3), (4, 4)]),
    st.sampled_from([1.0, 0.5, 0.25]),
    st.sampled_from([-1, 0, 1, 2]),
    st.booleans(),
)
@settings(max_examples=40, deadline=None)
def test_roi_align_matches_torchvisions_kernel(seed, output_size, scale, sampling_ratio, aligned):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, 9, 7))
    rois = random_rois(rng, 5, 2, 9 / scale, 7 / scale)
    got = roi_align(hm.tensor(x), rois, output_size, scale, sampling_ratio, aligned).numpy()
    want = reference_roi_align(x, rois, *output_size, scale, sampling_ratio, aligned)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_list_of_boxes_per_image_and_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 8, 8)).astype(np.float32)
    per_image = [np.array([[0.0, 0, 5, 5], [2, 2, 7, 6]]), np.array([[1.0, 3, 4, 8]])]
    rois = np.array([[0, 0.0, 0, 5, 5], [0, 2, 2, 7, 6], [1, 1, 3, 4, 8]])
    got = roi_align(hm.tensor(x), per_image, (3, 2), aligned=True)
    assert got.dtype == np.float32 and tuple(got.shape) == (3, 2, 3, 2)
    want = reference_roi_align(x.astype(np.float64), rois, 3, 2, 1.0, -1, True)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    module = RoIAlign((3, 2), spatial_scale=1.0, sampling_ratio=-1, aligned=True)
    assert np.array_equal(module(hm.tensor(x), per_image).numpy(), got.numpy())
    assert "aligned=True" in repr(module)


@pytest.mark.parametrize("aligned", [False, True])
def test_roi_align_gradient_matches_finite_differences(aligned):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 2, 6, 5))
    rois = np.array([[0, 0.3, 0.7, 4.1, 3.2], [1, -1.2, 2.0, 3.0, 7.5], [1, 2.0, 1.0, 2.4, 1.3]])
    check_gradients(lambda t: roi_align(t, rois, (2, 3), 0.9, -1, aligned), x)


def test_bad_boxes_say_what_was_expected():
    x = hm.tensor(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"\(K, 5\)"):
        roi_align(x, np.zeros((2, 4)), 2)
    with pytest.raises(ValueError, match="image 3"):
        roi_align(x, np.array([[3, 0, 0, 2, 2.0]]), 2)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        roi_align(np.zeros((4, 4)), np.zeros((0, 5)), 2)
