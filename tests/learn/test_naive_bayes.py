"""homeml.learn.naive_bayes against scikit-learn: fitted parameters and probabilities to 1e-6."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.learn import naive_bayes as hnb
from homeml.learn.base import NotFittedError

sklearn = pytest.importorskip("sklearn")
from sklearn import datasets  # noqa: E402
from sklearn import naive_bayes as snb  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402

NAMES = ["GaussianNB", "MultinomialNB", "BernoulliNB"]
ATTRIBUTES = {
    "GaussianNB": ["theta_", "var_", "class_count_", "class_prior_", "epsilon_"],
    "MultinomialNB": ["class_count_", "feature_count_", "feature_log_prob_", "class_log_prior_"],
    "BernoulliNB": ["class_count_", "feature_count_", "feature_log_prob_", "class_log_prior_"],
}


def _data(loader):
    if loader == "synthetic":
        X, y = datasets.make_classification(600, 10, n_informative=5, n_classes=3, random_state=0)
    else:
        X, y = getattr(datasets, f"load_{loader}")(return_X_y=True)
    return X - X.min(axis=0), y  # non-negative, as MultinomialNB requires


def _both(name, **params):
    return getattr(hnb, name)(**params), getattr(snb, name)(**params)


def _assert_same_model(ours, ref, name, X):
    for attr in ATTRIBUTES[name]:
        np.testing.assert_allclose(
            getattr(ours, attr), getattr(ref, attr), rtol=1e-6, atol=1e-9, err_msg=attr
        )
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(
        ours.predict_joint_log_proba(X), ref.predict_joint_log_proba(X), rtol=1e-8
    )
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("loader", ["iris", "wine", "breast_cancer", "digits", "synthetic"])
@pytest.mark.parametrize("name", NAMES)
def test_parameters_probabilities_and_cv_accuracy_match_sklearn(name, loader):
    X, y = _data(loader)
    ours, ref = _both(name)
    _assert_same_model(ours.fit(X, y), ref.fit(X, y), name, X)
    acc, acc_ref = (cross_val_score(e, X, y, cv=5).mean() for e in _both(name))
    assert abs(acc - acc_ref) <= 0.015, (acc, acc_ref)


@pytest.mark.parametrize(
    "name, params",
    [
        ("GaussianNB", {"priors": [0.2, 0.3, 0.5], "var_smoothing": 1e-3}),
        ("MultinomialNB", {"alpha": 0.3, "fit_prior": False}),
        ("MultinomialNB", {"alpha": np.linspace(0.1, 2.0, 13), "class_prior": [0.5, 0.25, 0.25]}),
        ("BernoulliNB", {"alpha": 2.0, "binarize": 2.0}),
        ("BernoulliNB", {"binarize": None, "class_prior": [0.1, 0.3, 0.6]}),
    ],
)
def test_hyperparameters_match_sklearn(name, params):
    X, y = _data("wine")
    if params.get("binarize", 0) is None:
        X = (X > np.median(X, axis=0)).astype(float)
    ours, ref = _both(name, **params)
    _assert_same_model(ours.fit(X, y), ref.fit(X, y), name, X)


@pytest.mark.parametrize("name", NAMES)
def test_sample_weight_and_partial_fit_match_sklearn(name):
    X, y = _data("iris")
    w = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
    ours, ref = _both(name)
    _assert_same_model(ours.fit(X, y, sample_weight=w), ref.fit(X, y, sample_weight=w), name, X)
    ours, ref = _both(name)
    order = np.random.default_rng(1).permutation(len(y))
    for batch in np.array_split(order, 4):
        ours.partial_fit(X[batch], y[batch], classes=[0, 1, 2], sample_weight=w[batch])
        ref.partial_fit(X[batch], y[batch], classes=[0, 1, 2], sample_weight=w[batch])
    _assert_same_model(ours, ref, name, X)
    # integer weights are repeated rows
    repeats = np.arange(len(y)) % 3
    heavy = getattr(hnb, name)().fit(X, y, sample_weight=repeats)
    repeated = getattr(hnb, name)().fit(np.repeat(X, repeats, 0), np.repeat(y, repeats))
    np.testing.assert_allclose(heavy.predict_proba(X), repeated.predict_proba(X), atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_string_labels_and_probabilities(name):
    X, y = _data("iris")
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    est = getattr(hnb, name)().fit(X, labels)
    assert set(est.predict(X)) <= set(labels) and list(est.classes_) == sorted(set(labels))
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(est.predict_log_proba(X)), proba)


def test_log_space_survives_tiny_likelihoods():
    X = np.array([[0.0], [0.1], [1000.0], [1000.1]])
    est = hnb.GaussianNB().fit(X, [0, 0, 1, 1])
    proba = est.predict_proba([[500.0], [-1e4]])
    assert np.all(np.isfinite(proba)) and np.allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_gets_clear_errors(name):
    X, y = _data("iris")
    make = getattr(hnb, name)
    for bad, match in [
        (np.full((4, 2), np.nan), "NaN"),
        (np.full((4, 2), np.inf), "infinity"),
        (np.zeros((0, 2)), "0 sample"),
        ([["a", "b"]] * 4, "must hold numbers"),
    ]:
        with pytest.raises(ValueError, match=match):
            make().fit(bad, y[: len(bad)])
    with pytest.raises(ValueError, match="only one class"):
        make().fit(X[:10], y[:10])
    est = make().fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 4"):
        est.predict(X[:, :2])
    with pytest.raises(NotFittedError):
        make().predict(X)
    with pytest.raises(ValueError, match="classes must be passed"):
        make().partial_fit(X, y)
    with pytest.raises(ValueError, match="do not exist in the initial classes"):
        make().partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="non-zero"):
        make().fit(X, y, sample_weight=np.zeros(len(y)))


def test_parameter_validation():
    X, y = _data("iris")
    with pytest.raises(ValueError, match="Negative values .* MultinomialNB"):
        hnb.MultinomialNB().fit(X - 1.0, y)
    with pytest.raises(ValueError, match="alpha"):
        hnb.MultinomialNB(alpha=-1.0).fit(X, y)
    with pytest.warns(UserWarning, match="alpha too small"):
        hnb.BernoulliNB(alpha=0.0, force_alpha=False).fit(X, y)
    with pytest.raises(ValueError, match="Number of priors"):
        hnb.GaussianNB(priors=[0.5, 0.5]).fit(X, y)
    with pytest.raises(ValueError, match="sum of the priors"):
        hnb.GaussianNB(priors=[0.5, 0.5, 0.5]).fit(X, y)
    with pytest.raises(ValueError, match="var_smoothing"):
        hnb.GaussianNB(var_smoothing=-1.0).fit(X, y)
