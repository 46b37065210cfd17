"""Synthetic data sets, drawn as scikit-learn draws them.

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
from homeml.learn.base import Bunch, check_array, check_random_state


def _check(constraints: dict, params: dict, name: str) -> None:
    validate_parameter_constraints(constraints, params, caller_name=name)


def _shuffle_rows(rng, *arrays):
    """The rows of each array in one random order (``sklearn.utils.shuffle``'s draws)."""
    order = np.arange(len(arrays[0]))
    rng.shuffle(order)
    return [a[order] for a in arrays]


def _sample_without_replacement(n_population: int, n_samples: int, rng) -> np.ndarray:
    """``n_samples`` distinct integers below ``n_population`` (scikit-learn's "auto" method)."""
    ratio = n_samples / n_population if n_population else 1.0
    if 0.01 < ratio < 0.99:
        return rng.permutation(n_population)[:n_samples]
    out = np.empty(n_samples, dtype=int)
    if ratio < 0.2:  # tracking selection: redraw until unseen
        seen: set = set()
        for i in range(n_samples):
            j = rng.randint(n_population)
            while j in seen:
                j = rng.randint(n_population)
            seen.add(j)
            out[i] = j
        return out
    out[:] = np.arange(n_samples)  # reservoir sampling
    for i in range(n_samples, n_population):
        j = rng.randint(0, i + 1)
        if j < n_samples:
            out[j] = i
    return out


def _hypercube_vertices(n_vertices: int, dimensions: int, rng) -> np.ndarray:
    """``n_vertices`` distinct corners of the ``{0, 1}^dimensions`` cube, one per row."""
    if dimensions > 30:
        head = rng.randint(2, size=(n_vertices, dimensions - 30))
        return np.hstack([head, _hypercube_vertices(n_vertices, 30, rng)])
    codes = _sample_without_replacement(2**dimensions, n_vertices, rng)
    shifts = np.arange(dimensions - 1, -1, -1)
    return ((codes[:, None] >> shifts) & 1).astype(np.uint8)


_POSITIVE_INT = [Interval(Integral, 1, None, closed="left")]
_NOISE = [Interval(Real, 0, None, closed="left")]


def make_classification(
    n_samples=100,
    n_features=20,
    *,
    n_informative=2,
    n_redundant=2,
    n_repeated=0,
    n_classes=2,
    n_clusters_per_class=2,
    weights=None,
    flip_y=0.01,
    class_sep=1.0,
    hypercube=True,
    shift=0.0,
    scale=1.0,
    shuffle=True,
    random_state=None,
    return_X_y=True,
):
    """A random ``n_classes`` problem: Gaussian clusters on the vertices of a hypercube.

    Each class gets ``n_clusters_per_class`` clusters of standard normal points with a random
    covariance, centred on vertices of a hypercube of side ``2 * class_sep`` in the first
    ``n_informative`` features; then come linear combinations of them (redundant), copies
    (repeated) and pure noise. ``flip_y`` of the labels are redrawn at random.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Or, with ``return_X_y=False``, a Bunch with ``X``, ``y``, ``feature_info`` (the kind of
        each column), ``parameters`` and ``DESCR``.
    """
    params = dict(locals())
    _check(
        {
            "n_samples": _POSITIVE_INT,
            "n_features": _POSITIVE_INT,
            "n_informative": _POSITIVE_INT,
            "n_redundant": [Interval(Integral, 0, None, closed="left")],
            "n_repeated": [Interval(Integral, 0, None, closed="left")],
            "n_classes": _POSITIVE_INT,
            "n_clusters_per_class": _POSITIVE_INT,
            "weights": ["array-like", None],
            "flip_y": [Interval(Real, 0, 1, closed="both")],
            "class_sep": [Interval(Real, 0, None, closed="neither")],
            "hypercube": ["boolean"],
            "shift": [Interval(Real, None, None, closed="neither"), "array-like", None],
            "scale": [Interval(Real, 0, None, closed="neither"), "array-like", None],
            "shuffle": ["boolean"],
            "random_state": ["random_state"],
            "return_X_y": ["boolean"],
        },
        params,
        "make_classification",
    )
    rng = check_random_state(random_state)
    n_useful = n_informative + n_redundant + n_repeated
    if n_useful > n_features:
        raise ValueError(
            f"n_informative + n_redundant + n_repeated must be at most n_features={n_features}; "
            f"got {n_informative} + {n_redundant} + {n_repeated} = {n_useful}."
        )
    n_clusters = n_classes * n_clusters_per_class
    if n_informative < np.log2(n_clusters):
        raise ValueError(
            f"n_classes({n_classes}) * n_clusters_per_class({n_clusters_per_class}) must be "
            f"smaller or equal 2**n_informative({n_informative})={2**n_informative}."
        )
    if weights is None:
        class_weights = [1.0 / n_classes] * n_classes
    elif len(weights) == n_classes:
        class_weights = list(weights)
    elif len(weights) == n_classes - 1:
        class_weights = list(weights) + [1.0 - sum(weights)]
    else:
        raise ValueError(
            f"weights must have n_classes ({n_classes}) or n_classes - 1 entries; "
            f"got {len(weights)}."
        )

    per_cluster = [
        int(n_samples * class_weights[k % n_classes] / n_clusters_per_class)
        for k in range(n_clusters)
    ]
    for i in range(n_samples - sum(per_cluster)):
        per_cluster[i % n_clusters] += 1

    X = np.zeros((n_samples, n_features))
    y = np.zeros(n_samples, dtype=int)
    centroids = _hypercube_vertices(n_clusters, n_informative, rng).astype(float)
    centroids = centroids * (2 * class_sep) - class_sep
    if not hypercube:
        centroids *= rng.uniform(size=(n_clusters, 1))
        centroids *= rng.uniform(size=(1, n_informative))

    X[:, :n_informative] = rng.standard_normal(size=(n_samples, n_informative))
    stop = 0
    for k, centroid in enumerate(centroids):
        start, stop = stop, stop + per_cluster[k]
        y[start:stop] = k % n_classes
        covariance = 2 * rng.uniform(size=(n_informative, n_informative)) - 1
        block = X[start:stop, :n_informative]
        block[...] = block @ covariance + centroid

    if n_redundant > 0:
        mix = 2 * rng.uniform(size=(n_informative, n_redundant)) - 1
        X[:, n_informative : n_informative + n_redundant] = X[:, :n_informative] @ mix
    n = n_informative + n_redundant
    if n_repeated > 0:
        source = ((n - 1) * rng.uniform(size=n_repeated) + 0.5).astype(np.intp)
        X[:, n : n + n_repeated] = X[:, source]
    n_random = n_features - n_useful
    if n_random > 0:
        X[:, -n_random:] = rng.standard_normal(size=(n_samples, n_random))

    flipped = rng.uniform(size=n_samples) < flip_y
    y[flipped] = rng.randint(n_classes, size=flipped.sum())

    if shift is None:
        shift = (2 * rng.uniform(size=n_features) - 1) * class_sep
    X += shift
    if scale is None:
        scale = 1 + 100 * rng.uniform(size=n_features)
    X *= scale

    columns = np.arange(n_features)
    if shuffle:
        X, y = _shuffle_rows(rng, X, y)
        rng.shuffle(columns)
        X[:, :] = X[:, columns]
    if return_X_y:
        return X, y
    kinds = np.array(["random"] * n_features, dtype=object)
    kinds[columns < n_informative] = "informative"
    kinds[(columns >= n_informative) & (columns < n)] = "redundant"
    kinds[(columns >= n) & (columns < n_useful)] = "repeated"
    params.update(shift=shift, scale=scale)
    return Bunch(
        X=X,
        y=y,
        feature_info=list(kinds),
        parameters=params,
        DESCR=make_classification.__doc__,
    )


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
