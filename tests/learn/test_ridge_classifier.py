"""RidgeClassifier, and Ridge on CSR input, against scikit-learn on the same data: dense and
sparse, every solver, sample_weight and class_weight, on SMS TF-IDF features and random data."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from homeml.datasets import data_dir
from homeml.learn import Ridge, RidgeClassifier, TfidfVectorizer
from tests.support import requires_datasets

sk = pytest.importorskip("sklearn.linear_model")


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    # small matrices: BLAS threads only add contention on a shared machine
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def _sms_tfidf(n: int = 600, n_classes: int = 2):
    path = data_dir() / "sms-spam-collection" / "SMSSpamCollection"
    rows = [line.split("\t", 1) for line in path.read_text("utf-8").split("\n") if line][:n]
    y = np.array([label for label, _ in rows])
    if n_classes == 3:
        y = np.where(np.arange(len(y)) % 3 == 0, "other", y)
    return TfidfVectorizer(min_df=2).fit_transform([text for _, text in rows]), y


def _assert_same(ours, ref, X, atol):
    # scikit-learn 1.9 stores a binary coef_ as (n_features,); compare the values
    np.testing.assert_allclose(np.ravel(ours.coef_), np.ravel(ref.coef_), rtol=0, atol=atol)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=atol)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@requires_datasets("sms-spam-collection")
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"solver": "lsqr", "alpha": 0.3},
        {"solver": "sparse_cg", "class_weight": "balanced"},
        {"fit_intercept": False, "class_weight": {"spam": 4.0}},
        {"fit_intercept": False, "solver": "cholesky", "alpha": 2.0},
    ],
    ids=repr,
)
def test_ridge_classifier_on_sparse_text_equals_scikit_learn(params, n_classes):
    X, y = _sms_tfidf(n_classes=n_classes)
    weights = np.linspace(0.5, 2.0, len(y))
    ours = RidgeClassifier(**params).fit(X, y, sample_weight=weights)
    ref = sk.RidgeClassifier(**params).fit(X, y, sample_weight=weights)
    assert ours.solver_ == ref.solver_ and list(ours.classes_) == list(ref.classes_)
    # the same CG / LSQR iterations on the same products: equal up to rounding (which CG
    # carries along a few hundred iterations)
    _assert_same(ours, ref, X, atol=1e-8)


@pytest.mark.parametrize("solver", ["auto", "cholesky", "svd", "sparse_cg", "lsqr"])
@pytest.mark.parametrize("shape", [(80, 6), (30, 50)])  # tall and wide (kernel form)
def test_ridge_classifier_on_dense_input_equals_scikit_learn(solver, shape):
    rng = np.random.RandomState(0)
    X = rng.randn(*shape)
    codes = (X[:, 0] + 0.5 * rng.randn(len(X)) > 0).astype(int) + (X[:, 1] > 0.8)
    y = np.array(["a", "b", "c"])[codes]
    weights = rng.uniform(0.2, 3.0, len(X))
    params = {"alpha": 1.5, "solver": solver, "class_weight": "balanced"}
    # direct solves agree to rounding; CG / LSQR stop at tol=1e-4 after the same iterations,
    # where the dense products' BLAS rounding has grown to ~1e-8 (the answer itself is only
    # within 1e-4 of the exact one)
    atol = 1e-6 if solver in ("sparse_cg", "lsqr") else 1e-10
    ours = RidgeClassifier(**params).fit(X, y, sample_weight=weights)
    ref = sk.RidgeClassifier(**params).fit(X, y, sample_weight=weights)
    _assert_same(ours, ref, X, atol=atol)
    binary = RidgeClassifier(solver=solver).fit(X, y == "a")
    _assert_same(binary, sk.RidgeClassifier(solver=solver).fit(X, y == "a"), X, atol=atol)


@requires_datasets("sms-spam-collection")
def test_sparse_solvers_at_a_tight_tolerance_reach_the_dense_closed_form():
    X, y = _sms_tfidf(n_classes=3)
    weights = np.linspace(0.5, 2.0, len(y))
    dense = RidgeClassifier(class_weight="balanced").fit(X.toarray(), y, sample_weight=weights)
    assert dense.solver_ == "cholesky"
    for solver in ("sparse_cg", "lsqr"):
        tight = RidgeClassifier(solver=solver, tol=1e-12, class_weight="balanced")
        tight.fit(X, y, sample_weight=weights)
        assert tight.solver_ == solver and np.all(tight.n_iter_ >= 1)
        np.testing.assert_allclose(tight.coef_, dense.coef_, rtol=0, atol=1e-8)
        np.testing.assert_allclose(tight.intercept_, dense.intercept_, rtol=0, atol=1e-8)


@pytest.mark.parametrize(
    "params",
    [{}, {"solver": "lsqr"}, {"fit_intercept": False}, {"alpha": [0.5, 5.0], "tol": 1e-8}],
    ids=repr,
)
@pytest.mark.parametrize("shape", [(120, 30), (40, 90)])
def test_ridge_on_csr_equals_scikit_learn(params, shape):
    rng = np.random.RandomState(1)
    X = sp.random(*shape, density=0.15, format="csr", random_state=rng)
    y = rng.randn(shape[0], 2)
    weights = rng.uniform(0.2, 3.0, shape[0])
    ours = Ridge(**params).fit(X, y, sample_weight=weights)
    ref = sk.Ridge(**params).fit(X, y, sample_weight=weights)
    assert ours.solver_ == ref.solver_
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=0, atol=1e-10)


def test_solvers_that_need_dense_input_say_so():
    X = sp.random(30, 5, density=0.3, format="csr", random_state=0)
    y = np.arange(30) % 2
    for cls in (Ridge, RidgeClassifier):
        with pytest.raises(ValueError, match="does not take sparse input"):
            cls(solver="svd").fit(X, y)
        with pytest.raises(ValueError, match="when fitting the intercept"):
            cls(solver="cholesky").fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        RidgeClassifier().fit(X, np.zeros(30))
    with pytest.raises(ValueError, match="class_weight"):
        RidgeClassifier(class_weight="uniform").fit(X, y)
    positive = Ridge(positive=True).fit(X, y)  # densified for NNLS
    assert np.all(positive.coef_ >= 0)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("shape", [(40, 90), (120, 6)])  # scikit-learn's "gram" and "cov" modes
@pytest.mark.parametrize(
    "params",
    [{}, {"class_weight": "balanced", "alphas": [0.01, 0.3, 3.0, 30.0]}, {"fit_intercept": False}],
    ids=repr,
)
def test_ridge_classifier_cv_leave_one_out_equals_scikit_learn(params, shape, sparse):
    from homeml.learn import RidgeClassifierCV

    rng = np.random.RandomState(0)
    X = rng.randn(*shape) * (rng.rand(*shape) < 0.5)
    codes = (X[:, 0] + 0.3 * rng.randn(len(X)) > 0).astype(int) + (X[:, 1] > 0.5)
    y = np.array(["a", "b", "c"])[codes]
    data = sp.csr_matrix(X) if sparse else X
    weights = rng.uniform(0.5, 2.0, len(X))
    for labels in (y, y == "a"):
        ours = RidgeClassifierCV(**params, store_cv_results=True)
        ours.fit(data, labels, sample_weight=weights)
        ref = sk.RidgeClassifierCV(**params).fit(data, labels, sample_weight=weights)
        assert ours.alpha_ == ref.alpha_
        assert ours.best_score_ == pytest.approx(ref.best_score_, abs=1e-12)
        assert -ours.cv_results_.min() == pytest.approx(ref.best_score_, abs=1e-12)
        _assert_same(ours, ref, data, atol=1e-10)


def test_ridge_classifier_cv_with_folds_is_a_grid_search():
    from homeml.learn import RidgeClassifierCV

    rng = np.random.RandomState(1)
    X = rng.randn(90, 5)
    y = (X[:, 0] + 0.8 * rng.randn(90) > 0).astype(int)
    ours = RidgeClassifierCV(alphas=[0.1, 10.0, 1000.0], cv=3).fit(X, y)
    ref = sk.RidgeClassifierCV(alphas=[0.1, 10.0, 1000.0], cv=3).fit(X, y)
    assert ours.alpha_ == ref.alpha_ and ours.best_score_ == pytest.approx(ref.best_score_)
    _assert_same(ours, ref, X, atol=1e-10)
    with pytest.raises(ValueError, match="alphas"):
        RidgeClassifierCV(alphas=[0.0, 1.0]).fit(X, y)
    with pytest.raises(ValueError, match="scoring only with cv"):
        RidgeClassifierCV(scoring="accuracy").fit(X, y)
