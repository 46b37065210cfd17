"""homeml.learn.cluster.DBSCAN against scikit-learn on the same data."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.learn.cluster import DBSCAN

sklearn = pytest.importorskip("sklearn")
from sklearn import cluster as sc  # noqa: E402
from sklearn import datasets  # noqa: E402


def _same_fit(ours, ref):
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_array_equal(ours.core_sample_indices_, ref.core_sample_indices_)
    np.testing.assert_array_equal(ours.components_, ref.components_)


@pytest.fixture(scope="module")
def moons():
    return datasets.make_moons(800, noise=0.08, random_state=0)[0]


@pytest.fixture(scope="module")
def blobs():
    return datasets.make_blobs(
        1500, centers=5, cluster_std=[0.5, 1.0, 1.5, 0.4, 2.0], random_state=3
    )[0]


@pytest.mark.parametrize("eps, min_samples", [(0.1, 5), (0.15, 10), (0.2, 3), (0.05, 4)])
@pytest.mark.parametrize("algorithm", ["auto", "brute", "kd_tree"])
def test_labels_identical_to_sklearn_on_moons(moons, eps, min_samples, algorithm):
    ours = DBSCAN(eps=eps, min_samples=min_samples, algorithm=algorithm).fit(moons)
    ref = sc.DBSCAN(eps=eps, min_samples=min_samples, algorithm=algorithm).fit(moons)
    _same_fit(ours, ref)
    assert len(set(ref.labels_)) >= 2  # the data really has clusters (and maybe noise)


@pytest.mark.parametrize(
    "metric, kw",
    [
        ("euclidean", {}),
        ("manhattan", {}),
        ("chebyshev", {}),
        ("minkowski", {"p": 3}),
        ("cosine", {}),
    ],
)
def test_labels_identical_to_sklearn_on_blobs(blobs, metric, kw):
    eps = 0.01 if metric == "cosine" else 0.6
    ours = DBSCAN(eps=eps, min_samples=8, metric=metric, **kw).fit(blobs)
    ref = sc.DBSCAN(eps=eps, min_samples=8, metric=metric, **kw).fit(blobs)
    _same_fit(ours, ref)
    assert (ref.labels_ == -1).any() and ref.labels_.max() >= 1


def test_sample_weight_and_precomputed_match_sklearn(blobs):
    weights = np.random.default_rng(0).integers(0, 4, len(blobs)).astype(float)
    weights[:20] = 10.0  # heavy points are core on their own
    weights[20:30] = -2.0  # negative weights keep their neighbours from being core
    for X in (blobs, np.sqrt(((blobs[:, None] - blobs[None]) ** 2).sum(-1))):
        metric = "euclidean" if X is blobs else "precomputed"
        ours = DBSCAN(eps=0.5, min_samples=6, metric=metric).fit(X, sample_weight=weights)
        ref = sc.DBSCAN(eps=0.5, min_samples=6, metric=metric).fit(X, sample_weight=weights)
        _same_fit(ours, ref)
    # an integer weight equals repeating the point
    w = np.random.default_rng(1).integers(1, 3, 200)
    X = blobs[:200]
    once = DBSCAN(eps=0.7, min_samples=5).fit_predict(X, sample_weight=w)
    repeated = DBSCAN(eps=0.7, min_samples=5).fit_predict(np.repeat(X, w, axis=0))
    np.testing.assert_array_equal(once, repeated[np.cumsum(w) - 1])


def test_all_noise_and_single_cluster():
    X = np.arange(10.0)[:, None] * 10
    est = DBSCAN(eps=1.0, min_samples=2).fit(X)
    assert (est.labels_ == -1).all() and est.core_sample_indices_.size == 0
    assert est.components_.shape == (0, 1)
    assert (DBSCAN(eps=100.0, min_samples=2).fit_predict(X) == 0).all()
    # a border point reachable from two clusters joins the first one (scikit-learn's order)
    X = np.array([[0.0], [0.1], [0.2], [0.6], [1.0], [1.1], [1.2]])
    np.testing.assert_array_equal(
        DBSCAN(eps=0.4, min_samples=3).fit_predict(X),
        sc.DBSCAN(eps=0.4, min_samples=3).fit_predict(X),
    )


def test_bad_input_and_parameters_get_clear_errors():
    X = np.arange(20.0).reshape(10, 2)
    for bad, match in [
        (np.full((10, 2), np.nan), "NaN"),
        (np.full((10, 2), np.inf), "infinity"),
        (np.zeros((0, 2)), "0 sample"),
        ([["a", "b"]] * 10, "must hold numbers"),
    ]:
        with pytest.raises(ValueError, match=match):
            DBSCAN().fit(bad)
    for param, value in [
        ("eps", 0.0),
        ("eps", -1.0),
        ("min_samples", 0),
        ("metric", "hamming"),
        ("algorithm", "octree"),
        ("p", 0.5),
        ("leaf_size", 0),
    ]:
        with pytest.raises(ValueError, match=param):
            DBSCAN(**{param: value}).fit(X)
    with pytest.raises(ValueError, match="square"):
        DBSCAN(metric="precomputed").fit(X)
    with pytest.raises(ValueError, match="sample_weight"):
        DBSCAN().fit(X, sample_weight=np.ones(3))
