"""homeml.learn.neighbors against scikit-learn on the same data."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.learn import neighbors as hn
from homeml.learn.base import NotFittedError

sklearn = pytest.importorskip("sklearn")
from sklearn import datasets  # noqa: E402
from sklearn import neighbors as sn  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

METRICS = [
    ("minkowski", {}),
    ("euclidean", {}),
    ("manhattan", {}),
    ("minkowski", {"p": 3}),
    ("chebyshev", {}),
    ("cosine", {}),
]


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(0)
    return rng.normal(size=(1500, 5)), rng.normal(size=(300, 5))


@pytest.mark.parametrize(
    "algorithm, metric, kw",
    [("brute", m, kw) for m, kw in METRICS] + [("kd_tree", m, kw) for m, kw in METRICS[:-1]],
)
def test_kneighbors_identical_to_sklearn_on_continuous_data(points, algorithm, metric, kw):
    X, Q = points
    ours = hn.NearestNeighbors(n_neighbors=7, algorithm=algorithm, metric=metric, **kw).fit(X)
    ref = sn.NearestNeighbors(n_neighbors=7, algorithm=algorithm, metric=metric, **kw).fit(X)
    for query in (Q, None):  # None: the training points, each without itself
        d, i = ours.kneighbors(query)
        d_ref, i_ref = ref.kneighbors(query)
        np.testing.assert_array_equal(i, i_ref)
        np.testing.assert_allclose(d, d_ref, rtol=1e-10, atol=1e-12)
    d, i = ours.radius_neighbors(Q, radius=0.9, sort_results=True)
    d_ref, i_ref = ref.radius_neighbors(Q, radius=0.9, sort_results=True)
    assert sum(map(len, i)) == sum(map(len, i_ref)) > 0
    for a, b, da, db in zip(i, i_ref, d, d_ref):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(da, db, rtol=1e-10, atol=1e-12)


def test_many_neighbors_and_self_exclusion(points):
    X, _ = points
    ours = hn.NearestNeighbors(n_neighbors=80, algorithm="brute").fit(X)
    ind = ours.kneighbors(return_distance=False)
    assert not np.any(ind == np.arange(len(X))[:, None])
    np.testing.assert_array_equal(ind, sn.NearestNeighbors(n_neighbors=80).fit(X).kneighbors()[1])


@pytest.mark.parametrize("leaf_size", [1, 5, 40])
def test_kdtree_matches_sklearn_query_and_query_radius(points, leaf_size):
    X, Q = points
    ours, ref = hn.KDTree(X, leaf_size=leaf_size), sn.KDTree(X, leaf_size=leaf_size)
    d, i = ours.query(Q, k=4)
    d_ref, i_ref = ref.query(Q, k=4)
    np.testing.assert_array_equal(i, i_ref)
    np.testing.assert_allclose(d, d_ref, rtol=1e-12)
    np.testing.assert_array_equal(
        ours.query_radius(Q, 1.2, count_only=True), ref.query_radius(Q, 1.2, count_only=True)
    )
    ind, dist = ours.query_radius(
        Q, np.linspace(0.5, 1.5, len(Q)), return_distance=True, sort_results=True
    )
    ind_ref, dist_ref = ref.query_radius(
        Q, np.linspace(0.5, 1.5, len(Q)), return_distance=True, sort_results=True
    )
    for a, b, da, db in zip(ind, ind_ref, dist, dist_ref):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(da, db, rtol=1e-12)
    unsorted = ours.query_radius(Q[:5], 1.0)
    assert all(set(a) == set(b) for a, b in zip(unsorted, ref.query_radius(Q[:5], 1.0)))


def test_kdtree_handles_duplicates_and_tiny_data():
    X = np.repeat(np.arange(10.0)[:, None], 30, axis=0)  # many equal values on the split axis
    tree = hn.KDTree(X, leaf_size=3)
    d, i = tree.query([[4.2]], k=30)
    assert set(i[0]) == set(np.flatnonzero(X[:, 0] == 4.0)) and np.allclose(d, 0.2)
    assert hn.KDTree([[1.0, 2.0]]).query([[0.0, 0.0]], k=1)[1][0, 0] == 0
    with pytest.raises(ValueError, match="k must be less than or equal"):
        tree.query([[0.0]], k=301)
    with pytest.raises(ValueError, match="dimension"):
        tree.query([[0.0, 1.0]])


def _cv_accuracy(make, X, y):
    return cross_val_score(make_pipeline(StandardScaler(), make()), X, y, cv=5).mean()


@pytest.mark.parametrize("loader", ["iris", "wine", "breast_cancer", "digits", "synthetic"])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_classifier_cv_accuracy_matches_sklearn(loader, weights):
    if loader == "synthetic":
        X, y = datasets.make_classification(600, 10, n_informative=5, n_classes=3, random_state=0)
    else:
        X, y = getattr(datasets, f"load_{loader}")(return_X_y=True)
    ours = _cv_accuracy(lambda: hn.KNeighborsClassifier(weights=weights), X, y)
    ref = _cv_accuracy(lambda: sn.KNeighborsClassifier(weights=weights), X, y)
    assert abs(ours - ref) <= 0.015, (ours, ref)


@pytest.mark.parametrize("algorithm", ["brute", "kd_tree", "ball_tree", "auto"])
def test_classifier_predict_proba_matches_sklearn(algorithm):
    X, y = datasets.load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    for weights in ("uniform", "distance", lambda d: np.exp(-d)):
        ours = hn.KNeighborsClassifier(7, weights=weights, algorithm=algorithm).fit(X[::2], y[::2])
        ref = sn.KNeighborsClassifier(7, weights=weights).fit(X[::2], y[::2])
        proba = ours.predict_proba(X[1::2])
        np.testing.assert_allclose(proba, ref.predict_proba(X[1::2]), atol=1e-12)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        assert (ours.predict(X[1::2]) == ref.predict(X[1::2])).mean() >= 0.99


@pytest.mark.parametrize("loader", ["diabetes", "synthetic"])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_regressor_r2_matches_sklearn(loader, weights):
    if loader == "synthetic":
        X, y = datasets.make_regression(500, 8, noise=10.0, random_state=0)
    else:
        X, y = datasets.load_diabetes(return_X_y=True)

    def r2(make):
        return cross_val_score(make_pipeline(StandardScaler(), make()), X, y, cv=5).mean()

    ours = r2(lambda: hn.KNeighborsRegressor(weights=weights))
    ref = r2(lambda: sn.KNeighborsRegressor(weights=weights))
    assert abs(ours - ref) <= 0.01, (ours, ref)
    fitted = hn.KNeighborsRegressor(weights=weights).fit(X[:300], y[:300])
    np.testing.assert_allclose(
        fitted.predict(X[300:]),
        sn.KNeighborsRegressor(weights=weights).fit(X[:300], y[:300]).predict(X[300:]),
        rtol=1e-10,
    )


def test_regressor_multi_output():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(200, 3)), rng.normal(size=(200, 2))
    ours = hn.KNeighborsRegressor(weights="distance").fit(X, Y).predict(X[:20] + 0.01)
    ref = sn.KNeighborsRegressor(weights="distance").fit(X, Y).predict(X[:20] + 0.01)
    np.testing.assert_allclose(ours, ref, rtol=1e-10)


def test_distance_weights_with_exact_matches():
    X = np.array([[0.0], [0.0], [1.0], [2.0]])
    clf = hn.KNeighborsClassifier(3, weights="distance").fit(X, ["a", "b", "b", "b"])
    np.testing.assert_allclose(clf.predict_proba([[0.0]]), [[0.5, 0.5]])
    reg = hn.KNeighborsRegressor(3, weights="distance").fit(X, [1.0, 3.0, 10.0, 10.0])
    np.testing.assert_allclose(reg.predict([[0.0]]), [2.0])


def test_graphs_and_string_labels():
    X = np.array([[0.0], [1.0], [3.0], [6.0]])
    nn = hn.NearestNeighbors(n_neighbors=2, radius=1.5).fit(X)
    np.testing.assert_array_equal(
        nn.kneighbors_graph(mode="distance"),
        sn.NearestNeighbors(n_neighbors=2).fit(X).kneighbors_graph(mode="distance").toarray(),
    )
    np.testing.assert_array_equal(
        nn.radius_neighbors_graph(X), [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    )
    clf = hn.KNeighborsClassifier(1).fit(X, ["cat", "cat", "dog", "dog"])
    assert list(clf.predict([[0.4], [5.0]])) == ["cat", "dog"]
    assert clf.kneighbors_graph([[0.4]]).tolist() == [[1.0, 0.0, 0.0, 0.0]]


@pytest.mark.parametrize(
    "make", [hn.KNeighborsClassifier, hn.KNeighborsRegressor, hn.NearestNeighbors]
)
def test_bad_input_gets_clear_errors(make):
    X, y = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)
    for bad, match in [
        (np.full((10, 2), np.nan), "NaN"),
        (np.full((10, 2), np.inf), "infinity"),
        (np.zeros((0, 2)), "0 sample"),
        ([["a", "b"]] * 10, "must hold numbers"),
    ]:
        with pytest.raises(ValueError, match=match):
            make().fit(bad, y[: len(bad)])
    est = make().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 2"):
        est.kneighbors(np.ones((2, 3)))
    with pytest.raises(ValueError, match="n_neighbors <= n_samples_fit"):
        est.kneighbors(X, n_neighbors=11)
    with pytest.raises(NotFittedError):
        make().kneighbors(X)
    for param, value in [
        ("algorithm", "octree"),
        ("metric", "hamming"),
        ("n_neighbors", 0),
        ("p", 0.5),
        ("leaf_size", 0),
    ]:
        with pytest.raises(ValueError, match=param if param != "n_neighbors" else "n_neighbors"):
            make(**{param: value}).fit(X, y)
    with pytest.raises(ValueError, match="cosine"):
        make(metric="cosine", algorithm="kd_tree").fit(X, y)


def test_one_class_and_bad_weights_are_refused():
    X = np.arange(6.0).reshape(3, 2)
    with pytest.raises(ValueError, match="only one class"):
        hn.KNeighborsClassifier(1).fit(X, [1, 1, 1])
    with pytest.raises(ValueError, match="weights"):
        hn.KNeighborsClassifier(1, weights="gaussian").fit(X, [0, 1, 1])


def test_auto_algorithm_follows_sklearn_rule():
    rng = np.random.default_rng(0)
    assert hn.NearestNeighbors().fit(rng.normal(size=(100, 3)))._fit_method == "kd_tree"
    assert hn.NearestNeighbors().fit(rng.normal(size=(100, 20)))._fit_method == "brute"
    assert hn.NearestNeighbors(n_neighbors=60).fit(rng.normal(size=(100, 3)))._fit_method == "brute"
    assert (
        hn.NearestNeighbors(metric="cosine").fit(rng.normal(size=(100, 3)))._fit_method == "brute"
    )


def test_self_query_with_duplicates_matches_sklearn():
    X = np.repeat(np.arange(12.0).reshape(6, 2), 4, axis=0)  # every point four times
    for algorithm in ("brute", "kd_tree"):
        d, i = hn.NearestNeighbors(n_neighbors=5, algorithm=algorithm).fit(X).kneighbors()
        d_ref, i_ref = sn.NearestNeighbors(n_neighbors=5, algorithm=algorithm).fit(X).kneighbors()
        np.testing.assert_allclose(d, d_ref, atol=1e-12)
        assert all(set(a[:3]) == set(b[:3]) for a, b in zip(i, i_ref))  # the 3 exact twins
        assert not np.any(i == np.arange(len(X))[:, None])
