"""CSR input where scikit-learn takes it: TruncatedSVD (LSA), NMF, StandardScaler
(with_mean=False), MaxAbsScaler, Normalizer and the neighbours estimators (Euclidean and
cosine), each against scikit-learn on the same sparse matrix; and TfidfVectorizer ->
TruncatedSVD -> LogisticRegression inside GridSearchCV against scikit-learn's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from homeml.datasets import data_dir
from homeml.learn import (
    NMF,
    GridSearchCV,
    KNeighborsClassifier,
    KNeighborsRegressor,
    LogisticRegression,
    MaxAbsScaler,
    NearestNeighbors,
    Normalizer,
    Pipeline,
    StandardScaler,
    TfidfVectorizer,
    TruncatedSVD,
)
from tests.support import requires_datasets

sklearn = pytest.importorskip("sklearn")
from sklearn import decomposition as sk_decomposition  # noqa: E402
from sklearn import neighbors as sk_neighbors  # noqa: E402
from sklearn import preprocessing as sk_preprocessing  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    # small matrices: BLAS threads only add contention on a shared machine (a 2400 x 50 QR
    # took seconds with threads on a loaded 2-core box, milliseconds without)
    with threadpool_limits(limits=1):
        yield


def _sms(n: int):
    """The first ``n`` SMS texts and labels, without repeated texts."""
    path = data_dir() / "sms-spam-collection" / "SMSSpamCollection"
    rows = [line.split("\t", 1) for line in path.read_text("utf-8").split("\n") if line]
    seen: set[str] = set()
    rows = [r for r in rows if not (r[1] in seen or seen.add(r[1]))][:n]
    return [text for _, text in rows], np.array([label for label, _ in rows])


def _random_csr(shape=(60, 12), seed=0, negative=True):
    X = sp.random(*shape, density=0.3, format="csr", random_state=seed)
    if negative:
        X.data -= 0.4
    return X


def _same_sparse(ours, ref, atol=1e-12):
    assert sp.issparse(ours) and ours.format == ref.format
    np.testing.assert_allclose(ours.toarray(), ref.toarray(), rtol=0, atol=atol)


# -- decompositions -------------------------------------------------------------------------


@requires_datasets("sms-spam-collection")
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"algorithm": "arpack"},
        {"algorithm": "arpack", "tol": 1e-3},
        {"n_iter": 2, "power_iteration_normalizer": "none", "n_oversamples": 4},
    ],
    ids=repr,
)
def test_truncated_svd_on_tfidf_equals_scikit_learn(params):
    X = TfidfVectorizer(min_df=2).fit_transform(_sms(500)[0])
    ours = TruncatedSVD(n_components=6, random_state=0, **params)
    ref = sk_decomposition.TruncatedSVD(n_components=6, random_state=0, **params)
    np.testing.assert_allclose(ours.fit_transform(X), ref.fit_transform(X), atol=1e-10)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-10)
    np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, rtol=1e-10)
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-8)
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-8
    )
    np.testing.assert_allclose(ours.transform(X[:50]), ref.transform(X[:50]), atol=1e-10)


@requires_datasets("sms-spam-collection")
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"init": "random", "alpha_W": 1e-5, "l1_ratio": 0.5, "shuffle": True},
        {"solver": "mu"},
        {"solver": "mu", "beta_loss": "kullback-leibler", "init": "nndsvda"},
        {"solver": "mu", "beta_loss": 1.5, "init": "nndsvda"},
    ],
    ids=repr,
)
def test_nmf_on_tfidf_equals_scikit_learn_and_the_dense_fit(params):
    X = TfidfVectorizer(min_df=2).fit_transform(_sms(300)[0])
    settings = {"n_components": 4, "random_state": 0, "max_iter": 150, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached: the same on every side
        ours = NMF(**settings)
        W = ours.fit_transform(X)
        ref = sk_decomposition.NMF(**settings)
        W_ref = ref.fit_transform(X)
        dense = NMF(**settings).fit(X.toarray())
        transformed, transformed_ref = ours.transform(X[:40]), ref.transform(X[:40])
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-10)
    np.testing.assert_allclose(W, W_ref, atol=1e-10)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.reconstruction_err_ == pytest.approx(ref.reconstruction_err_, rel=1e-10)
    np.testing.assert_allclose(transformed, transformed_ref, atol=1e-10)
    np.testing.assert_allclose(ours.components_, dense.components_, atol=1e-10)


# -- scalers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("weighted", [False, True])
def test_standard_scaler_without_mean_on_sparse_input(fmt, weighted):
    X = _random_csr()
    X.data[[2, 7]] = np.nan  # ignored by the statistics, kept by transform
    X = X.asformat(fmt)
    weights = np.linspace(0.2, 2.0, X.shape[0]) if weighted else None
    ours = StandardScaler(with_mean=False).fit(X, sample_weight=weights)
    ref = sk_preprocessing.StandardScaler(with_mean=False).fit(X, sample_weight=weights)
    for name in ("mean_", "var_", "scale_", "n_samples_seen_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-12)
    _same_sparse(ours.transform(X), ref.transform(X))
    _same_sparse(ours.inverse_transform(ours.transform(X)), ref.inverse_transform(ref.transform(X)))
    # in two batches (Chan et al.'s update), as one
    batches = StandardScaler(with_mean=False).partial_fit(X[:25]).partial_fit(X[25:])
    np.testing.assert_allclose(
        batches.var_, sk_preprocessing.StandardScaler(with_mean=False).fit(X).var_, rtol=1e-12
    )
    with pytest.raises(ValueError, match="Cannot center sparse matrices"):
        StandardScaler().fit(X)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_max_abs_scaler_on_dense_and_sparse_input(fmt):
    X = _random_csr().asformat(fmt)
    X.data[3] = np.nan
    ours, ref = MaxAbsScaler().fit(X), sk_preprocessing.MaxAbsScaler().fit(X)
    np.testing.assert_allclose(ours.max_abs_, ref.max_abs_)
    np.testing.assert_allclose(ours.scale_, ref.scale_)
    _same_sparse(ours.transform(X), ref.transform(X))
    _same_sparse(ours.inverse_transform(X), ref.inverse_transform(X))
    dense = X.toarray()
    np.testing.assert_allclose(
        MaxAbsScaler().fit_transform(dense), sk_preprocessing.MaxAbsScaler().fit_transform(dense)
    )
    batches = MaxAbsScaler().partial_fit(X[:30]).partial_fit(X[30:])
    np.testing.assert_allclose(batches.max_abs_, ref.max_abs_)
    assert batches.n_samples_seen_ == ref.n_samples_seen_ == X.shape[0]
    clipped = MaxAbsScaler(clip=True).fit(X[:20]).transform(X)
    assert np.nanmax(np.abs(clipped.data)) <= 1.0


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
def test_normalizer_keeps_csr(norm):
    X = _random_csr()
    X = sp.csr_matrix(X.toarray() * (np.arange(X.shape[0]) % 7 != 0)[:, None])  # zero rows
    _same_sparse(
        Normalizer(norm=norm).fit_transform(X),
        sk_preprocessing.Normalizer(norm=norm).fit_transform(X),
    )


# -- neighbours -------------------------------------------------------------------------------


@requires_datasets("sms-spam-collection")
@pytest.mark.parametrize("metric", ["cosine", "euclidean", "minkowski"])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_neighbors_on_tfidf_equal_scikit_learn(metric, weights):
    docs, y = _sms(700)
    X = TfidfVectorizer(min_df=2).fit_transform(docs)
    train, test = slice(0, 550), slice(550, None)
    k = 5
    ours = KNeighborsClassifier(n_neighbors=k, metric=metric, weights=weights)
    ref = sk_neighbors.KNeighborsClassifier(n_neighbors=k, metric=metric, weights=weights)
    ours.fit(X[train], y[train])
    ref.fit(X[train], y[train])
    dist, ind = ours.kneighbors(X[test])
    dist_ref, ind_ref = ref.kneighbors(X[test])
    # scikit-learn's Euclidean distances come from |q|^2 + |y|^2 - 2 q.y (a point's distance to
    # itself can be 7e-9); homeml recomputes the chosen ones from q - y
    atol = 1e-12 if metric == "cosine" else 1e-7
    np.testing.assert_allclose(dist, dist_ref, rtol=0, atol=atol)
    # TF-IDF rows tie often (orthogonal rows are all sqrt(2) apart): compare the neighbour sets
    # and votes of the queries whose k-th and (k+1)-th neighbours are apart
    wider = ref.kneighbors(X[test], n_neighbors=k + 1)[0]
    clear = wider[:, k] - wider[:, k - 1] > 1e-6
    assert clear.mean() > 0.5
    np.testing.assert_array_equal(np.sort(ind[clear], axis=1), np.sort(ind_ref[clear], axis=1))
    np.testing.assert_allclose(
        ours.predict_proba(X[test])[clear], ref.predict_proba(X[test])[clear], atol=1e-6
    )
    target = (y == "spam").astype(float)
    regressor = KNeighborsRegressor(n_neighbors=k, metric=metric, weights=weights)
    regressor_ref = sk_neighbors.KNeighborsRegressor(n_neighbors=k, metric=metric, weights=weights)
    predicted = regressor.fit(X[train], target[train]).predict(X[test])
    expected = regressor_ref.fit(X[train], target[train]).predict(X[test])
    np.testing.assert_allclose(predicted[clear], expected[clear], atol=1e-6)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_nearest_neighbors_radius_and_self_queries_on_csr(metric):
    X = sp.csr_matrix(np.abs(_random_csr((80, 15), seed=2).toarray()))
    radius = 0.5 if metric == "cosine" else 0.9
    ours = NearestNeighbors(radius=radius, metric=metric).fit(X)
    ref = sk_neighbors.NearestNeighbors(radius=radius, metric=metric).fit(X)
    dist, ind = ours.radius_neighbors(X[:30], sort_results=True)
    dist_ref, ind_ref = ref.radius_neighbors(X[:30], sort_results=True)
    atol = 1e-12 if metric == "cosine" else 1e-7  # (see the test above)
    for a, b, i, j in zip(dist, dist_ref, ind, ind_ref):
        np.testing.assert_array_equal(i, j)
        np.testing.assert_allclose(a, b, atol=atol)
    own, own_ref = ours.kneighbors(n_neighbors=3), ref.kneighbors(n_neighbors=3)
    np.testing.assert_allclose(own[0], own_ref[0], atol=atol)
    # dense queries against a sparse index
    np.testing.assert_allclose(
        ours.kneighbors(X[:5].toarray())[0], ref.kneighbors(X[:5].toarray())[0], atol=atol
    )


def test_sparse_neighbors_say_what_they_support():
    X = _random_csr((30, 5))
    with pytest.raises(ValueError, match="not supported on sparse input"):
        KNeighborsClassifier(p=1).fit(X, np.arange(30) % 2)
    with pytest.warns(UserWarning, match="brute force"):
        NearestNeighbors(algorithm="kd_tree").fit(X)


# -- inside a search --------------------------------------------------------------------------


@requires_datasets("sms-spam-collection")
def test_tfidf_lsa_logistic_regression_grid_search_equals_scikit_learn():
    from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf
    from sklearn.linear_model import LogisticRegression as SkLogistic
    from sklearn.model_selection import GridSearchCV as SkGridSearchCV
    from sklearn.pipeline import Pipeline as SkPipeline

    docs, y = _sms(600)
    docs = np.array(docs, dtype=object)
    grid = {"svd__n_components": [10, 40], "clf__C": [1.0, 10.0]}
    ours = GridSearchCV(
        Pipeline(
            [
                ("tfidf", TfidfVectorizer(sublinear_tf=True)),
                ("svd", TruncatedSVD(random_state=0)),
                ("clf", LogisticRegression(max_iter=500)),
            ]
        ),
        grid,
        cv=3,
    ).fit(docs, y)
    ref = SkGridSearchCV(
        SkPipeline(
            [
                ("tfidf", SkTfidf(sublinear_tf=True)),
                ("svd", sk_decomposition.TruncatedSVD(random_state=0)),
                ("clf", SkLogistic(max_iter=500)),
            ]
        ),
        grid,
        cv=3,
    ).fit(docs, y)
    assert ours.best_params_ == ref.best_params_
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"], atol=1e-12
    )
    assert ours.score(docs, y) == pytest.approx(ref.score(docs, y), abs=1e-12)
