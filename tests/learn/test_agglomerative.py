"""homeml.learn.cluster.AgglomerativeClustering against scikit-learn on the same data."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.learn.cluster import AgglomerativeClustering

sklearn = pytest.importorskip("sklearn")
from sklearn import cluster as sc  # noqa: E402
from sklearn import datasets  # noqa: E402

LINKAGE_METRICS = [("ward", "euclidean")] + [
    (linkage, metric)
    for linkage in ("complete", "average", "single")
    for metric in ("euclidean", "l2", "manhattan", "l1", "cosine", "precomputed")
]


@pytest.fixture(scope="module")
def points():  # continuous random data: no tied distances
    return np.random.default_rng(0).normal(size=(250, 5))


def _input(X, metric):
    return np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1)) if metric == "precomputed" else X


@pytest.mark.parametrize("linkage, metric", LINKAGE_METRICS)
def test_tree_and_labels_identical_to_sklearn(points, linkage, metric):
    X = _input(points, metric)
    kw = dict(linkage=linkage, metric=metric, compute_distances=True)
    for n_clusters in (1, 2, 7, 40):
        ours = AgglomerativeClustering(n_clusters, **kw).fit(X)
        ref = sc.AgglomerativeClustering(n_clusters, **kw).fit(X)
        np.testing.assert_array_equal(ours.children_, ref.children_)  # same merges, same order
        np.testing.assert_allclose(ours.distances_, ref.distances_, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(ours.labels_, ref.labels_)  # same numbering too
        assert ours.n_clusters_ == n_clusters and ours.n_leaves_ == len(X)
        assert ours.n_connected_components_ == 1
    assert np.all(np.diff(ours.distances_) >= 0)  # monotone dendrogram


@pytest.mark.parametrize("linkage", ["ward", "complete", "average", "single"])
def test_distance_threshold_matches_sklearn(linkage):
    X = datasets.make_blobs(300, centers=4, random_state=2)[0]
    for threshold in (0.5, 2.0, 8.0):
        ours = AgglomerativeClustering(None, linkage=linkage, distance_threshold=threshold).fit(X)
        ref = sc.AgglomerativeClustering(None, linkage=linkage, distance_threshold=threshold).fit(X)
        assert ours.n_clusters_ == ref.n_clusters_
        np.testing.assert_array_equal(ours.labels_, ref.labels_)
        np.testing.assert_allclose(ours.distances_, ref.distances_, rtol=1e-12)


def test_callable_metric_blobs_and_fit_predict():
    X, y = datasets.make_blobs(200, centers=[[0, 0], [10, 0], [0, 10]], random_state=0)
    pairwise = lambda A: np.abs(A[:, None] - A[None]).max(-1)  # noqa: E731 (chebyshev)
    ours = AgglomerativeClustering(3, linkage="average", metric=pairwise).fit(X)
    ref = sc.AgglomerativeClustering(3, linkage="average", metric=pairwise).fit(X)
    np.testing.assert_array_equal(ours.children_, ref.children_)
    labels = AgglomerativeClustering(3).fit_predict(X)  # well separated: the true clusters
    assert len({(a, b) for a, b in zip(labels, y)}) == 3
    assert not hasattr(AgglomerativeClustering(3).fit(X), "distances_")


def test_bad_input_and_parameters_get_clear_errors():
    X = np.random.default_rng(0).normal(size=(10, 2))
    for bad, match in [
        (np.full((10, 2), np.nan), "NaN"),
        (np.full((10, 2), np.inf), "infinity"),
        (np.zeros((0, 2)), "0 sample"),
        (X[:1], "minimum of 2"),
        ([["a", "b"]] * 10, "must hold numbers"),
    ]:
        with pytest.raises(ValueError, match=match):
            AgglomerativeClustering().fit(bad)
    cases = [
        (dict(n_clusters=0), "n_clusters"),
        (dict(linkage="median"), "linkage"),
        (dict(metric="hamming", linkage="average"), "metric"),
        (dict(metric="manhattan"), "Ward can only work with euclidean"),
        (dict(n_clusters=None), "Exactly one of n_clusters"),
        (dict(distance_threshold=1.0), "Exactly one of n_clusters"),
        (
            dict(n_clusters=None, distance_threshold=1.0, compute_full_tree=False),
            "compute_full_tree",
        ),
        (dict(n_clusters=11), "more clusters than samples"),
        (dict(connectivity=np.eye(10)), "connectivity"),
    ]
    for params, match in cases:
        with pytest.raises(ValueError, match=match):
            AgglomerativeClustering(**params).fit(X)
    with pytest.raises(ValueError, match="zero vectors"):
        AgglomerativeClustering(linkage="single", metric="cosine").fit(np.vstack([X, [0, 0]]))
