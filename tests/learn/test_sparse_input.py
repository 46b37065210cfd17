"""CSR input: the linear models and naive Bayes fit the same coefficients on a sparse matrix as
on its dense copy, inside a Pipeline after TfidfVectorizer too; check_array(accept_sparse=)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from homeml.datasets import data_dir
from homeml.learn import (
    BernoulliNB,
    ComplementNB,
    CountVectorizer,
    GridSearchCV,
    LinearSVC,
    LogisticRegression,
    MultinomialNB,
    Perceptron,
    Pipeline,
    SGDClassifier,
    SGDRegressor,
    TfidfVectorizer,
)
from homeml.learn.validation import check_array
from tests.support import requires_datasets


def _sms(n: int = 1200):
    path = data_dir() / "sms-spam-collection" / "SMSSpamCollection"
    rows = [line.split("\t", 1) for line in path.read_text("utf-8").split("\n") if line]
    return [text for _, text in rows[:n]], np.array([label for label, _ in rows[:n]])


def _coefficients(estimator):
    return estimator.coef_ if hasattr(estimator, "coef_") else estimator.feature_log_prob_


ESTIMATORS = [
    LogisticRegression(max_iter=300),
    LogisticRegression(C=10.0, class_weight="balanced", max_iter=300),
    SGDClassifier(random_state=0),
    SGDClassifier(loss="log_loss", penalty="elasticnet", average=True, random_state=0),
    SGDClassifier(penalty="l1", learning_rate="invscaling", eta0=0.1, random_state=0),
    Perceptron(random_state=0),
    LinearSVC(random_state=0),
    LinearSVC(loss="hinge", random_state=0, max_iter=3000),
    MultinomialNB(),
    MultinomialNB(alpha=0.1, fit_prior=False),
    BernoulliNB(),
    BernoulliNB(binarize=1.0),
    ComplementNB(),
    ComplementNB(norm=True, alpha=0.5),
]


@requires_datasets("sms-spam-collection")
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_sparse_and_dense_input_give_the_same_model(estimator, n_classes):
    # X.T @ r sums in another order on CSR than BLAS does on the dense copy; L-BFGS carries
    # that last-bit difference along its path. With little regularisation (C=10) and three
    # classes the problem has nearly flat directions and the two paths end 1e-7 apart, both
    # within the solver's tolerance; everything else agrees to 1e-8 (the loops: exactly).
    atol = 1e-6 if getattr(estimator, "C", 1.0) > 1.0 and n_classes == 3 else 1e-8
    docs, y = _sms()
    if n_classes == 3:
        y = np.where(np.arange(len(y)) % 3 == 0, "other", y)
    counts = isinstance(estimator, (MultinomialNB, BernoulliNB))  # ComplementNB included
    X = (CountVectorizer if counts else TfidfVectorizer)(min_df=2).fit_transform(docs)
    weights = np.linspace(0.5, 2.0, len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings, the same on both sides
        sparse_model = estimator.fit(X, y, sample_weight=weights)
        coef_sparse = _coefficients(sparse_model).copy()
        intercept_sparse = getattr(sparse_model, "intercept_", None)
        predicted = sparse_model.predict(X)
        proba = sparse_model.predict_proba(X) if hasattr(sparse_model, "predict_proba") else None
        dense_model = estimator.fit(X.toarray(), y, sample_weight=weights)
    np.testing.assert_allclose(coef_sparse, _coefficients(dense_model), rtol=0, atol=atol)
    if intercept_sparse is not None:
        np.testing.assert_allclose(intercept_sparse, dense_model.intercept_, rtol=0, atol=atol)
    np.testing.assert_array_equal(predicted, dense_model.predict(X.toarray()))
    if proba is not None:
        np.testing.assert_allclose(proba, dense_model.predict_proba(X.toarray()), atol=atol)


@requires_datasets("sms-spam-collection")
def test_sgd_regressor_and_partial_fit_take_sparse_input():
    docs, y = _sms()
    X = TfidfVectorizer().fit_transform(docs)
    target = (y == "spam").astype(float)
    a = SGDRegressor(random_state=0).fit(X, target)
    b = SGDRegressor(random_state=0).fit(X.toarray(), target)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(a.predict(X), b.predict(X.toarray()), atol=1e-8)
    c = SGDClassifier(random_state=0).partial_fit(X, y, classes=np.unique(y))
    d = SGDClassifier(random_state=0).partial_fit(X.toarray(), y, classes=np.unique(y))
    np.testing.assert_allclose(c.coef_, d.coef_, rtol=0, atol=1e-8)
    e = (
        MultinomialNB()
        .partial_fit(X[:600], y[:600], classes=np.unique(y))
        .partial_fit(X[600:], y[600:])
    )
    np.testing.assert_allclose(
        e.feature_log_prob_, MultinomialNB().fit(X, y).feature_log_prob_, atol=1e-10
    )


@requires_datasets("sms-spam-collection")
@pytest.mark.parametrize(
    "classifier",
    [
        LogisticRegression(C=10.0),
        SGDClassifier(random_state=0),
        LinearSVC(random_state=0),
        MultinomialNB(),
    ],
    ids=repr,
)
def test_pipeline_of_tfidf_and_a_classifier_matches_scikit_learn(classifier):
    pytest.importorskip("sklearn")
    from importlib import import_module

    from sklearn.base import clone as sk_clone
    from sklearn.feature_extraction.text import TfidfVectorizer as SkTfidf
    from sklearn.pipeline import Pipeline as SkPipeline

    import homeml.learn as learn

    docs, y = _sms(3000)
    train, test = slice(0, 2000), slice(2000, None)
    pipe = Pipeline([("tfidf", TfidfVectorizer(sublinear_tf=True)), ("clf", classifier)])
    pipe.fit(docs[train], y[train])
    accuracy = pipe.score(docs[test], y[test])
    sk_module = {
        "LogisticRegression": "sklearn.linear_model",
        "SGDClassifier": "sklearn.linear_model",
        "LinearSVC": "sklearn.svm",
        "MultinomialNB": "sklearn.naive_bayes",
    }[type(classifier).__name__]
    sk_estimator = getattr(import_module(sk_module), type(classifier).__name__)(
        **classifier.get_params()
    )
    sk_pipe = SkPipeline([("tfidf", SkTfidf(sublinear_tf=True)), ("clf", sk_clone(sk_estimator))])
    sk_pipe.fit(docs[train], y[train])
    assert accuracy > 0.95
    assert accuracy >= sk_pipe.score(docs[test], y[test]) - 0.01
    assert isinstance(learn.clone(pipe), Pipeline)


@requires_datasets("sms-spam-collection")
def test_grid_search_over_sparse_features():
    docs, y = _sms(800)
    X = TfidfVectorizer().fit_transform(docs)
    search = GridSearchCV(LogisticRegression(), {"C": [1.0, 10.0]}, cv=3).fit(X, y)
    assert search.best_score_ > 0.9 and search.predict(X[:5]).shape == (5,)


def test_check_array_accepts_sparse_only_when_asked():
    X = sp.random(20, 6, density=0.3, format="csc", random_state=0)
    with pytest.raises(TypeError, match="sparse matrix.*toarray"):
        check_array(X)
    checked = check_array(X, accept_sparse="csr")
    assert isinstance(checked, sp.csr_matrix) and checked.dtype == np.float64
    assert check_array(X, accept_sparse=True).format == "csc"
    assert check_array(sp.csr_array(X), accept_sparse="csr").format == "csr"
    ints = check_array(sp.csr_matrix(np.eye(3, dtype=np.int64)), accept_sparse="csr")
    assert ints.dtype == np.float64
    bad = sp.csr_matrix(np.array([[1.0, np.nan], [0.0, 2.0]]))
    with pytest.raises(ValueError, match="NaN"):
        check_array(bad, accept_sparse="csr")
    with pytest.raises(ValueError, match="minimum of 1 is required"):
        check_array(sp.csr_matrix((0, 3)), accept_sparse="csr")


def test_estimators_that_stay_dense_say_so_for_sparse_input():
    from homeml.learn import GaussianNB

    X = sp.random(20, 4, density=0.5, format="csr", random_state=0)
    with pytest.raises(TypeError, match="toarray"):
        GaussianNB().fit(X, np.arange(20) % 2)
    with pytest.raises(ValueError, match="threshold < 0"):
        BernoulliNB(binarize=-1.0).fit(X, np.arange(20) % 2)
    with pytest.raises(ValueError, match="Negative values"):
        MultinomialNB().fit(-X, np.arange(20) % 2)


@requires_datasets("sms-spam-collection")
@pytest.mark.parametrize("params", [{}, {"norm": True}, {"alpha": 0.1, "fit_prior": False}])
def test_complement_nb_equals_scikit_learn(params):
    naive_bayes = pytest.importorskip("sklearn.naive_bayes")
    docs, y = _sms()
    y = np.where(np.arange(len(y)) % 3 == 0, "other", y)
    X = CountVectorizer().fit_transform(docs)
    weights = np.linspace(0.5, 2.0, len(y))
    expected = naive_bayes.ComplementNB(**params).fit(X, y, sample_weight=weights)
    model = ComplementNB(**params).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(model.feature_log_prob_, expected.feature_log_prob_, atol=1e-12)
    np.testing.assert_allclose(model.feature_all_, expected.feature_all_)
    np.testing.assert_array_equal(model.predict(X), expected.predict(X))
    np.testing.assert_allclose(model.predict_proba(X), expected.predict_proba(X), atol=1e-10)
