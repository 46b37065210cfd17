"""homeml.learn.manifold.MDS and Isomap against scikit-learn on the same data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from homeml.learn import manifold as hm
from homeml.learn.manifold import _mds

sklearn = pytest.importorskip("sklearn")
from sklearn import datasets  # noqa: E402
from sklearn import manifold as skm  # noqa: E402
from sklearn.isotonic import IsotonicRegression  # noqa: E402
from sklearn.metrics import euclidean_distances  # noqa: E402


@pytest.fixture(scope="module")
def s_curve():
    X, _ = datasets.make_s_curve(300, random_state=0)
    X_new, _ = datasets.make_s_curve(40, random_state=1)
    return X, X_new


@pytest.fixture(scope="module")
def small():
    """60 points in 5-D without ties among their distances."""
    return np.random.default_rng(0).normal(size=(60, 5))


@pytest.fixture(scope="module")
def iris():
    return datasets.load_iris().data[::3]  # 50 points, with duplicated rows and tied distances


def _signs(ours, ref):
    """Per column, the sign that turns ``ours`` towards ``ref`` (eigenvectors are sign-free)."""
    return np.sign(np.sum(ours * ref, axis=0))


def _align_signs(ours, ref):
    return ours * _signs(ours, ref)


# --- Isomap -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        dict(n_neighbors=10),
        dict(n_neighbors=10, path_method="FW"),
        dict(n_neighbors=10, path_method="D", n_components=3),
        dict(n_neighbors=None, radius=0.6),
        dict(n_neighbors=8, metric="manhattan"),
        dict(n_neighbors=8, p=3, neighbors_algorithm="brute"),
        dict(n_neighbors=10, eigen_solver="dense"),
    ],
)
def test_isomap_matches_sklearn(s_curve, params):
    X, X_new = s_curve
    ours, ref = hm.Isomap(**params).fit(X), skm.Isomap(**params).fit(X)
    np.testing.assert_allclose(ours.dist_matrix_, ref.dist_matrix_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        ours.kernel_pca_.eigenvalues_, ref.kernel_pca_.eigenvalues_, rtol=1e-9
    )
    embedding = _align_signs(ours.embedding_, ref.embedding_)
    np.testing.assert_allclose(embedding, ref.embedding_, atol=1e-6)
    assert ours.reconstruction_error() == pytest.approx(ref.reconstruction_error(), rel=1e-6)
    new = ours.transform(X_new) * _signs(ours.embedding_, ref.embedding_)
    np.testing.assert_allclose(new, ref.transform(X_new), atol=1e-6)
    k = ref.embedding_.shape[1]
    assert ours.embedding_.shape == (300, k) and ours.n_features_in_ == 3
    assert list(ours.get_feature_names_out()) == [f"isomap{i}" for i in range(k)]


def test_isomap_fit_transform_equals_embedding_and_transform_of_fitted_points(s_curve):
    X, _ = s_curve
    model = hm.Isomap(n_neighbors=10)
    Y = model.fit_transform(X)
    assert Y is model.embedding_
    # each fitted point's geodesic row is its own: transform gives the embedding back
    # (a fitted point is its own nearest neighbour at distance 0)
    np.testing.assert_allclose(model.transform(X), Y, atol=1e-8)


def test_isomap_precomputed_distances(s_curve):
    X, X_new = s_curve
    D = euclidean_distances(X)
    D_new = euclidean_distances(X_new, X)
    ours = hm.Isomap(n_neighbors=10, metric="precomputed").fit(D)
    ref = skm.Isomap(n_neighbors=10, metric="precomputed").fit(D)
    embedding = _align_signs(ours.embedding_, ref.embedding_)
    np.testing.assert_allclose(embedding, ref.embedding_, atol=1e-6)
    new = ours.transform(D_new) * _signs(ours.embedding_, ref.embedding_)
    np.testing.assert_allclose(new, ref.transform(D_new), atol=1e-6)
    from_points = hm.Isomap(n_neighbors=10).fit(X)
    np.testing.assert_allclose(from_points.embedding_, ours.embedding_, atol=1e-9)
    with pytest.raises(ValueError, match="square distance matrix"):
        hm.Isomap(metric="precomputed").fit(X)
    with pytest.raises(ValueError, match="negative"):
        hm.Isomap(metric="precomputed").fit(-D)


def test_isomap_disconnected_graph_is_completed_like_sklearn(s_curve):
    X = np.vstack([s_curve[0][:100], s_curve[0][:100] + 10.0])  # two far-apart copies
    with pytest.warns(UserWarning, match="connected components of the neighbors graph is 2"):
        ours = hm.Isomap(n_neighbors=5).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = skm.Isomap(n_neighbors=5).fit(X)
    assert np.isfinite(ours.dist_matrix_).all()
    np.testing.assert_allclose(ours.dist_matrix_, ref.dist_matrix_, rtol=1e-12)
    np.testing.assert_allclose(
        _align_signs(ours.embedding_, ref.embedding_), ref.embedding_, atol=1e-6
    )


def test_isomap_radius_with_no_edges_and_single_sample():
    X = np.random.default_rng(0).normal(size=(6, 3))
    ours = hm.Isomap(n_neighbors=None, radius=1e-3)
    with pytest.warns(UserWarning, match="connected components"):
        Y = ours.fit_transform(X)  # every point alone: completed by the shortest edges
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = skm.Isomap(n_neighbors=None, radius=1e-3).fit_transform(X)
    np.testing.assert_allclose(_align_signs(Y, ref), ref, atol=1e-8)
    with pytest.raises(ValueError, match="no fitted point within radius"):
        ours.transform(X + 100.0)
    one = hm.Isomap(n_neighbors=None, radius=1.0).fit_transform(X[:1])
    np.testing.assert_array_equal(one, [[0.0]])


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(n_neighbors=5, radius=1.0), "Both n_neighbors and radius"),
        (dict(n_neighbors=None), "One of n_neighbors or radius"),
        (
            dict(n_neighbors=None, radius=-1.0),
            r"'radius' parameter of Isomap must be a float in the range \[0, inf\)",
        ),
        (
            dict(n_components=0),
            r"'n_components' parameter of Isomap must be an int in the range \[1, ",
        ),
        (dict(eigen_solver="lobpcg"), "'eigen_solver' parameter"),
        (dict(path_method="BF"), "'path_method' parameter"),
        (dict(metric="hamming"), "'metric' parameter of Isomap must be a str among"),
    ],
)
def test_isomap_bad_parameters(s_curve, params, match):
    with pytest.raises(ValueError, match=match):
        hm.Isomap(**params).fit(s_curve[0])


def test_isomap_bad_input(s_curve):
    X = s_curve[0].copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        hm.Isomap().fit(X)
    with pytest.raises(ValueError, match="0 sample"):
        hm.Isomap().fit(np.empty((0, 3)))
    model = hm.Isomap().fit(s_curve[0])
    with pytest.raises(ValueError, match="3 features"):
        model.transform(np.ones((2, 4)))
    with pytest.raises(Exception, match="not fitted"):
        hm.Isomap().transform(s_curve[0])


# --- MDS: the pieces --------------------------------------------------------------------------


def test_isotonic_regression_matches_sklearn(iris):
    D = euclidean_distances(iris)
    upper = np.triu_indices(len(D), k=1)
    x = D[upper][D[upper] != 0]  # tied (and nearly tied) dissimilarities
    y = np.random.default_rng(0).uniform(size=len(x)) + x
    ref = IsotonicRegression(out_of_bounds="clip").fit_transform(x, y)
    np.testing.assert_allclose(_mds.isotonic_regression(x, y), ref, rtol=1e-12, atol=1e-12)


def test_classical_mds_matches_sklearn(small):
    D = euclidean_distances(small)
    ref = skm.ClassicalMDS(n_components=3, metric="precomputed").fit_transform(D)
    np.testing.assert_allclose(_align_signs(_mds.classical_mds(D, 3), ref), ref, atol=1e-10)


# --- MDS: the estimator -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(normalized_stress=True),
        dict(metric="manhattan"),
        dict(max_iter=5),
        dict(eps=1e-3),
        dict(metric_mds=False),
        dict(n_components=3),
    ],
)
def test_mds_same_init_matches_sklearn(small, params):
    # one SMACOF path from the same start: the same iterates, stress and stopping iteration
    init = np.random.default_rng(1).normal(size=(len(small), params.get("n_components", 2)))
    ours = hm.MDS(init="random", **params).fit(small, init=init)
    ref = skm.MDS(init="random", **params).fit(small, init=init)
    np.testing.assert_allclose(ours.embedding_, ref.embedding_, rtol=1e-7, atol=1e-9)
    assert ours.stress_ == pytest.approx(ref.stress_, rel=1e-9)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(
        ours.dissimilarity_matrix_, ref.dissimilarity_matrix_, rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize(
    "params",
    [
        dict(init="random", n_init=3, random_state=0),
        dict(init="random", n_init=2, random_state=0, metric_mds=False),
        dict(init="classical_mds"),
        dict(init="classical_mds", metric_mds=False),
    ],
)
def test_mds_random_and_classical_starts_match_sklearn(small, params):
    # the same RandomState draws (uniform starts) and the same classical-scaling start
    ours, ref = hm.MDS(**params).fit(small), skm.MDS(**params).fit(small)
    np.testing.assert_allclose(ours.embedding_, ref.embedding_, rtol=1e-7, atol=1e-9)
    assert ours.stress_ == pytest.approx(ref.stress_, rel=1e-9)
    assert ours.n_iter_ == ref.n_iter_


@pytest.mark.parametrize("metric_mds", [True, False])
def test_mds_stress_close_to_sklearn_with_tied_dissimilarities(iris, metric_mds):
    # with ties broken by rounding, the non-metric fits can differ in the last digits
    init = np.random.default_rng(0).normal(size=(len(iris), 2))
    ours = hm.MDS(init="random", metric_mds=metric_mds).fit(iris, init=init)
    ref = skm.MDS(init="random", metric_mds=metric_mds).fit(iris, init=init)
    assert ours.stress_ == pytest.approx(ref.stress_, rel=1e-3)
    assert abs(ours.n_iter_ - ref.n_iter_) <= 5


def test_mds_precomputed_and_deprecated_names(small):
    D = euclidean_distances(small)
    init = np.random.default_rng(1).normal(size=(len(small), 2))
    from_points = hm.MDS(init="random").fit(small, init=init)
    precomputed = hm.MDS(init="random", metric="precomputed").fit(D, init=init)
    np.testing.assert_allclose(precomputed.embedding_, from_points.embedding_, atol=1e-9)
    np.testing.assert_array_equal(precomputed.dissimilarity_matrix_, D)
    with pytest.warns(FutureWarning, match="`dissimilarity` parameter is deprecated"):
        old = hm.MDS(init="random", dissimilarity="precomputed").fit(D, init=init)
    np.testing.assert_array_equal(old.embedding_, precomputed.embedding_)
    with pytest.warns(FutureWarning, match="Use metric_mds=False instead of metric=False"):
        nonmetric = hm.MDS(init="random", metric=False).fit(small, init=init)
    ref = skm.MDS(init="random", metric_mds=False).fit(small, init=init)
    assert nonmetric.stress_ == pytest.approx(ref.stress_, rel=1e-9)
    with pytest.warns(FutureWarning, match="default value of `init` will change"):
        hm.MDS(max_iter=5).fit(small)
    assert hm.MDS(metric="precomputed")._homeml_tags()["pairwise"]


def test_mds_warnings_and_bad_input(small):
    init = np.zeros((len(small), 2)) + np.arange(len(small))[:, None] * [1.0, 0.5]
    with pytest.warns(UserWarning, match="performing only one init of the MDS instead of 3"):
        hm.MDS(init="random", n_init=3).fit(small, init=init)
    with pytest.warns(UserWarning, match="square matrix"):
        hm.MDS(init="random", max_iter=5).fit(small[:5, :5])
    D = euclidean_distances(small)
    D[0, 1] += 1.0
    with pytest.raises(ValueError, match="symmetric"):
        hm.MDS(init="random", metric="precomputed").fit(D)
    with pytest.raises(ValueError, match="init matrix should be of shape"):
        hm.MDS(init="random").fit(small, init=init[:-1])
    with pytest.raises(ValueError, match="both `dissimilarity` and `metric`"):
        hm.MDS(init="random", dissimilarity="euclidean", metric="manhattan").fit(small)
    bad = small.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        hm.MDS(init="random").fit(bad)


@pytest.mark.parametrize(
    "params, match",
    [
        (
            dict(n_components=0),
            r"'n_components' parameter of MDS must be an int in the range \[1, ",
        ),
        (dict(n_init=0), r"'n_init' parameter of MDS must be an int in the range \[1, inf\)"),
        (dict(max_iter=0), r"'max_iter' parameter of MDS must be an int in the range \[1, inf\)"),
        (dict(eps=-1.0), r"'eps' parameter of MDS must be a float in the range \[0.0, inf\)"),
        (dict(normalized_stress="yes"), "'normalized_stress' parameter"),
        (dict(init="pca"), r"'init' .* must be a str among \{'classical_mds', 'random'\}\. Got"),
        (dict(dissimilarity="cosine"), "'dissimilarity' parameter of MDS must be a str among"),
        (dict(metric="hamming"), "metric must be one of"),
        (dict(metric_mds="yes"), "'metric_mds' parameter of MDS must be an instance of 'bool'"),
    ],
)
def test_mds_bad_parameters(small, params, match):
    params.setdefault("init", "random")
    with pytest.raises(ValueError, match=match):
        hm.MDS(**params).fit(small)
