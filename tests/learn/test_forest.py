"""Random forests and Extra-Trees of homeml.learn.ensemble against scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.learn.ensemble._forest import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)

sklearn = pytest.importorskip("sklearn")
from sklearn import datasets  # noqa: E402
from sklearn import ensemble as sk_ensemble  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402

CLASSIFIERS = [
    (RandomForestClassifier, sk_ensemble.RandomForestClassifier),
    (ExtraTreesClassifier, sk_ensemble.ExtraTreesClassifier),
]
REGRESSORS = [
    (RandomForestRegressor, sk_ensemble.RandomForestRegressor),
    (ExtraTreesRegressor, sk_ensemble.ExtraTreesRegressor),
]
LOADERS = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
    "make_classification": lambda return_X_y: datasets.make_classification(
        600, 10, n_informative=5, random_state=0
    ),
}


@pytest.mark.parametrize("dataset", list(LOADERS))
@pytest.mark.parametrize("ours, theirs", CLASSIFIERS)
def test_cross_validated_accuracy_close_to_sklearn(ours, theirs, dataset):
    X, y = LOADERS[dataset](return_X_y=True)
    a = cross_val_score(ours(n_estimators=60, random_state=0), X, y, cv=5).mean()
    b = cross_val_score(theirs(n_estimators=60, random_state=0), X, y, cv=5).mean()
    assert abs(a - b) <= 0.015, (a, b)


@pytest.mark.parametrize("ours, theirs", REGRESSORS)
def test_r2_close_to_sklearn(ours, theirs):
    for X, y in (
        datasets.load_diabetes(return_X_y=True),
        datasets.make_regression(400, 8, noise=5.0, random_state=0),
    ):
        a = cross_val_score(ours(n_estimators=100, random_state=0), X, y, cv=3).mean()
        b = cross_val_score(theirs(n_estimators=100, random_state=0), X, y, cv=3).mean()
        assert abs(a - b) <= 0.01, (a, b)


@pytest.mark.parametrize("ours, theirs", CLASSIFIERS + REGRESSORS)
def test_same_random_state_grows_the_same_forest_as_sklearn(ours, theirs):
    # same per-tree seeds, bootstrap draws and split generator as scikit-learn
    X, y = datasets.load_breast_cancer(return_X_y=True)
    params = {"n_estimators": 10, "random_state": 0}
    if ours in (RandomForestRegressor, ExtraTreesRegressor):
        # deep weighted regression nodes hold near-ties that float summation order decides
        X, y = datasets.make_regression(400, 8, noise=5.0, random_state=0)
        params["max_depth"] = 4
    a = ours(**params).fit(X, y)
    b = theirs(**params).fit(X, y)
    method = "predict_proba" if hasattr(a, "predict_proba") else "predict"
    np.testing.assert_allclose(getattr(a, method)(X), getattr(b, method)(X), rtol=1e-6)


def test_oob_score_and_decision_function():
    X, y = datasets.load_breast_cancer(return_X_y=True)
    ours = RandomForestClassifier(n_estimators=60, oob_score=True, random_state=0).fit(X, y)
    sk = sk_ensemble.RandomForestClassifier(n_estimators=60, oob_score=True, random_state=0)
    sk.fit(X, y)
    assert ours.oob_decision_function_.shape == (len(X), 2)
    np.testing.assert_allclose(ours.oob_decision_function_.sum(axis=1), 1.0)
    np.testing.assert_allclose(ours.oob_decision_function_, sk.oob_decision_function_)
    assert ours.oob_score_ == pytest.approx(sk.oob_score_)
    Xr, yr = datasets.load_diabetes(return_X_y=True)
    reg = RandomForestRegressor(n_estimators=60, oob_score=True, random_state=0).fit(Xr, yr)
    assert reg.oob_prediction_.shape == (len(Xr),) and 0.3 < reg.oob_score_ < 0.6
    with pytest.raises(ValueError, match="bootstrap=True"):
        ExtraTreesClassifier(oob_score=True).fit(X, y)


def test_n_jobs_does_not_change_the_forest_and_random_state_reproduces():
    X, y = datasets.make_classification(400, 8, random_state=1)
    one = RandomForestClassifier(n_estimators=8, random_state=5).fit(X, y)
    two = RandomForestClassifier(n_estimators=8, random_state=5, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(one.predict_proba(X), two.predict_proba(X))
    other = RandomForestClassifier(n_estimators=8, random_state=6).fit(X, y)
    assert not np.array_equal(one.predict_proba(X), other.predict_proba(X))
    assert one.apply(X).shape == (400, 8) and len(one.estimators_) == 8


def test_defaults_importances_and_probabilities():
    X, y = datasets.load_iris(return_X_y=True)
    names = np.array(["a", "b", "c"])[y]
    forest = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, names)
    assert forest.estimators_[0].max_features_ == 2  # "sqrt" of 4
    assert RandomForestRegressor().max_features == 1.0 and ExtraTreesRegressor().bootstrap is False
    np.testing.assert_allclose(forest.predict_proba(X).sum(axis=1), 1.0)
    assert set(forest.predict(X)) <= {"a", "b", "c"}
    np.testing.assert_allclose(forest.feature_importances_.sum(), 1.0)
    sk = sk_ensemble.RandomForestClassifier(n_estimators=200, random_state=0).fit(X, y)
    ours = RandomForestClassifier(n_estimators=200, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.feature_importances_, sk.feature_importances_, atol=0.05)


def test_sample_weight_max_samples_warm_start_and_errors():
    X, y = datasets.load_breast_cancer(return_X_y=True)
    w = np.where(y == 1, 5.0, 1.0)
    weighted = ExtraTreesClassifier(n_estimators=10, max_depth=2, random_state=0)
    weighted.fit(X, y, sample_weight=w)
    plain = ExtraTreesClassifier(n_estimators=10, max_depth=2, random_state=0).fit(X, y)
    assert weighted.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean()
    small = RandomForestClassifier(n_estimators=5, max_samples=0.2, random_state=0).fit(X, y)
    assert all(t.tree_.n_node_samples[0] <= 0.2 * len(X) for t in small.estimators_)
    warm = RandomForestClassifier(n_estimators=5, warm_start=True, random_state=0).fit(X, y)
    first = list(warm.estimators_)
    warm.set_params(n_estimators=8).fit(X, y)
    assert len(warm.estimators_) == 8 and warm.estimators_[:5] == first
    with pytest.raises(ValueError, match="n_estimators"):
        RandomForestClassifier(n_estimators=0).fit(X, y)
    with pytest.raises(ValueError, match="max_samples"):
        ExtraTreesRegressor(max_samples=0.5).fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        RandomForestRegressor().fit(np.array([[np.nan], [1.0]]), [1.0, 2.0])
    with pytest.raises(ValueError, match="only one class"):
        RandomForestClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="expecting 30"):
        plain.predict(X[:, :5])
