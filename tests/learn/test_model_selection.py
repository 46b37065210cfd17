"""homeml.learn.model_selection against sklearn.model_selection on the same data and estimators.

Splits, scores and search tables must be equal to scikit-learn's, not just close: the folds are
the same indices, so the same inner estimator gives the same numbers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from homeml.learn import metrics as hmetrics
from homeml.learn import model_selection as hm

sm = pytest.importorskip("sklearn.model_selection")
pd = pytest.importorskip("pandas")
stats = pytest.importorskip("scipy.stats")
from sklearn.datasets import load_breast_cancer, load_iris, make_regression  # noqa: E402
from sklearn.linear_model import LogisticRegression as SkLogistic  # noqa: E402
from sklearn.linear_model import Ridge as SkRidge  # noqa: E402
from sklearn.metrics import make_scorer  # noqa: E402
from sklearn.preprocessing import StandardScaler as SkScaler  # noqa: E402
from sklearn.tree import DecisionTreeClassifier as SkTree  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from homeml.learn import LogisticRegression, NotFittedError, Ridge  # noqa: E402

IRIS_X, IRIS_Y = load_iris(return_X_y=True)
CANCER_X, CANCER_Y = load_breast_cancer(return_X_y=True)
CANCER_X = SkScaler().fit_transform(CANCER_X)
REG_X, REG_Y = make_regression(120, 5, noise=10.0, random_state=0)
rng = np.random.RandomState(0)
X53 = rng.randn(53, 3)
Y53 = rng.choice(np.array(["a", "b", "c"]), 53, p=[0.5, 0.3, 0.2])


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    # small matrices: BLAS threads only add contention on a shared 2-core machine
    with threadpool_limits(limits=1):
        yield


def assert_same_splits(ours, theirs):
    ours, theirs = list(ours), list(theirs)
    assert len(ours) == len(theirs)
    for (train_a, test_a), (train_b, test_b) in zip(ours, theirs):
        np.testing.assert_array_equal(train_a, train_b)
        np.testing.assert_array_equal(test_a, test_b)


# -- KFold / StratifiedKFold ---------------------------------------------------------------------


@pytest.mark.parametrize("n_splits", [2, 5, 7])
@pytest.mark.parametrize("shuffle", [False, True])
def test_kfold_splits_equal_sklearn(n_splits, shuffle):
    kwargs = {"shuffle": True, "random_state": 3} if shuffle else {}
    ours = hm.KFold(n_splits, **kwargs)
    assert ours.get_n_splits() == n_splits
    assert_same_splits(ours.split(X53), sm.KFold(n_splits, **kwargs).split(X53))


@pytest.mark.parametrize("n_splits", [2, 3, 5])
def test_stratified_kfold_splits_equal_sklearn(n_splits):
    assert_same_splits(
        hm.StratifiedKFold(n_splits).split(X53, Y53), sm.StratifiedKFold(n_splits).split(X53, Y53)
    )
    assert_same_splits(
        hm.StratifiedKFold(n_splits).split(IRIS_X, IRIS_Y),
        sm.StratifiedKFold(n_splits).split(IRIS_X, IRIS_Y),
    )


def test_stratified_kfold_shuffle_keeps_proportions_and_reproduces():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.zeros((100, 1))
    splits = list(hm.StratifiedKFold(5, shuffle=True, random_state=7).split(X, y))
    again = list(hm.StratifiedKFold(5, shuffle=True, random_state=7).split(X, y))
    other = list(hm.StratifiedKFold(5, shuffle=True, random_state=8).split(X, y))
    assert_same_splits(splits, again)
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(splits, other))
    covered = np.concatenate([test for _, test in splits])
    np.testing.assert_array_equal(np.sort(covered), np.arange(100))  # each sample tested once
    for train, test in splits:
        np.testing.assert_array_equal(np.bincount(y[test]), [12, 6, 2])
        np.testing.assert_array_equal(np.bincount(y[train]), [48, 24, 8])
        assert not set(train) & set(test)
    # scikit-learn deals the shuffled classes the same way
    assert_same_splits(splits, sm.StratifiedKFold(5, shuffle=True, random_state=7).split(X, y))


def test_splitters_refuse_bad_settings():
    with pytest.raises(ValueError, match="at least one train/test split"):
        hm.KFold(1)
    with pytest.raises(ValueError, match="Integral"):
        hm.KFold(2.5)
    with pytest.raises(ValueError, match="random_state has no effect"):
        hm.KFold(3, random_state=0)
    with pytest.raises(ValueError, match="n_splits=60 greater than the number of samples"):
        list(hm.KFold(60).split(X53))
    with pytest.raises(ValueError, match="cannot be greater than the number of members"):
        list(hm.StratifiedKFold(3).split(np.zeros((4, 1)), [0, 0, 1, 1]))
    with pytest.warns(UserWarning, match="least populated class"):
        list(hm.StratifiedKFold(3).split(np.zeros((7, 1)), [0, 0, 0, 0, 0, 1, 1]))


# -- train_test_split ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"random_state": 1},
        {"random_state": 1, "test_size": 0.3},
        {"random_state": 2, "train_size": 20, "test_size": 10},
        {"shuffle": False},
    ],
)
def test_train_test_split_equals_sklearn(kwargs):
    ours = hm.train_test_split(X53, Y53, **kwargs)
    theirs = sm.train_test_split(X53, Y53, **kwargs)
    assert len(ours) == 4
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


def test_train_test_split_sizes_and_reproducibility():
    X_train, X_test = hm.train_test_split(X53, random_state=0)
    assert (len(X_train), len(X_test)) == (39, 14)  # test size 0.25 rounded up
    X_train, X_test = hm.train_test_split(X53, test_size=0.1, random_state=0)
    assert (len(X_train), len(X_test)) == (47, 6)
    X_train, X_test = hm.train_test_split(X53, train_size=0.5, random_state=0)
    assert (len(X_train), len(X_test)) == (26, 27)  # a float train size is rounded down
    first = hm.train_test_split(X53, random_state=5)
    np.testing.assert_array_equal(first[0], hm.train_test_split(X53, random_state=5)[0])
    assert not np.array_equal(first[0], hm.train_test_split(X53, random_state=6)[0])
    ours = hm.train_test_split(X53, random_state=np.random.RandomState(4))[1]
    theirs = sm.train_test_split(X53, random_state=np.random.RandomState(4))[1]
    np.testing.assert_array_equal(ours, theirs)


def test_train_test_split_stratify_keeps_proportions():
    y = np.repeat(["x", "y", "z"], [60, 30, 10])
    X = np.arange(100).reshape(-1, 1)
    X_train, X_test, y_train, y_test = hm.train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0
    )
    assert len(X_test) == 20 and len(X_train) == 80
    assert dict(zip(*np.unique(y_test, return_counts=True))) == {"x": 12, "y": 6, "z": 2}
    assert dict(zip(*np.unique(y_train, return_counts=True))) == {"x": 48, "y": 24, "z": 8}
    np.testing.assert_array_equal(y[X_train.ravel()], y_train)  # rows stay aligned
    np.testing.assert_array_equal(y[X_test.ravel()], y_test)
    assert set(X_train.ravel()) | set(X_test.ravel()) == set(range(100))
    # scikit-learn draws the same per-class counts
    theirs = sm.train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    np.testing.assert_array_equal(np.sort(y_test), np.sort(theirs[3]))
    again = hm.train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    np.testing.assert_array_equal(again[1], X_test)
    # odd counts: the 13 samples of the test set still follow the classes' shares closely
    *_, y_test = hm.train_test_split(X53, Y53, test_size=13, stratify=Y53, random_state=0)
    *_, y_sk = sm.train_test_split(X53, Y53, test_size=13, stratify=Y53, random_state=0)
    np.testing.assert_array_equal(
        np.unique(y_test, return_counts=True)[1], np.unique(y_sk, return_counts=True)[1]
    )


def test_train_test_split_keeps_types_of_several_arrays():
    frame = pd.DataFrame(X53, columns=["a", "b", "c"], index=np.arange(100, 153))
    series = pd.Series(Y53, index=frame.index, name="label")
    as_list = X53[:, 0].tolist()
    parts = hm.train_test_split(frame, series, as_list, X53, random_state=0)
    assert len(parts) == 8
    f_train, f_test, s_train, s_test, l_train, l_test, a_train, a_test = parts
    assert isinstance(f_train, pd.DataFrame) and isinstance(f_test, pd.DataFrame)
    assert isinstance(s_train, pd.Series) and isinstance(s_test, pd.Series)
    assert isinstance(l_train, list) and isinstance(l_test, list)
    assert isinstance(a_train, np.ndarray)
    assert list(f_train.columns) == ["a", "b", "c"]
    np.testing.assert_array_equal(f_train.index, s_train.index)  # rows stay aligned
    np.testing.assert_array_equal(f_train.to_numpy(), a_train)
    np.testing.assert_array_equal(f_train["a"].to_numpy(), l_train)
    theirs = sm.train_test_split(frame, series, as_list, X53, random_state=0)
    pd.testing.assert_frame_equal(f_test, theirs[1])
    pd.testing.assert_series_equal(s_train, theirs[2])
    assert l_test == theirs[5]


def test_train_test_split_refuses_bad_input():
    with pytest.raises(ValueError, match="At least one array required"):
        hm.train_test_split()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        hm.train_test_split(X53, Y53[:-1])
    with pytest.raises(ValueError, match="test_size"):
        hm.train_test_split(X53, test_size=1.5)
    with pytest.raises(ValueError, match="test_size"):
        hm.train_test_split(X53, test_size=60)
    with pytest.raises(ValueError, match="shuffle=False"):
        hm.train_test_split(X53, Y53, shuffle=False, stratify=Y53)


# -- cross_val_score / cross_validate ------------------------------------------------------------


def _accuracy_of_predictions(estimator, X, y):
    return float(np.mean(estimator.predict(X) == y))


@pytest.mark.parametrize(
    "scoring",
    [
        None,
        "accuracy",
        "f1_macro",
        "precision_weighted",
        "neg_log_loss",
        "roc_auc_ovr",
        _accuracy_of_predictions,
    ],
)
def test_cross_val_score_equals_sklearn_on_iris(scoring):
    estimator = SkLogistic(max_iter=500)
    ours = hm.cross_val_score(estimator, IRIS_X, IRIS_Y, cv=4, scoring=scoring)
    theirs = sm.cross_val_score(estimator, IRIS_X, IRIS_Y, cv=4, scoring=scoring)
    assert ours.shape == (4,)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("scoring", ["roc_auc", "f1", "neg_log_loss", "recall"])
def test_cross_val_score_binary_scorers_equal_sklearn(scoring):
    estimator = SkLogistic(C=0.1)
    ours = hm.cross_val_score(estimator, CANCER_X, CANCER_Y, cv=3, scoring=scoring)
    theirs = sm.cross_val_score(estimator, CANCER_X, CANCER_Y, cv=3, scoring=scoring)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_cross_val_score_with_homeml_estimator_and_sklearn_scorer_object():
    estimator = LogisticRegression(C=0.5)
    splitter = hm.StratifiedKFold(5, shuffle=True, random_state=0)
    ours = hm.cross_val_score(estimator, CANCER_X, CANCER_Y, cv=splitter)
    theirs = sm.cross_val_score(
        estimator, CANCER_X, CANCER_Y, cv=sm.StratifiedKFold(5, shuffle=True, random_state=0)
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert ours.mean() > 0.95
    f1 = make_scorer(hmetrics.f1_score)  # a scikit-learn scorer wrapping homeml's metric
    np.testing.assert_allclose(
        hm.cross_val_score(estimator, CANCER_X, CANCER_Y, cv=3, scoring=f1),
        sm.cross_val_score(estimator, CANCER_X, CANCER_Y, cv=3, scoring="f1"),
        rtol=1e-12,
    )


def test_cross_validate_equals_sklearn_with_train_scores_and_several_metrics():
    estimator = SkTree(max_depth=3, random_state=0)
    scoring = ["accuracy", "f1_macro"]
    ours = hm.cross_validate(
        estimator,
        IRIS_X,
        IRIS_Y,
        cv=5,
        scoring=scoring,
        return_train_score=True,
        return_estimator=True,
        return_indices=True,
    )
    theirs = sm.cross_validate(
        estimator,
        IRIS_X,
        IRIS_Y,
        cv=5,
        scoring=scoring,
        return_train_score=True,
        return_estimator=True,
        return_indices=True,
    )
    assert set(ours) == set(theirs)
    for key in ("test_accuracy", "test_f1_macro", "train_accuracy", "train_f1_macro"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12)
    assert ours["fit_time"].shape == ours["score_time"].shape == (5,)
    assert np.all(ours["fit_time"] >= 0)
    assert len(ours["estimator"]) == 5 and ours["estimator"][0] is not estimator
    for part in ("train", "test"):
        for a, b in zip(ours["indices"][part], theirs["indices"][part]):
            np.testing.assert_array_equal(a, b)
    named = {"acc": "accuracy", "mine": _accuracy_of_predictions}
    ours = hm.cross_validate(estimator, IRIS_X, IRIS_Y, cv=3, scoring=named)
    theirs = sm.cross_validate(estimator, IRIS_X, IRIS_Y, cv=3, scoring=named)
    np.testing.assert_allclose(ours["test_acc"], theirs["test_acc"])
    np.testing.assert_allclose(ours["test_mine"], ours["test_acc"])


def test_cross_validate_regression_equals_sklearn():
    for scoring in (None, "neg_mean_squared_error", "neg_mean_absolute_error", "r2"):
        ours = hm.cross_validate(
            Ridge(alpha=2.0), REG_X, REG_Y, cv=4, scoring=scoring, return_train_score=True
        )
        theirs = sm.cross_validate(
            SkRidge(alpha=2.0), REG_X, REG_Y, cv=4, scoring=scoring, return_train_score=True
        )
        np.testing.assert_allclose(ours["test_score"], theirs["test_score"], rtol=1e-8)
        np.testing.assert_allclose(ours["train_score"], theirs["train_score"], rtol=1e-8)


def test_cross_validation_errors():
    with pytest.raises(ValueError, match="not a valid scoring value"):
        hm.cross_val_score(SkLogistic(), IRIS_X, IRIS_Y, scoring="acuracy")
    with pytest.raises(ValueError, match="single metric"):
        hm.cross_val_score(SkLogistic(), IRIS_X, IRIS_Y, scoring=["accuracy"])
    with pytest.raises(ValueError, match="Expected cv as an integer"):
        hm.cross_val_score(SkLogistic(), IRIS_X, IRIS_Y, cv="five")
    bad = np.array(IRIS_X)
    bad[::10, 0] = np.nan  # a NaN in every training fold
    with pytest.raises(ValueError, match="All the 3 fits failed"):
        hm.cross_val_score(LogisticRegression(), bad, IRIS_Y, cv=3)
    with pytest.raises(ValueError, match="NaN"):
        hm.cross_val_score(LogisticRegression(), bad, IRIS_Y, cv=3, error_score="raise")
    bad = np.array(IRIS_X)
    bad[0, 0] = np.nan
    # one failing fold of three (row 0, the NaN, is in its training set only): a warning and
    # error_score for that fold, the other folds scored as usual
    folds = [
        (np.arange(0, 100), np.arange(100, 150)),
        (np.arange(50, 150), np.arange(1, 50)),
        (np.arange(1, 100), np.arange(100, 150)),
    ]
    with pytest.warns(hm.FitFailedWarning, match="1 fits failed out of a total of 3"):
        scores = hm.cross_val_score(LogisticRegression(), bad, IRIS_Y, cv=folds, error_score=-1.0)
    assert scores[0] == -1.0 and np.all(scores[1:] >= 0)


# -- GridSearchCV / RandomizedSearchCV -----------------------------------------------------------


def assert_same_cv_results(ours, theirs):
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if key.endswith("_time"):
            assert np.asarray(ours[key]).shape == np.asarray(value).shape
        elif key == "params":
            assert ours[key] == value
        elif key.startswith("param_"):
            np.testing.assert_array_equal(np.ma.getmaskarray(ours[key]), np.ma.getmaskarray(value))
            assert list(np.ma.getdata(ours[key])[~np.ma.getmaskarray(value)]) == list(
                np.ma.getdata(value)[~np.ma.getmaskarray(value)]
            )
        else:
            np.testing.assert_allclose(ours[key], value, rtol=1e-12, atol=1e-15, err_msg=key)


def test_grid_search_equals_sklearn_on_breast_cancer():
    grid = {"C": [0.01, 0.1, 1.0], "fit_intercept": [True, False]}
    estimator = SkLogistic(max_iter=1000)
    ours = hm.GridSearchCV(estimator, grid, cv=5, return_train_score=True).fit(CANCER_X, CANCER_Y)
    theirs = sm.GridSearchCV(estimator, grid, cv=5, return_train_score=True).fit(CANCER_X, CANCER_Y)
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_score_ == pytest.approx(theirs.best_score_, rel=1e-12)
    assert ours.best_index_ == theirs.best_index_
    assert ours.n_splits_ == theirs.n_splits_ == 5
    assert_same_cv_results(ours.cv_results_, theirs.cv_results_)
    # refit on all data, and the search delegates to the best estimator
    np.testing.assert_allclose(ours.best_estimator_.coef_, theirs.best_estimator_.coef_)
    np.testing.assert_array_equal(ours.predict(CANCER_X), theirs.predict(CANCER_X))
    np.testing.assert_allclose(ours.predict_proba(CANCER_X), theirs.predict_proba(CANCER_X))
    np.testing.assert_allclose(ours.decision_function(CANCER_X), theirs.decision_function(CANCER_X))
    assert ours.score(CANCER_X, CANCER_Y) == theirs.score(CANCER_X, CANCER_Y)
    np.testing.assert_array_equal(ours.classes_, [0, 1])
    assert ours.n_features_in_ == 30
    assert not hasattr(ours, "transform")  # LogisticRegression has no transform


def test_grid_search_with_homeml_estimator_matches_sklearn_search():
    grid = [{"C": [0.05, 1.0]}, {"C": [0.5], "fit_intercept": [False]}]
    ours = hm.GridSearchCV(LogisticRegression(), grid, cv=3, scoring="roc_auc").fit(
        CANCER_X, CANCER_Y
    )
    theirs = sm.GridSearchCV(LogisticRegression(), grid, cv=3, scoring="roc_auc").fit(
        CANCER_X, CANCER_Y
    )
    assert ours.best_params_ == theirs.best_params_
    assert_same_cv_results(ours.cv_results_, theirs.cv_results_)
    assert list(ours.cv_results_["param_fit_intercept"].mask) == [True, True, False]
    np.testing.assert_array_equal(ours.predict(CANCER_X[:20]), theirs.predict(CANCER_X[:20]))
    assert isinstance(ours.best_estimator_, LogisticRegression)


def test_grid_search_multimetric_refit_and_no_refit():
    grid = {"max_depth": [1, 2, 3]}
    scoring = {"acc": "accuracy", "f1": "f1_macro"}
    kwargs = dict(cv=3, scoring=scoring, refit="f1")
    ours = hm.GridSearchCV(SkTree(random_state=0), grid, **kwargs).fit(IRIS_X, IRIS_Y)
    theirs = sm.GridSearchCV(SkTree(random_state=0), grid, **kwargs).fit(IRIS_X, IRIS_Y)
    assert_same_cv_results(ours.cv_results_, theirs.cv_results_)
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_score_ == pytest.approx(theirs.best_score_)
    assert ours.score(IRIS_X, IRIS_Y) == pytest.approx(theirs.score(IRIS_X, IRIS_Y))
    no_refit = hm.GridSearchCV(SkTree(random_state=0), grid, cv=3, refit=False).fit(IRIS_X, IRIS_Y)
    assert not hasattr(no_refit, "best_estimator_")
    with pytest.raises(AttributeError, match="refit=False"):
        no_refit.predict(IRIS_X)
    with pytest.raises(ValueError, match="refit must be set to a scorer key"):
        hm.GridSearchCV(SkTree(), grid, cv=3, scoring=scoring).fit(IRIS_X, IRIS_Y)
    picked = hm.GridSearchCV(SkTree(random_state=0), grid, cv=3, refit=lambda results: 0).fit(
        IRIS_X, IRIS_Y
    )
    assert picked.best_params_ == {"max_depth": 1}


def test_search_errors_are_clear():
    with pytest.raises(TypeError, match="needs to be a list or a numpy array"):
        hm.GridSearchCV(SkTree(), {"max_depth": 3}).fit(IRIS_X, IRIS_Y)
    with pytest.raises(ValueError, match="non-empty sequence"):
        hm.GridSearchCV(SkTree(), {"max_depth": []}).fit(IRIS_X, IRIS_Y)
    with pytest.raises(ValueError, match="Invalid parameter 'depth'"):
        hm.GridSearchCV(LogisticRegression(), {"depth": [1]}, cv=2).fit(IRIS_X, IRIS_Y)
    search = hm.GridSearchCV(SkTree(), {"max_depth": [1]})
    with pytest.raises(NotFittedError):
        search.predict(IRIS_X)


def test_randomized_search_equals_sklearn_with_scipy_distributions():
    distributions = {"C": stats.loguniform(1e-3, 1e2), "fit_intercept": [True, False]}
    kwargs = dict(n_iter=6, cv=4, random_state=0, return_train_score=True)
    ours = hm.RandomizedSearchCV(SkLogistic(max_iter=1000), distributions, **kwargs).fit(
        CANCER_X, CANCER_Y
    )
    theirs = sm.RandomizedSearchCV(SkLogistic(max_iter=1000), distributions, **kwargs).fit(
        CANCER_X, CANCER_Y
    )
    assert len(ours.cv_results_["params"]) == 6
    assert ours.best_params_ == theirs.best_params_  # the same samples are drawn
    assert ours.best_score_ == pytest.approx(theirs.best_score_, rel=1e-12)
    assert_same_cv_results(ours.cv_results_, theirs.cv_results_)
    np.testing.assert_array_equal(ours.predict(CANCER_X), theirs.predict(CANCER_X))
    Cs = [p["C"] for p in ours.cv_results_["params"]]
    assert all(1e-3 <= c <= 1e2 for c in Cs) and len(set(Cs)) == 6
    again = hm.RandomizedSearchCV(SkLogistic(max_iter=1000), distributions, **kwargs).fit(
        CANCER_X, CANCER_Y
    )
    assert again.cv_results_["params"] == ours.cv_results_["params"]


def test_randomized_search_on_lists_samples_without_replacement():
    grid = {"max_depth": [1, 2, 3, 4], "criterion": ["gini", "entropy"]}
    ours = hm.RandomizedSearchCV(SkTree(random_state=0), grid, n_iter=5, cv=3, random_state=1).fit(
        IRIS_X, IRIS_Y
    )
    theirs = sm.RandomizedSearchCV(
        SkTree(random_state=0), grid, n_iter=5, cv=3, random_state=1
    ).fit(IRIS_X, IRIS_Y)
    params = ours.cv_results_["params"]
    assert len({tuple(sorted(p.items())) for p in params}) == 5
    assert_same_cv_results(ours.cv_results_, theirs.cv_results_)
    with pytest.warns(UserWarning, match="smaller than n_iter=20"):
        small = hm.RandomizedSearchCV(
            SkTree(random_state=0), {"max_depth": [1, 2]}, n_iter=20, cv=2, random_state=0
        ).fit(IRIS_X, IRIS_Y)
    assert len(small.cv_results_["params"]) == 2


def test_homeml_search_on_regression_equals_sklearn():
    grid = {"alpha": [0.01, 1.0, 100.0]}
    ours = hm.GridSearchCV(Ridge(), grid, cv=4, scoring="neg_mean_squared_error").fit(REG_X, REG_Y)
    theirs = sm.GridSearchCV(SkRidge(), grid, cv=4, scoring="neg_mean_squared_error").fit(
        REG_X, REG_Y
    )
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], rtol=1e-8
    )
    np.testing.assert_allclose(ours.predict(REG_X), theirs.predict(REG_X), rtol=1e-8)


# -- learning_curve ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"train_sizes": [10, 40, 80]},
        {"shuffle": True, "random_state": 0},
        {"scoring": "f1_macro", "train_sizes": [0.3, 1.0]},
    ],
)
def test_learning_curve_equals_sklearn(kwargs):
    estimator = SkTree(max_depth=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tiny folds may miss a class
        ours = hm.learning_curve(estimator, IRIS_X, IRIS_Y, cv=3, return_times=True, **kwargs)
        theirs = sm.learning_curve(estimator, IRIS_X, IRIS_Y, cv=3, return_times=True, **kwargs)
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12)
    assert ours[3].shape == ours[4].shape == theirs[3].shape


def test_learning_curve_shapes_and_errors():
    sizes, train, test = hm.learning_curve(
        LogisticRegression(), CANCER_X, CANCER_Y, cv=4, train_sizes=np.linspace(0.2, 1.0, 3)
    )
    np.testing.assert_array_equal(sizes, [85, 255, 426])
    assert train.shape == test.shape == (3, 4)
    assert test[-1].mean() > 0.95
    with pytest.raises(ValueError, match="within \\(0, 1\\]"):
        hm.learning_curve(LogisticRegression(), CANCER_X, CANCER_Y, train_sizes=[0.0, 0.5])
    with pytest.raises(ValueError, match="absolute numbers"):
        hm.learning_curve(LogisticRegression(), CANCER_X, CANCER_Y, train_sizes=[10, 10_000])
