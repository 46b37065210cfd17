"""homeml.learn.neighbors.kneighbors_graph / radius_neighbors_graph against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

import homeml.learn as hl
from homeml.learn import neighbors as hn

sklearn = pytest.importorskip("sklearn")
from sklearn import neighbors as sn  # noqa: E402


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).normal(size=(120, 4))


@pytest.mark.parametrize("mode", ["connectivity", "distance"])
@pytest.mark.parametrize("include_self", [False, True, "auto"])
@pytest.mark.parametrize("metric, p", [("minkowski", 2), ("minkowski", 1), ("cosine", 2)])
def test_graphs_equal_sklearns_as_dense_arrays(X, mode, include_self, metric, p):
    kw = dict(mode=mode, include_self=include_self, metric=metric, p=p)
    ours = hn.kneighbors_graph(X, 6, **kw)
    ref = sn.kneighbors_graph(X, 6, **kw).toarray()
    assert isinstance(ours, np.ndarray) and ours.shape == (120, 120)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
    radius = 0.3 if metric == "cosine" else 1.5
    ours = hn.radius_neighbors_graph(X, radius, **kw)
    np.testing.assert_allclose(
        ours, sn.radius_neighbors_graph(X, radius, **kw).toarray(), rtol=1e-12, atol=1e-12
    )


def test_fitted_index_is_reused_and_checked(X):
    index = hn.NearestNeighbors(n_neighbors=3).fit(X)
    np.testing.assert_array_equal(
        hl.kneighbors_graph(index, 3), sn.kneighbors_graph(X, 3).toarray()
    )
    assert hn.kneighbors_graph(index, 3, include_self=True).diagonal().all()
    with pytest.raises(ValueError, match="Got 1 for p, while the estimator has 2"):
        hn.kneighbors_graph(index, 3, p=1)
    with pytest.raises(ValueError, match="mode"):
        hn.radius_neighbors_graph(X, 1.0, mode="weights")
    with pytest.raises(ValueError, match="NaN"):
        hn.kneighbors_graph(np.full((5, 2), np.nan), 2)
    with pytest.raises(ValueError, match="n_neighbors"):
        hn.kneighbors_graph(X[:4], 4)
