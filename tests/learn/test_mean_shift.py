"""homeml.learn.cluster.MeanShift and estimate_bandwidth against scikit-learn on the same data."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.learn.base import NotFittedError
from homeml.learn.cluster import MeanShift, estimate_bandwidth

sklearn = pytest.importorskip("sklearn")
from sklearn import cluster as sc  # noqa: E402
from sklearn import datasets  # noqa: E402


@pytest.fixture(scope="module")
def blobs():
    return datasets.make_blobs(400, centers=4, n_features=3, cluster_std=0.8, random_state=1)[0]


def test_estimate_bandwidth_matches_sklearn(blobs):
    assert estimate_bandwidth(blobs) == pytest.approx(sc.estimate_bandwidth(blobs), rel=1e-12)
    for kw in (
        dict(quantile=0.05),
        dict(quantile=0.5, n_samples=100, random_state=4),
        dict(quantile=0.0, n_samples=50),
    ):
        assert estimate_bandwidth(blobs, **kw) == pytest.approx(
            sc.estimate_bandwidth(blobs, **kw), rel=1e-12
        )
    with pytest.raises(ValueError, match="quantile"):
        estimate_bandwidth(blobs, quantile=1.5)


@pytest.mark.parametrize(
    "params",
    [
        dict(bandwidth=1.5),
        dict(bandwidth=1.0, cluster_all=False),
        dict(bandwidth=1.5, bin_seeding=True),
        dict(bandwidth=1.0, bin_seeding=True, min_bin_freq=6),
        dict(bandwidth=1.5, max_iter=2),
        dict(),  # bandwidth estimated
    ],
)
def test_centers_labels_and_iterations_match_sklearn(blobs, params):
    ours = MeanShift(**params).fit(blobs)
    ref = sc.MeanShift(**params).fit(blobs)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.n_iter_ == ref.n_iter_
    Q = blobs[::7] + 0.3
    np.testing.assert_array_equal(ours.predict(Q), ref.predict(Q))


def test_given_seeds_and_noise_label():
    X = datasets.make_blobs(300, centers=[[0, 0], [6, 6]], cluster_std=0.5, random_state=0)[0]
    X = np.vstack([X, [[20.0, -20.0]]])  # an outlier far from both peaks
    seeds = [[0.5, 0.5], [5.0, 5.0], [40.0, 40.0]]  # the last seed finds no point: dropped
    ours = MeanShift(bandwidth=2.0, seeds=seeds, cluster_all=False).fit(X)
    ref = sc.MeanShift(bandwidth=2.0, seeds=seeds, cluster_all=False).fit(X)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, atol=1e-12)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert len(ours.cluster_centers_) == 2 and ours.labels_[-1] == -1
    with pytest.raises(ValueError, match="No point was within bandwidth"):
        MeanShift(bandwidth=1.0, seeds=[[100.0, 100.0]]).fit(X)


def test_bad_input_and_parameters_get_clear_errors(blobs):
    for bad, match in [
        (np.full((10, 2), np.nan), "NaN"),
        (np.full((10, 2), np.inf), "infinity"),
        (np.zeros((0, 2)), "0 sample"),
        ([["a", "b"]] * 10, "must hold numbers"),
    ]:
        with pytest.raises(ValueError, match=match):
            MeanShift(bandwidth=1.0).fit(bad)
    for param, value in [
        ("bandwidth", 0.0),
        ("bandwidth", -1.0),
        ("min_bin_freq", 0),
        ("max_iter", -1),
    ]:
        with pytest.raises(ValueError, match=param):
            MeanShift(**{param: value}).fit(blobs)
    with pytest.raises(NotFittedError):
        MeanShift().predict(blobs)
    est = MeanShift(bandwidth=2.0).fit(blobs)
    with pytest.raises(ValueError, match="X has 2 features, but MeanShift is expecting 3"):
        est.predict(blobs[:, :2])
