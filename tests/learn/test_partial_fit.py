"""partial_fit, block after block, equals scikit-learn's partial_fit on the same blocks, for every
estimator that learns out of core (the SGD family and passive-aggressive models with
shuffle=False: scikit-learn shuffles with its own C generator; naive Bayes; MiniBatchKMeans;
IncrementalPCA); and the passive-aggressive models' fit equals scikit-learn's.

``average=`` is left out on purpose: across several partial_fit calls scikit-learn restarts
from a stale (or, with several classes, overwritten) plain intercept once averaging is on,
where homeml carries the true state on."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is the reference; CI installs it")

import sklearn.cluster as skc  # noqa: E402
import sklearn.decomposition as skd  # noqa: E402
import sklearn.linear_model as skl  # noqa: E402
import sklearn.naive_bayes as sknb  # noqa: E402

from homeml.learn import cluster, decomposition, linear_model, naive_bayes  # noqa: E402

_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(240, 6))
Y3 = np.digitize(X[:, 0] + 0.5 * X[:, 1], [-0.6, 0.6])
Y_REG = X @ np.linspace(-1, 2, 6) + 0.1 * _RNG.normal(size=240)
BLOCKS = np.array_split(np.arange(240), 5)
SGD = {"shuffle": False, "random_state": 0}

# (name, homeml class, scikit-learn class, params, target, attributes compared)
CASES = [
    ("SGDClassifier", linear_model.SGDClassifier, skl.SGDClassifier, SGD, "class", "coef"),
    (
        "SGDClassifier-log",
        linear_model.SGDClassifier,
        skl.SGDClassifier,
        {**SGD, "loss": "log_loss", "learning_rate": "constant", "eta0": 0.05},
        "class",
        "coef",
    ),
    ("SGDRegressor", linear_model.SGDRegressor, skl.SGDRegressor, SGD, "reg", "coef"),
    ("Perceptron", linear_model.Perceptron, skl.Perceptron, SGD, "class", "coef"),
    (
        "PassiveAggressiveClassifier",
        linear_model.PassiveAggressiveClassifier,
        skl.PassiveAggressiveClassifier,
        {**SGD, "C": 0.3},
        "class",
        "coef",
    ),
    (
        "PassiveAggressiveClassifier-PA2",
        linear_model.PassiveAggressiveClassifier,
        skl.PassiveAggressiveClassifier,
        {**SGD, "loss": "squared_hinge"},
        "class",
        "coef",
    ),
    (
        "PassiveAggressiveRegressor",
        linear_model.PassiveAggressiveRegressor,
        skl.PassiveAggressiveRegressor,
        {**SGD, "epsilon": 0.05},
        "reg",
        "coef",
    ),
    (
        "PassiveAggressiveRegressor-PA2",
        linear_model.PassiveAggressiveRegressor,
        skl.PassiveAggressiveRegressor,
        {**SGD, "loss": "squared_epsilon_insensitive", "C": 0.5},
        "reg",
        "coef",
    ),
    ("GaussianNB", naive_bayes.GaussianNB, sknb.GaussianNB, {}, "class", "theta_ var_"),
    (
        "MultinomialNB",
        naive_bayes.MultinomialNB,
        sknb.MultinomialNB,
        {},
        "count",
        "feature_log_prob_",
    ),
    ("BernoulliNB", naive_bayes.BernoulliNB, sknb.BernoulliNB, {}, "class", "feature_log_prob_"),
    (
        "MiniBatchKMeans",
        cluster.MiniBatchKMeans,
        skc.MiniBatchKMeans,
        {"n_clusters": 3, "random_state": 0},
        None,
        "cluster_centers_",
    ),
    (
        "IncrementalPCA",
        decomposition.IncrementalPCA,
        skd.IncrementalPCA,
        {"n_components": 3},
        None,
        "mean_ var_ explained_variance_",
    ),
]


def _stream(estimator, kind):
    data = np.abs(np.round(X * 3)) if kind == "count" else X
    for rows in BLOCKS:
        if kind is None:
            estimator.partial_fit(data[rows])
        elif kind == "reg":
            estimator.partial_fit(data[rows], Y_REG[rows])
        else:
            estimator.partial_fit(data[rows], Y3[rows], classes=[0, 1, 2])
    return estimator, data


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_partial_fit_blocks_equal_sklearn(case):
    _, ours_cls, ref_cls, params, kind, attributes = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # scikit-learn deprecates PA in 1.8
        ref, data = _stream(ref_cls(**params), kind)
    ours, _ = _stream(ours_cls(**params), kind)
    names = ["coef_", "intercept_"] if attributes == "coef" else attributes.split()
    for name in names:
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-9, atol=1e-10)
    if kind is None and hasattr(ref, "components_"):
        np.testing.assert_allclose(np.abs(ours.components_), np.abs(ref.components_), atol=1e-8)
    if kind == "reg":
        np.testing.assert_allclose(ours.predict(data), ref.predict(data), rtol=1e-9)
    elif hasattr(ref, "predict"):
        np.testing.assert_array_equal(ours.predict(data), ref.predict(data))


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
def test_passive_aggressive_fit_equals_sklearn(loss):
    kw = {"loss": loss, "shuffle": False, "C": 0.7, "max_iter": 50, "tol": 1e-4}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ref = skl.PassiveAggressiveClassifier(**kw).fit(X, Y3)
        same = skl.SGDClassifier(
            loss="hinge",
            penalty=None,
            learning_rate="pa1" if loss == "hinge" else "pa2",
            eta0=0.7,
            shuffle=False,
            max_iter=50,
            tol=1e-4,
        ).fit(X, Y3)
    ours = linear_model.PassiveAggressiveClassifier(**kw).fit(X, Y3)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(same.coef_, ref.coef_)  # the same model, as scikit-learn says
    reg = {"shuffle": False, "C": 0.5, "max_iter": 30, "tol": None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ref_r = skl.PassiveAggressiveRegressor(**reg).fit(X, Y_REG)
    ours_r = linear_model.PassiveAggressiveRegressor(**reg).fit(X, Y_REG)
    np.testing.assert_allclose(ours_r.coef_, ref_r.coef_, rtol=1e-9)


def test_passive_aggressive_checks_its_parameters():
    with pytest.raises(ValueError, match="loss"):
        linear_model.PassiveAggressiveClassifier(loss="log_loss").fit(X, Y3)
    with pytest.raises(ValueError, match="C"):
        linear_model.PassiveAggressiveRegressor(C=0).fit(X, Y_REG)
    with pytest.raises(ValueError, match="classes"):
        linear_model.PassiveAggressiveClassifier().partial_fit(X, Y3)
