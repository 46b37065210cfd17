"""Numba kernels of histogram gradient boosting: binning, histograms, split search, prediction.

These are the loops NumPy cannot vectorise (per-sample scatter-adds into bins, per-sample tree
walks). Binned data is stored feature-major, ``X_binned[feature, sample]`` (uint8), so that one
feature's bins are contiguous; bin ``missing_bin`` holds the missing values (NaN). Histograms have
shape ``(n_features, n_bins, 3)``: sum of gradients, sum of hessians and sample count per bin.
Loops over features run in parallel (``prange``); each feature writes only its own histogram.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

GRAD, HESS, COUNT = 0, 1, 2


@numba.njit(parallel=True, cache=True)
def bin_columns(X, thresholds, n_thresholds, missing_bin, out):
    """Write the bin of each ``X[i, f]`` into ``out[f, i]``: bin b holds t[b-1] < x <= t[b]."""
    n_samples, n_features = X.shape
    for f in prange(n_features):
        t = thresholds[f]
        m = n_thresholds[f]
        for i in range(n_samples):
            x = X[i, f]
            if np.isnan(x):
                out[f, i] = missing_bin
                continue
            lo, hi = 0, m
            while lo < hi:  # first threshold >= x
                mid = (lo + hi) >> 1
                if t[mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            out[f, i] = lo


def _build_histograms(X_binned, sample_indices, gradients, hessians, constant_hessian, hist):
    n = sample_indices.shape[0]
    # gather the node's gradients once, so the per-feature loops read them contiguously
    g = np.empty(n)
    h = np.empty(n)
    for i in range(n):
        g[i] = gradients[sample_indices[i]]
        h[i] = hessians[sample_indices[i]]
    for f in prange(X_binned.shape[0]):
        row = X_binned[f]
        hf = hist[f]
        if constant_hessian:
            for i in range(n):
                b = row[sample_indices[i]]
                hf[b, GRAD] += g[i]
                hf[b, COUNT] += 1.0
            for b in range(hf.shape[0]):
                hf[b, HESS] = hf[b, COUNT] * h[0] if n > 0 else 0.0
        else:
            for i in range(n):
                b = row[sample_indices[i]]
                hf[b, GRAD] += g[i]
                hf[b, HESS] += h[i]
                hf[b, COUNT] += 1.0


# threads pay off on large nodes only; small nodes are cheaper on one thread (no launch cost)
_build_parallel = numba.njit(parallel=True, cache=True)(_build_histograms)
_build_serial = numba.njit(cache=True)(_build_histograms)


def build_histograms(X_binned, sample_indices, gradients, hessians, constant_hessian, hist):
    """Fill ``hist`` (zeroed, ``(n_features, n_bins, 3)``) from the samples of one node."""
    build = _build_parallel if len(sample_indices) * len(X_binned) > 50_000 else _build_serial
    build(X_binned, sample_indices, gradients, hessians, constant_hessian, hist)


@numba.njit(cache=True)
def _gain(g_left, h_left, g_right, h_right, l2):
    return g_left * g_left / (h_left + l2) + g_right * g_right / (h_right + l2)


@numba.njit(cache=True)
def find_best_split(
    hist,
    n_bins_non_missing,
    has_missing,
    feature_mask,
    sum_g,
    sum_h,
    count,
    l2,
    min_samples_leaf,
    min_hessian,
    missing_bin,
):
    """Best split of one node over all features, scanning each feature's bins left to right.

    A split sends bins ``<= bin`` left. Missing values are tried on both sides (``missing_left``);
    ``bin == n_bins_non_missing - 1`` with missing values on the right separates them alone.

    Returns ``(gain, feature, bin, missing_left, g_left, h_left, count_left)``; gain <= 0 means
    no valid split.
    """
    n_features = hist.shape[0]
    parent = sum_g * sum_g / (sum_h + l2)
    gains = np.full(n_features, -np.inf)
    bins = np.zeros(n_features, np.int64)
    lefts = np.zeros(n_features, np.bool_)
    stats = np.zeros((n_features, 3))
    for f in range(n_features):
        if not feature_mask[f]:
            continue
        hf = hist[f]
        last = n_bins_non_missing[f] - 1
        for missing_left in (False, True):
            if missing_left and not has_missing[f]:
                break
            if missing_left:
                gl, hl, cl = hf[missing_bin, GRAD], hf[missing_bin, HESS], hf[missing_bin, COUNT]
            else:
                gl, hl, cl = 0.0, 0.0, 0.0
            stop = last + 1 if (has_missing[f] and not missing_left) else last
            for b in range(stop):
                gl += hf[b, GRAD]
                hl += hf[b, HESS]
                cl += hf[b, COUNT]
                cr = count - cl
                if cl < min_samples_leaf:
                    continue
                if cr < min_samples_leaf:
                    break
                hr = sum_h - hl
                if hl < min_hessian or hr < min_hessian:
                    continue
                gain = _gain(gl, hl, sum_g - gl, hr, l2) - parent
                if gain > gains[f]:
                    gains[f] = gain
                    bins[f] = b
                    lefts[f] = missing_left
                    stats[f, 0], stats[f, 1], stats[f, 2] = gl, hl, cl
    best = np.argmax(gains)
    return (
        gains[best],
        best,
        bins[best],
        lefts[best],
        stats[best, 0],
        stats[best, 1],
        stats[best, 2],
    )


@numba.njit(cache=True)
def partition(sample_indices, binned_row, bin_threshold, missing_left, missing_bin, buffer):
    """Stable in-place partition of a node's samples: left ones first; returns the left count."""
    n_left = 0
    n_right = 0
    for i in range(sample_indices.shape[0]):
        s = sample_indices[i]
        b = binned_row[s]
        go_left = missing_left if b == missing_bin else b <= bin_threshold
        if go_left:
            sample_indices[n_left] = s  # n_left <= i: the slot was already read
            n_left += 1
        else:
            buffer[n_right] = s
            n_right += 1
    sample_indices[n_left:] = buffer[:n_right]
    return n_left


@numba.njit(parallel=True, cache=True)
def add_tree_raw(X, feature, threshold, missing_left, left, right, value, out):
    """``out[i] += value`` of the leaf that row ``X[i]`` (real values, NaN allowed) reaches."""
    for i in prange(X.shape[0]):
        node = 0
        while left[node] >= 0:
            x = X[i, feature[node]]
            go_left = missing_left[node] if np.isnan(x) else x <= threshold[node]
            node = left[node] if go_left else right[node]
        out[i] += value[node]


@numba.njit(parallel=True, cache=True)
def add_tree_binned(
    X_binned, feature, bin_threshold, missing_left, left, right, value, missing_bin, out
):
    """``out[i] += value`` of the leaf reached by sample i of feature-major binned data."""
    for i in prange(X_binned.shape[1]):
        node = 0
        while left[node] >= 0:
            b = X_binned[feature[node], i]
            go_left = missing_left[node] if b == missing_bin else b <= bin_threshold[node]
            node = left[node] if go_left else right[node]
        out[i] += value[node]
