"""Boosting and voting ensembles of homeml.learn.ensemble, compared with scikit-learn.

HistGradientBoosting*, GradientBoosting*, AdaBoostClassifier and VotingClassifier: the same data
and hyperparameters give the same predictions as scikit-learn where the algorithms are
deterministic, and cross-validated accuracy within 1.5 points / R2 within 0.01 everywhere.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from homeml.learn import (
    AdaBoostClassifier,
    DecisionTreeClassifier,
    GaussianNB,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    LogisticRegression,
    NotFittedError,
    VotingClassifier,
)

sklearn = pytest.importorskip("sklearn")
from sklearn import datasets, ensemble  # noqa: E402
from sklearn.linear_model import LogisticRegression as SkLogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.naive_bayes import GaussianNB as SkGaussianNB  # noqa: E402


def _classification_sets():
    X, y = datasets.make_classification(400, 10, n_informative=5, random_state=0)
    return {
        "iris": datasets.load_iris(return_X_y=True),
        "wine": datasets.load_wine(return_X_y=True),
        "breast_cancer": datasets.load_breast_cancer(return_X_y=True),
        "digits": datasets.load_digits(return_X_y=True),
        "make_classification": (X, y),
    }


CLASSIFICATION = _classification_sets()
REGRESSION = {
    "diabetes": datasets.load_diabetes(return_X_y=True),
    "make_regression": datasets.make_regression(400, 8, noise=10.0, random_state=0),
}
CV = StratifiedKFold(5, shuffle=True, random_state=0)


def _cv_accuracy(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return cross_val_score(est, X, y, cv=CV).mean()


def _cv_r2(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return cross_val_score(est, X, y, cv=5).mean()


# -- pairs (homeml, scikit-learn) with the same hyperparameters -----------------------------------

CLASSIFIER_PAIRS = {
    "hgb": (
        lambda: HistGradientBoostingClassifier(max_iter=20, random_state=0),
        lambda: ensemble.HistGradientBoostingClassifier(max_iter=20, random_state=0),
    ),
    "gb": (
        lambda: GradientBoostingClassifier(n_estimators=10, random_state=0),
        lambda: ensemble.GradientBoostingClassifier(n_estimators=10, random_state=0),
    ),
    "ada": (
        lambda: AdaBoostClassifier(n_estimators=30, random_state=0),
        lambda: ensemble.AdaBoostClassifier(n_estimators=30, random_state=0),
    ),
    "voting": (
        lambda: VotingClassifier(
            [("lr", LogisticRegression(max_iter=500)), ("nb", GaussianNB())], voting="soft"
        ),
        lambda: ensemble.VotingClassifier(
            [("lr", SkLogisticRegression(max_iter=500)), ("nb", SkGaussianNB())], voting="soft"
        ),
    ),
}


@pytest.mark.parametrize("data", list(CLASSIFICATION))
@pytest.mark.parametrize("kind", list(CLASSIFIER_PAIRS))
def test_cross_validated_accuracy_matches_sklearn(kind, data):
    X, y = CLASSIFICATION[data]
    if kind == "voting":  # the logistic regression inside needs scaled inputs
        X = (X - X.mean(0)) / (X.std(0) + 1e-12)
    ours, theirs = CLASSIFIER_PAIRS[kind]
    assert abs(_cv_accuracy(ours(), X, y) - _cv_accuracy(theirs(), X, y)) <= 0.015


REGRESSOR_PAIRS = {
    "hgb": lambda loss: (
        HistGradientBoostingRegressor(loss=loss, max_iter=50, random_state=0),
        ensemble.HistGradientBoostingRegressor(loss=loss, max_iter=50, random_state=0),
    ),
    "gb": lambda loss: (
        GradientBoostingRegressor(loss=loss, n_estimators=50, random_state=0),
        ensemble.GradientBoostingRegressor(loss=loss, n_estimators=50, random_state=0),
    ),
}


@pytest.mark.parametrize("data", list(REGRESSION))
@pytest.mark.parametrize(
    "kind, loss",
    [
        ("hgb", "squared_error"),
        ("hgb", "absolute_error"),
        ("gb", "squared_error"),
        ("gb", "absolute_error"),
        ("gb", "huber"),
    ],
)
def test_cross_validated_r2_matches_sklearn(kind, loss, data):
    X, y = REGRESSION[data]
    ours, theirs = REGRESSOR_PAIRS[kind](loss)
    assert abs(_cv_r2(ours, X, y) - _cv_r2(theirs, X, y)) <= 0.01


# -- histogram gradient boosting ----------------------------------------------------------------


def test_hist_regressor_predicts_like_sklearn():
    X, y = datasets.make_regression(1000, 5, noise=5.0, random_state=0)
    ours = HistGradientBoostingRegressor(max_iter=20).fit(X, y)
    theirs = ensemble.HistGradientBoostingRegressor(max_iter=20).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-5, atol=1e-4)


def test_hist_classifier_probabilities_like_sklearn():
    X, y = datasets.load_iris(return_X_y=True)
    for n_classes in (2, 3):
        Xc, yc = X[y < n_classes], y[y < n_classes]
        ours = HistGradientBoostingClassifier(max_iter=20, min_samples_leaf=5).fit(Xc, yc)
        theirs = ensemble.HistGradientBoostingClassifier(max_iter=20, min_samples_leaf=5)
        theirs.fit(Xc, yc)
        np.testing.assert_allclose(ours.predict_proba(Xc), theirs.predict_proba(Xc), atol=1e-5)
        np.testing.assert_allclose(
            ours.decision_function(Xc), theirs.decision_function(Xc), atol=1e-4
        )


def test_hist_sample_weight_like_sklearn():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 50, size=(600, 4)).astype(float)  # < 255 values: identical bins
    y = X @ [1.0, -2.0, 0.5, 0.0] + rng.normal(size=600)
    w = rng.uniform(0.1, 3.0, size=600)
    ours = HistGradientBoostingRegressor(max_iter=10).fit(X, y, sample_weight=w)
    theirs = ensemble.HistGradientBoostingRegressor(max_iter=10).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-5, atol=1e-4)
    unweighted = HistGradientBoostingRegressor(max_iter=10).fit(X, y)
    assert np.abs(unweighted.predict(X) - ours.predict(X)).max() > 1e-3


def test_hist_missing_values_are_learned_and_unseen_nan_is_handled():
    rng = np.random.RandomState(0)
    X, y = datasets.make_regression(1500, 5, random_state=0)
    X_nan = X.copy()
    X_nan[rng.rand(*X.shape) < 0.2] = np.nan
    ours = HistGradientBoostingRegressor(random_state=0).fit(X_nan[:1000], y[:1000])
    theirs = ensemble.HistGradientBoostingRegressor(random_state=0).fit(X_nan[:1000], y[:1000])
    assert abs(ours.score(X_nan[1000:], y[1000:]) - theirs.score(X_nan[1000:], y[1000:])) < 0.01
    clean = HistGradientBoostingRegressor(max_iter=10).fit(X, y)  # no NaN in training
    assert np.isfinite(clean.predict(np.full((2, 5), np.nan))).all()


def test_hist_early_stopping_auto_and_scores():
    X, y = datasets.make_classification(12_000, 8, random_state=0, flip_y=0.3)
    clf = HistGradientBoostingClassifier(max_iter=200, random_state=0).fit(X, y)
    assert clf.do_early_stopping_ and clf.n_iter_ < 200
    assert clf.train_score_.shape == clf.validation_score_.shape == (clf.n_iter_ + 1,)
    small = HistGradientBoostingClassifier(max_iter=5).fit(X[:500], y[:500])
    assert not small.do_early_stopping_ and small.n_iter_ == 5
    assert small.train_score_.size == 0 and small.validation_score_.size == 0
    X, y = datasets.make_regression(2000, 5, noise=5.0, random_state=0)
    ours = HistGradientBoostingRegressor(
        early_stopping=True, validation_fraction=None, max_iter=15
    ).fit(X, y)
    theirs = ensemble.HistGradientBoostingRegressor(
        early_stopping=True, validation_fraction=None, max_iter=15
    )
    theirs.fit(X, y)
    np.testing.assert_allclose(ours.train_score_, theirs.train_score_, rtol=1e-6)
    assert ours.validation_score_.size == 0


def test_hist_should_stop_rule():
    est = HistGradientBoostingRegressor(n_iter_no_change=2, tol=0.0)
    assert not est._should_stop([-3.0, -2.0])
    assert est._should_stop([-3.0, -2.0, -2.0, -2.0])
    assert not est._should_stop([-3.0, -2.0, -2.0, -1.0])


def test_hist_staged_warm_start_and_random_state():
    X, y = datasets.make_classification(600, 6, n_classes=3, n_informative=4, random_state=0)
    clf = HistGradientBoostingClassifier(max_iter=12).fit(X, y)
    stages = list(clf.staged_predict_proba(X))
    assert len(stages) == 12
    np.testing.assert_allclose(stages[-1], clf.predict_proba(X))
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)
    assert clf.decision_function(X).shape == (600, 3)
    warm = HistGradientBoostingClassifier(max_iter=6, warm_start=True).fit(X, y)
    warm.set_params(max_iter=12).fit(X, y)
    np.testing.assert_allclose(warm.predict_proba(X), clf.predict_proba(X))
    a = HistGradientBoostingClassifier(max_iter=10, max_features=0.5, random_state=3).fit(X, y)
    b = HistGradientBoostingClassifier(max_iter=10, max_features=0.5, random_state=3).fit(X, y)
    c = HistGradientBoostingClassifier(max_iter=10, max_features=0.5, random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_hist_string_labels_and_class_weight():
    X, y = datasets.load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = HistGradientBoostingClassifier(max_iter=10).fit(X, labels)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert clf.score(X, labels) > 0.9 and clf.predict(X[:1])[0] == "setosa"
    weighted = HistGradientBoostingClassifier(max_iter=10, class_weight={"setosa": 5.0})
    assert weighted.fit(X, labels).score(X, labels) > 0.9


# -- classic gradient boosting -------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["squared_error", "huber", "absolute_error"])
def test_gradient_boosting_regressor_like_sklearn(loss):
    X, y = datasets.load_diabetes(return_X_y=True)
    ours = GradientBoostingRegressor(loss=loss, n_estimators=10, random_state=0).fit(X, y)
    theirs = ensemble.GradientBoostingRegressor(loss=loss, n_estimators=10, random_state=0)
    theirs.fit(X, y)
    if loss == "squared_error":  # exact; the others differ by the median's definition
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6)
        np.testing.assert_allclose(ours.train_score_, theirs.train_score_, rtol=1e-6)
    assert abs(ours.score(X, y) - theirs.score(X, y)) < 0.01


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gradient_boosting_classifier_like_sklearn(n_classes):
    X, y = datasets.load_iris(return_X_y=True)
    X, y = X[y < n_classes], y[y < n_classes]
    ours = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, y)
    theirs = ensemble.GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(ours.train_score_, theirs.train_score_, rtol=1e-6)
    assert ours.estimators_.shape == theirs.estimators_.shape
    assert ours.decision_function(X).shape == theirs.decision_function(X).shape
    # trees draw their seeds from the shared generator as scikit-learn's do, so ties between
    # equally good splits mostly go the same way and importances agree closely
    np.testing.assert_allclose(ours.feature_importances_, theirs.feature_importances_, atol=5e-3)


def test_gradient_boosting_features():
    X, y = datasets.make_classification(300, 6, n_informative=3, random_state=0)
    clf = GradientBoostingClassifier(n_estimators=20, subsample=0.7, random_state=0).fit(X, y)
    assert clf.oob_improvement_.shape == clf.oob_scores_.shape == (20,)
    assert np.isclose(clf.feature_importances_.sum(), 1.0)
    staged = list(clf.staged_predict_proba(X))
    np.testing.assert_allclose(staged[-1], clf.predict_proba(X))
    assert clf.apply(X).shape == (300, 20, 1)
    again = GradientBoostingClassifier(n_estimators=20, subsample=0.7, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    early = GradientBoostingClassifier(n_estimators=500, n_iter_no_change=3, random_state=0)
    assert early.fit(X, y).n_estimators_ < 500
    zero = GradientBoostingRegressor(init="zero", n_estimators=5).fit(X, y.astype(float))
    assert zero.init_ == "zero"
    with_init = GradientBoostingClassifier(
        init=DecisionTreeClassifier(max_depth=2), n_estimators=5
    ).fit(X, y)
    assert with_init.score(X, y) > 0.8
    w = np.where(y == 1, 3.0, 1.0)
    weighted = GradientBoostingClassifier(n_estimators=5).fit(X, y, sample_weight=w)
    assert (weighted.predict(X) == 1).sum() >= (clf.predict(X) == 1).sum() - 5


# -- AdaBoost ------------------------------------------------------------------------------------


@pytest.mark.parametrize("loader", [datasets.load_iris, datasets.load_breast_cancer])
def test_adaboost_like_sklearn(loader):
    X, y = loader(return_X_y=True)
    ours = AdaBoostClassifier(n_estimators=20, random_state=0).fit(X, y)
    theirs = ensemble.AdaBoostClassifier(n_estimators=20, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.estimator_weights_, theirs.estimator_weights_, rtol=1e-9)
    np.testing.assert_allclose(ours.estimator_errors_, theirs.estimator_errors_, rtol=1e-9)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-9)
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X), atol=1e-9)
    staged = list(ours.staged_predict(X))
    assert len(staged) == 20 and np.array_equal(staged[-1], ours.predict(X))
    assert np.isclose(ours.feature_importances_.sum(), 1.0)


def test_adaboost_custom_estimator_and_perfect_fit():
    X, y = datasets.load_iris(return_X_y=True)
    clf = AdaBoostClassifier(
        DecisionTreeClassifier(max_depth=2), n_estimators=10, learning_rate=0.5, random_state=0
    ).fit(X, y)
    assert clf.score(X, y) > 0.95
    perfect = AdaBoostClassifier(DecisionTreeClassifier(), n_estimators=10).fit(X, y)
    assert len(perfect.estimators_) == 1 and perfect.estimator_errors_[0] == 0.0


# -- voting --------------------------------------------------------------------------------------


@pytest.mark.parametrize("voting", ["hard", "soft"])
def test_voting_matches_sklearn_with_the_same_members(voting):
    X, y = datasets.load_wine(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    members = [
        ("lr", SkLogisticRegression(C=0.05)),
        ("nb", SkGaussianNB()),
        ("tree", sklearn.tree.DecisionTreeClassifier(max_depth=1, random_state=0)),
    ]
    ours = VotingClassifier(members, voting=voting, weights=[1, 2, 1]).fit(X, y)
    theirs = ensemble.VotingClassifier(members, voting=voting, weights=[1, 2, 1]).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.transform(X).shape == theirs.transform(X).shape
    if voting == "soft":
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))
    else:
        assert not hasattr(ours, "predict_proba")


def test_voting_params_named_estimators_and_drop():
    vote = VotingClassifier([("lr", LogisticRegression()), ("nb", GaussianNB())])
    params = vote.get_params()
    assert params["lr"] is vote.estimators[0][1] and "lr__C" in params
    vote.set_params(lr__C=0.5, nb="drop", voting="soft")
    assert vote.estimators[0][1].C == 0.5 and vote.estimators[1][1] == "drop"
    X, y = datasets.load_iris(return_X_y=True)
    labels = np.array(["a", "b", "c"])[y]
    vote.fit(X, labels)
    assert len(vote.estimators_) == 1 and vote.named_estimators_.lr is vote.estimators_[0]
    assert set(vote.predict(X)) <= {"a", "b", "c"}
    np.testing.assert_allclose(vote.predict_proba(X).sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="All estimators are dropped"):
        VotingClassifier([("nb", "drop")]).fit(X, y)
    with pytest.raises(ValueError, match="weights must be equal"):
        VotingClassifier([("nb", GaussianNB())], weights=[1, 2]).fit(X, y)
    with pytest.raises(ValueError, match="'voting' parameter of VotingClassifier must be a str"):
        VotingClassifier([("nb", GaussianNB())], voting="loud").fit(X, y)


# -- bad input -----------------------------------------------------------------------------------

ALL = [
    lambda: HistGradientBoostingClassifier(max_iter=3),
    lambda: HistGradientBoostingRegressor(max_iter=3),
    lambda: GradientBoostingClassifier(n_estimators=3),
    lambda: GradientBoostingRegressor(n_estimators=3),
    lambda: AdaBoostClassifier(n_estimators=3),
    lambda: VotingClassifier([("nb", GaussianNB())]),
]


@pytest.mark.parametrize("make", ALL)
def test_bad_input_gets_clear_errors(make):
    X, y = datasets.make_classification(60, 4, random_state=0)
    est = make()
    with pytest.raises(NotFittedError):
        est.predict(X)
    bad_inf = X.copy()
    bad_inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        make().fit(bad_inf, y)
    if not isinstance(est, (HistGradientBoostingClassifier, HistGradientBoostingRegressor)):
        bad_nan = X.copy()
        bad_nan[0, 0] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            make().fit(bad_nan, y)
    with pytest.raises(ValueError, match="0 sample"):
        make().fit(np.zeros((0, 4)), [])
    with pytest.raises(ValueError, match="must hold numbers"):
        make().fit([["a", "b"], ["c", "d"]], [0, 1])
    fitted = make().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 4"):
        fitted.predict(X[:, :3])
    if hasattr(est, "predict_proba") or isinstance(est, VotingClassifier):
        with pytest.raises(ValueError, match="only one class"):
            make().fit(X, np.zeros(60))


@pytest.mark.parametrize(
    "est, match",
    [
        (HistGradientBoostingClassifier(learning_rate=0), "learning_rate"),
        (HistGradientBoostingRegressor(loss="hinge"), "'loss' parameter .* must be a str among"),
        (HistGradientBoostingRegressor(max_bins=300), "max_bins"),
        (HistGradientBoostingRegressor(early_stopping="sometimes"), "early_stopping"),
        (GradientBoostingRegressor(subsample=0.0), "subsample"),
        (GradientBoostingClassifier(loss="exponential"), "'loss' parameter .* must be a str among"),
        (AdaBoostClassifier(n_estimators=0), "n_estimators"),
    ],
)
def test_invalid_hyperparameters_name_the_parameter(est, match):
    X, y = datasets.make_classification(60, 4, random_state=0)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)


def test_hist_early_stopping_on_a_scorer():
    X, y = datasets.make_classification(400, 6, random_state=0)
    labels = np.array(["no", "yes"])[y]
    clf = HistGradientBoostingClassifier(
        early_stopping=True, scoring="accuracy", max_iter=30, n_iter_no_change=3, random_state=0
    ).fit(X, labels)
    assert clf.validation_score_.shape == (clf.n_iter_ + 1,)
    assert 0.5 <= clf.validation_score_.max() <= 1.0
