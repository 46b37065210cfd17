"""make_classification: Gaussian clusters on the vertices of a hypercube, drawn as scikit-learn
draws them (the same vertices, covariances, flips and shuffles for the same ``random_state``)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from homeml.learn._param_validation import Interval
from homeml.learn.base import Bunch, check_random_state
from homeml.learn.datasets._samples_generator import _POSITIVE_INT, _check, _shuffle_rows


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
