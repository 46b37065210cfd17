"""The cross-validation splitters against scikit-learn's installed version: the same indices for
the same sizes, labels, groups and random_state (hypothesis draws them), the same number of
splits and repr, and the same results when used as ``cv=`` with ``groups=``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeml.learn import LogisticRegression
from homeml.learn import model_selection as hm

sm = pytest.importorskip("sklearn.model_selection", reason="scikit-learn is the reference")
from sklearn.linear_model import LogisticRegression as SkLogistic  # noqa: E402


def assert_same_splits(ours, theirs):
    ours, theirs = list(ours), list(theirs)
    assert len(ours) == len(theirs)
    for (train_a, test_a), (train_b, test_b) in zip(ours, theirs):
        np.testing.assert_array_equal(train_a, train_b)
        np.testing.assert_array_equal(test_a, test_b)


def both(name, **kwargs):
    return getattr(hm, name)(**kwargs), getattr(sm, name)(**kwargs)


def compare(name, X, y=None, groups=None, **kwargs):
    ours, theirs = both(name, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # too few members of a class for n_splits
        try:
            expected = list(theirs.split(X, y, groups))
        except ValueError:
            with pytest.raises(ValueError):
                list(ours.split(X, y, groups))
            return
        assert_same_splits(ours.split(X, y, groups), expected)
    assert ours.get_n_splits(X, y, groups) == theirs.get_n_splits(X, y, groups)
    assert " ".join(repr(ours).split()) == " ".join(repr(theirs).split())


@st.composite
def labelled(draw, min_size=4, max_size=40):
    n = draw(st.integers(min_size, max_size))
    n_classes = draw(st.integers(2, 4))
    n_groups = draw(st.integers(2, 9))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.RandomState(seed)
    y = rng.randint(0, n_classes, n)
    groups = rng.randint(0, n_groups, n) * 3 + 1  # labels that are not 0..k-1
    return np.zeros((n, 2)), y, groups


SEEDS = st.integers(0, 2**31 - 1)
FAST = settings(max_examples=25, deadline=None)


@FAST
@given(data=labelled(), n_splits=st.integers(2, 5), shuffle=st.booleans(), seed=SEEDS)
def test_group_kfold(data, n_splits, shuffle, seed):
    X, _, groups = data
    state = seed if shuffle else None
    compare("GroupKFold", X, None, groups, n_splits=n_splits, shuffle=shuffle, random_state=state)


@FAST
@given(data=labelled(), n_splits=st.integers(2, 4), shuffle=st.booleans(), seed=SEEDS)
def test_stratified_group_kfold(data, n_splits, shuffle, seed):
    X, y, groups = data
    state = seed if shuffle else None
    kwargs = {"n_splits": n_splits, "shuffle": shuffle, "random_state": state}
    compare("StratifiedGroupKFold", X, y, groups, **kwargs)


sizes = st.one_of(
    st.none(), st.floats(0.05, 0.6), st.integers(1, 12).map(lambda k: k)
)  # fractions or counts


@FAST
@given(data=labelled(), n_splits=st.integers(1, 6), test=sizes, train=sizes, seed=SEEDS)
def test_shuffle_split(data, n_splits, test, train, seed):
    X, y, groups = data
    kwargs = {"n_splits": n_splits, "test_size": test, "train_size": train, "random_state": seed}
    compare("ShuffleSplit", X, **kwargs)
    compare("StratifiedShuffleSplit", X, y, **kwargs)
    compare("GroupShuffleSplit", X, None, groups, **kwargs)


@FAST
@given(data=labelled(min_size=6), test=sizes, seed=SEEDS)
def test_train_test_split_stratified_equals_sklearn(data, test, seed):
    X, y, _ = data
    X = np.arange(len(y))
    try:
        expected = sm.train_test_split(X, y, test_size=test, stratify=y, random_state=seed)
    except ValueError:
        with pytest.raises(ValueError):
            hm.train_test_split(X, y, test_size=test, stratify=y, random_state=seed)
        return
    ours = hm.train_test_split(X, y, test_size=test, stratify=y, random_state=seed)
    for a, b in zip(ours, expected):
        np.testing.assert_array_equal(a, b)


@FAST
@given(
    n=st.integers(3, 40),
    n_splits=st.integers(2, 6),
    gap=st.integers(0, 3),
    test_size=st.one_of(st.none(), st.integers(1, 5)),
    max_train=st.one_of(st.none(), st.integers(1, 10)),
)
def test_time_series_split(n, n_splits, gap, test_size, max_train):
    kwargs = {"n_splits": n_splits, "gap": gap, "test_size": test_size, "max_train_size": max_train}
    compare("TimeSeriesSplit", np.zeros((n, 1)), **kwargs)


@FAST
@given(data=labelled(max_size=9), p=st.integers(1, 3), n_groups=st.integers(1, 3))
def test_leave_out_splitters(data, p, n_groups):
    X, y, groups = data
    compare("LeaveOneOut", X)
    compare("LeavePOut", X, p=p)
    compare("LeaveOneGroupOut", X, None, groups)
    compare("LeavePGroupsOut", X, None, groups, n_groups=n_groups)


@FAST
@given(data=labelled(), n_splits=st.integers(2, 4), n_repeats=st.integers(1, 3), seed=SEEDS)
def test_repeated_kfolds(data, n_splits, n_repeats, seed):
    X, y, _ = data
    kwargs = {"n_splits": n_splits, "n_repeats": n_repeats, "random_state": seed}
    compare("RepeatedKFold", X, **kwargs)
    compare("RepeatedStratifiedKFold", X, y, **kwargs)


@FAST
@given(folds=st.lists(st.integers(-1, 3), min_size=2, max_size=20))
def test_predefined_split(folds):
    compare("PredefinedSplit", np.zeros((len(folds), 1)), test_fold=folds)


def test_random_state_instance_is_consumed_like_sklearn():
    X, y = np.zeros((30, 1)), np.arange(30) % 3
    ours = hm.StratifiedShuffleSplit(3, random_state=np.random.RandomState(5))
    theirs = sm.StratifiedShuffleSplit(3, random_state=np.random.RandomState(5))
    assert_same_splits(ours.split(X, y), theirs.split(X, y))


def test_groups_errors_and_warnings_name_the_problem():
    X = np.zeros((6, 1))
    with pytest.raises(ValueError, match="'groups' parameter should not be None"):
        list(hm.GroupKFold(2).split(X))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        list(hm.LeaveOneGroupOut().split(X, None, [0, 1, 2]))
    with pytest.warns(UserWarning, match="groups parameter is ignored by ShuffleSplit"):
        list(hm.ShuffleSplit(2, random_state=0).split(X, None, np.arange(6)))
    with pytest.raises(ValueError, match="greater than the number of groups"):
        list(hm.GroupKFold(3).split(X, groups=[0, 0, 0, 1, 1, 1]))


def test_splitters_as_cv_with_groups_route_to_cross_validate_and_grid_search():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = (X[:, 0] + 0.5 * rng.randn(60) > 0).astype(int)
    groups = np.repeat(np.arange(12), 5)
    for name, kwargs in [
        ("GroupKFold", {"n_splits": 4}),
        ("LeaveOneGroupOut", {}),
        ("GroupShuffleSplit", {"n_splits": 3, "random_state": 0}),
        ("StratifiedGroupKFold", {"n_splits": 3}),
    ]:
        ours, theirs = both(name, **kwargs)
        a = hm.cross_validate(LogisticRegression(), X, y, groups=groups, cv=ours)
        b = sm.cross_validate(SkLogistic(), X, y, groups=groups, cv=theirs)
        np.testing.assert_allclose(a["test_score"], b["test_score"])
    grid = {"C": [0.01, 1.0]}
    ours = hm.GridSearchCV(LogisticRegression(), grid, cv=hm.GroupKFold(3)).fit(X, y, groups=groups)
    theirs = sm.GridSearchCV(SkLogistic(), grid, cv=sm.GroupKFold(3)).fit(X, y, groups=groups)
    for key in ("split0_test_score", "split2_test_score", "mean_test_score"):
        np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key])
    curve = hm.learning_curve(LogisticRegression(), X, y, groups=groups, cv=hm.GroupKFold(3))
    expected = sm.learning_curve(SkLogistic(), X, y, groups=groups, cv=sm.GroupKFold(3))
    for a, b in zip(curve, expected):
        np.testing.assert_allclose(a, b)
    # a homeml splitter works inside scikit-learn's cross_validate too
    b = sm.cross_validate(SkLogistic(), X, y, groups=groups, cv=hm.GroupKFold(4))
    c = sm.cross_validate(SkLogistic(), X, y, groups=groups, cv=sm.GroupKFold(4))
    np.testing.assert_allclose(b["test_score"], c["test_score"])
