"""Synthetic data sets, drawn as scikit-learn draws them (make_classification: its own file).

Each generator takes its random numbers from ``check_random_state(random_state)`` in the order of
scikit-learn's documented algorithm, so the same ``random_state`` gives the same arrays as
``sklearn.datasets`` (the tests compare them bit for bit over many parameter combinations).
"""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral, Real

import numpy as np
from scipy import linalg

from homeml.learn._param_validation import Interval, validate_parameter_constraints
from homeml.learn.base import check_array, check_random_state


def _check(constraints: dict, params: dict, name: str) -> None:
    validate_parameter_constraints(constraints, params, caller_name=name)


def _shuffle_rows(rng, *arrays):
    """The rows of each array in one random order (``sklearn.utils.shuffle``'s draws)."""
    order = np.arange(len(arrays[0]))
    rng.shuffle(order)
    return [a[order] for a in arrays]


_POSITIVE_INT = [Interval(Integral, 1, None, closed="left")]
_NOISE = [Interval(Real, 0, None, closed="left")]


def make_regression(
    n_samples=100,
    n_features=100,
    *,
    n_informative=10,
    n_targets=1,
    bias=0.0,
    effective_rank=None,
    tail_strength=0.5,
    noise=0.0,
    shuffle=True,
    coef=False,
    random_state=None,
):
    """A random linear regression problem ``y = X @ coef + bias + noise``.

    ``X`` is standard normal, or (with ``effective_rank``) from :func:`make_low_rank_matrix`;
    only ``n_informative`` coefficients are non-zero, drawn uniformly in ``[0, 100)``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
    coef : ndarray of shape (n_features,) or (n_features, n_targets)
        Only with ``coef=True``.
    """
    _check(
        {
            "n_samples": _POSITIVE_INT,
            "n_features": _POSITIVE_INT,
            "n_informative": [Interval(Integral, 0, None, closed="left")],
            "n_targets": _POSITIVE_INT,
            "bias": [Interval(Real, None, None, closed="neither")],
            "effective_rank": [Interval(Integral, 1, None, closed="left"), None],
            "tail_strength": [Interval(Real, 0, 1, closed="both")],
            "noise": _NOISE,
            "shuffle": ["boolean"],
            "coef": ["boolean"],
            "random_state": ["random_state"],
        },
        dict(locals()),
        "make_regression",
    )
    n_informative = min(n_features, n_informative)
    rng = check_random_state(random_state)
    if effective_rank is None:
        X = rng.standard_normal(size=(n_samples, n_features))
    else:
        X = make_low_rank_matrix(
            n_samples,
            n_features,
            effective_rank=effective_rank,
            tail_strength=tail_strength,
            random_state=rng,
        )
    truth = np.zeros((n_features, n_targets))
    truth[:n_informative, :] = 100 * rng.uniform(size=(n_informative, n_targets))
    y = X @ truth + bias
    if noise > 0.0:
        y += rng.normal(scale=noise, size=y.shape)
    if shuffle:
        X, y = _shuffle_rows(rng, X, y)
        columns = np.arange(n_features)
        rng.shuffle(columns)
        X[:, :] = X[:, columns]
        truth = truth[columns]
    y = np.squeeze(y)
    return (X, y, np.squeeze(truth)) if coef else (X, y)


def _two_sizes(n_samples, name: str) -> tuple[int, int]:
    if isinstance(n_samples, Integral):
        n = int(n_samples)
        return n // 2, n - n // 2
    if len(n_samples) != 2:
        raise ValueError(f"{name}: n_samples must be an int or a tuple of two ints.")
    return int(n_samples[0]), int(n_samples[1])


_TWO_SHAPES = {
    "n_samples": [Interval(Integral, 0, None, closed="left"), tuple],
    "shuffle": ["boolean"],
    "noise": [Interval(Real, 0, None, closed="left"), None],
    "random_state": ["random_state"],
}


def _finish_two_shapes(outer, inner, n_out, n_in, shuffle, noise, rng):
    X = np.vstack([np.append(outer[0], inner[0]), np.append(outer[1], inner[1])]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    if shuffle:
        X, y = _shuffle_rows(rng, X, y)
    if noise is not None:
        X += rng.normal(scale=noise, size=X.shape)
    return X, y


def make_circles(n_samples=100, *, shuffle=True, noise=None, random_state=None, factor=0.8):
    """A large circle around a smaller one (radius ``factor``) in 2-D: label 0 outer, 1 inner.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
    """
    _check(
        {**_TWO_SHAPES, "factor": [Interval(Real, 0, 1, closed="left")]},
        dict(locals()),
        "make_circles",
    )
    n_out, n_in = _two_sizes(n_samples, "make_circles")
    rng = check_random_state(random_state)
    angle_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    angle_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    outer = (np.cos(angle_out), np.sin(angle_out))
    inner = (np.cos(angle_in) * factor, np.sin(angle_in) * factor)
    return _finish_two_shapes(outer, inner, n_out, n_in, shuffle, noise, rng)


def make_moons(n_samples=100, *, shuffle=True, noise=None, random_state=None):
    """Two interleaving half circles in 2-D, labelled 0 and 1.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
    """
    _check(
        {**_TWO_SHAPES, "n_samples": [Interval(Integral, 1, None, closed="left"), tuple]},
        dict(locals()),
        "make_moons",
    )
    n_out, n_in = _two_sizes(n_samples, "make_moons")
    rng = check_random_state(random_state)
    angle_out, angle_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    outer = (np.cos(angle_out), np.sin(angle_out))
    inner = (1 - np.cos(angle_in), 1 - np.sin(angle_in) - 0.5)
    return _finish_two_shapes(outer, inner, n_out, n_in, shuffle, noise, rng)


def make_blobs(
    n_samples=100,
    n_features=2,
    *,
    centers=None,
    cluster_std=1.0,
    center_box=(-10.0, 10.0),
    shuffle=True,
    random_state=None,
    return_centers=False,
):
    """Isotropic Gaussian blobs, one label per blob.

    ``n_samples`` is the total (split evenly) or the count of each blob; ``centers`` the number
    of blobs (drawn uniformly in ``center_box``) or their coordinates.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    centers : ndarray of shape (n_centers, n_features)
        Only with ``return_centers=True``.
    """
    _check(
        {
            "n_samples": [Interval(Integral, 1, None, closed="left"), "array-like"],
            "n_features": _POSITIVE_INT,
            "centers": [Interval(Integral, 1, None, closed="left"), "array-like", None],
            "cluster_std": [Interval(Real, 0, None, closed="left"), "array-like"],
            "center_box": [tuple],
            "shuffle": ["boolean"],
            "random_state": ["random_state"],
            "return_centers": ["boolean"],
        },
        dict(locals()),
        "make_blobs",
    )
    rng = check_random_state(random_state)
    if isinstance(n_samples, Integral):
        centers = 3 if centers is None else centers
        if isinstance(centers, Integral):
            centers = rng.uniform(center_box[0], center_box[1], size=(centers, n_features))
        else:
            centers = check_array(centers)
            n_features = centers.shape[1]
        n_centers = centers.shape[0]
    else:
        n_centers = len(n_samples)
        if centers is None:
            centers = rng.uniform(center_box[0], center_box[1], size=(n_centers, n_features))
        if not isinstance(centers, Iterable):
            raise ValueError(f"centers must be array-like when n_samples is; got {centers!r}.")
        centers = check_array(centers)
        if len(centers) != n_centers:
            raise ValueError(
                f"n_samples has {n_centers} entries but there are {len(centers)} centers."
            )
        n_features = centers.shape[1]
    if hasattr(cluster_std, "__len__") and len(cluster_std) != n_centers:
        raise ValueError(
            f"cluster_std has {len(cluster_std)} entries but there are {n_centers} centers."
        )
    if isinstance(cluster_std, Real):
        cluster_std = np.full(n_centers, cluster_std)
    if isinstance(n_samples, Integral):
        counts = [n_samples // n_centers] * n_centers
        for i in range(n_samples % n_centers):
            counts[i] += 1
    else:
        counts = list(n_samples)

    X = np.empty((sum(counts), n_features))
    y = np.empty(sum(counts), dtype=int)
    start = 0
    for i, (count, std) in enumerate(zip(counts, cluster_std)):
        X[start : start + count] = rng.normal(loc=centers[i], scale=std, size=(count, n_features))
        y[start : start + count] = i
        start += count
    if shuffle:
        X, y = _shuffle_rows(rng, X, y)
    return (X, y, centers) if return_centers else (X, y)


def make_friedman1(n_samples=100, n_features=10, *, noise=0.0, random_state=None):
    """Friedman's #1 regression problem: ``10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4``.

    Features are uniform on ``[0, 1)``; only the first five matter.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    """
    _check(
        {
            "n_samples": _POSITIVE_INT,
            "n_features": [Interval(Integral, 5, None, closed="left")],
            "noise": _NOISE,
            "random_state": ["random_state"],
        },
        dict(locals()),
        "make_friedman1",
    )
    rng = check_random_state(random_state)
    X = rng.uniform(size=(n_samples, n_features))
    y = (
        10 * np.sin(np.pi * X[:, 0] * X[:, 1])
        + 20 * (X[:, 2] - 0.5) ** 2
        + 10 * X[:, 3]
        + 5 * X[:, 4]
        + noise * rng.standard_normal(size=n_samples)
    )
    return X, y


def make_low_rank_matrix(
    n_samples=100, n_features=100, *, effective_rank=10, tail_strength=0.5, random_state=None
):
    """A mostly low-rank matrix ``U diag(s) V^T`` whose singular values fall off like a bell
    (about ``effective_rank`` of them large) plus a slowly decaying tail of weight
    ``tail_strength``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    """
    _check(
        {
            "n_samples": _POSITIVE_INT,
            "n_features": _POSITIVE_INT,
            "effective_rank": _POSITIVE_INT,
            "tail_strength": [Interval(Real, 0, 1, closed="both")],
            "random_state": ["random_state"],
        },
        dict(locals()),
        "make_low_rank_matrix",
    )
    rng = check_random_state(random_state)
    n = min(n_samples, n_features)
    u, _ = linalg.qr(rng.standard_normal(size=(n_samples, n)), mode="economic", check_finite=False)
    v, _ = linalg.qr(rng.standard_normal(size=(n_features, n)), mode="economic", check_finite=False)
    index = np.arange(n, dtype=np.float64)
    bell = (1 - tail_strength) * np.exp(-1.0 * (index / effective_rank) ** 2)
    tail = tail_strength * np.exp(-0.1 * index / effective_rank)
    return np.dot(np.dot(u, np.identity(n) * (bell + tail)), v.T)


def make_swiss_roll(n_samples=100, *, noise=0.0, random_state=None, hole=False):
    """Points on a rolled-up sheet in 3-D; ``t`` is each point's position along the roll.

    With ``hole=True`` the middle of the sheet is left empty.

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
    t : ndarray of shape (n_samples,)
    """
    _check(
        {
            "n_samples": _POSITIVE_INT,
            "noise": _NOISE,
            "random_state": ["random_state"],
            "hole": ["boolean"],
        },
        dict(locals()),
        "make_swiss_roll",
    )
    rng = check_random_state(random_state)
    if not hole:
        t = 1.5 * np.pi * (1 + 2 * rng.uniform(size=n_samples))
        height = 21 * rng.uniform(size=n_samples)
    else:  # eight of the nine tiles of a 3 x 3 grid in (t, height): all but the centre
        corners = np.array([[np.pi * (1.5 + i), j * 7] for i in range(3) for j in range(3)])
        corners = np.delete(corners, 4, axis=0)
        tile = rng.choice(8, n_samples)
        offsets = rng.uniform(size=(2, n_samples)) * np.array([[np.pi], [7]])
        t, height = corners[tile].T + offsets
    X = np.vstack((t * np.cos(t), height, t * np.sin(t)))
    X += noise * rng.standard_normal(size=(3, n_samples))
    return X.T, np.squeeze(t)


def make_s_curve(n_samples=100, *, noise=0.0, random_state=None):
    """Points on an S-shaped sheet in 3-D; ``t`` is each point's position along the S.

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
    t : ndarray of shape (n_samples,)
    """
    _check(
        {"n_samples": _POSITIVE_INT, "noise": _NOISE, "random_state": ["random_state"]},
        dict(locals()),
        "make_s_curve",
    )
    rng = check_random_state(random_state)
    t = 3 * np.pi * (rng.uniform(size=(1, n_samples)) - 0.5)
    X = np.empty((n_samples, 3))
    X[:, 0] = np.sin(t)
    X[:, 1] = 2.0 * rng.uniform(size=n_samples)
    X[:, 2] = np.sign(t) * (np.cos(t) - 1)
    X += noise * rng.standard_normal(size=(3, n_samples)).T
    return X, np.squeeze(t)
