"""homeml.learn.metrics against sklearn.metrics on random inputs (to 1e-12)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeml.learn import metrics as hm

skm = pytest.importorskip("sklearn.metrics")

TOL = dict(rtol=1e-12, atol=1e-12)


def labels(n_classes):
    return st.integers(2, 60).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n),
            st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n),
        )
    )


def quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **k)


@settings(max_examples=60, deadline=None)
@given(
    labels(4),
    st.sampled_from([None, "micro", "macro", "weighted"]),
    st.sampled_from(["warn", 0.0, 1.0, np.nan]),
    st.floats(0.5, 2.0),
)
def test_precision_recall_f_match_sklearn(yy, average, zero_division, beta):
    y_true, y_pred = yy
    for name in ("precision_score", "recall_score", "f1_score"):
        ours = quiet(
            getattr(hm, name), y_true, y_pred, average=average, zero_division=zero_division
        )
        theirs = quiet(
            getattr(skm, name), y_true, y_pred, average=average, zero_division=zero_division
        )
        np.testing.assert_allclose(ours, theirs, **TOL)
    ours = quiet(hm.precision_recall_fscore_support, y_true, y_pred, beta=beta, average=average)
    theirs = quiet(skm.precision_recall_fscore_support, y_true, y_pred, beta=beta, average=average)
    for a, b in zip(ours, theirs):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, **TOL)


@settings(max_examples=40, deadline=None)
@given(labels(2), st.sampled_from([0, 1]))
def test_binary_average_with_pos_label_and_weights(yy, pos_label):
    y_true, y_pred = yy
    w = np.random.default_rng(len(y_true)).uniform(0.1, 2, len(y_true))
    for name in ("precision_score", "recall_score", "f1_score"):
        ours = quiet(getattr(hm, name), y_true, y_pred, pos_label=pos_label, sample_weight=w)
        theirs = quiet(getattr(skm, name), y_true, y_pred, pos_label=pos_label, sample_weight=w)
        np.testing.assert_allclose(ours, theirs, **TOL)
    np.testing.assert_allclose(
        hm.accuracy_score(y_true, y_pred, sample_weight=w),
        skm.accuracy_score(y_true, y_pred, sample_weight=w),
        **TOL,
    )


def test_labels_subset_strings_and_errors():
    y_true = ["cat", "dog", "bird", "dog", "cat", "cat"]
    y_pred = ["cat", "cat", "bird", "dog", "dog", "cat"]
    for average in (None, "micro", "macro"):
        np.testing.assert_allclose(
            hm.f1_score(y_true, y_pred, labels=["cat", "dog"], average=average),
            skm.f1_score(y_true, y_pred, labels=["cat", "dog"], average=average),
            **TOL,
        )
    with pytest.raises(ValueError, match="Target is multiclass but average='binary'"):
        hm.f1_score(y_true, y_pred)
    with pytest.raises(ValueError, match="pos_label=2 is not a valid label"):
        hm.precision_score([0, 1, 1], [1, 1, 0], pos_label=2)
    with pytest.raises(ValueError, match="average has to be one of"):
        hm.recall_score([0, 1], [0, 1], average="samples")
    with pytest.warns(hm.UndefinedMetricWarning):
        hm.precision_score([0, 1], [0, 0])


@settings(max_examples=40, deadline=None)
@given(labels(3), st.sampled_from([None, "true", "pred", "all"]))
def test_confusion_matrix_matches_sklearn(yy, normalize):
    y_true, y_pred = yy
    np.testing.assert_allclose(
        hm.confusion_matrix(y_true, y_pred, normalize=normalize),
        skm.confusion_matrix(y_true, y_pred, normalize=normalize),
        **TOL,
    )
    order = [(y_true[0] + 1) % 3, y_true[0]]
    np.testing.assert_array_equal(
        hm.confusion_matrix(y_true, y_pred, labels=order),
        skm.confusion_matrix(y_true, y_pred, labels=order),
    )
    assert hm.confusion_matrix(y_true, y_pred).dtype == np.int64


def test_classification_report_text_and_dict_match_sklearn():
    rng = np.random.default_rng(0)
    y_true = rng.choice(["setosa", "versicolor", "virginica"], 80)
    y_pred = np.where(rng.random(80) < 0.7, y_true, rng.choice(["setosa", "virginica"], 80))
    for kwargs in (
        {},
        {"digits": 4},
        {"labels": ["setosa", "virginica"]},
        {"target_names": ["a", "bb", "ccc"]},
    ):
        assert hm.classification_report(y_true, y_pred, **kwargs) == skm.classification_report(
            y_true, y_pred, **kwargs
        )
    ours = hm.classification_report(y_true, y_pred, output_dict=True)
    theirs = skm.classification_report(y_true, y_pred, output_dict=True)
    assert ours.keys() == theirs.keys()
    assert ours["accuracy"] == pytest.approx(theirs["accuracy"], abs=1e-12)
    for key in theirs:
        if key != "accuracy":
            for stat in theirs[key]:
                assert ours[key][stat] == pytest.approx(theirs[key][stat], abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(5, 80), st.integers(0, 10_000), st.booleans(), st.booleans())
def test_roc_curve_and_auc_match_sklearn(n, seed, ties, weighted):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    score = rng.integers(0, 5, n).astype(float) if ties else rng.normal(size=n) + y
    w = rng.uniform(0.1, 2, n) if weighted else None
    for drop in (True, False):
        for a, b in zip(
            hm.roc_curve(y, score, sample_weight=w, drop_intermediate=drop),
            skm.roc_curve(y, score, sample_weight=w, drop_intermediate=drop),
        ):
            np.testing.assert_allclose(a, b, **TOL)
    np.testing.assert_allclose(
        hm.roc_auc_score(y, score, sample_weight=w),
        skm.roc_auc_score(y, score, sample_weight=w),
        **TOL,
    )
    np.testing.assert_allclose(
        hm.roc_auc_score(y, score, max_fpr=0.3), skm.roc_auc_score(y, score, max_fpr=0.3), **TOL
    )


@settings(max_examples=30, deadline=None)
@given(st.integers(12, 80), st.integers(0, 10_000), st.integers(3, 5))
def test_multiclass_roc_auc_and_log_loss_match_sklearn(n, seed, k):
    rng = np.random.default_rng(seed)
    y = np.r_[np.arange(k), rng.integers(0, k, n - k)]
    proba = rng.dirichlet(np.ones(k), n)
    for multi_class in ("ovr", "ovo"):
        for average in ("macro", "weighted"):
            np.testing.assert_allclose(
                hm.roc_auc_score(y, proba, multi_class=multi_class, average=average),
                skm.roc_auc_score(y, proba, multi_class=multi_class, average=average),
                **TOL,
            )
    np.testing.assert_allclose(
        hm.roc_auc_score(y, proba, multi_class="ovr", average="micro"),
        skm.roc_auc_score(y, proba, multi_class="ovr", average="micro"),
        **TOL,
    )
    np.testing.assert_allclose(hm.log_loss(y, proba), skm.log_loss(y, proba), **TOL)
    w = rng.uniform(0.1, 2, n)
    np.testing.assert_allclose(
        hm.log_loss(y, proba, sample_weight=w, normalize=False),
        skm.log_loss(y, proba, sample_weight=w, normalize=False),
        **TOL,
    )


def test_ranking_edge_cases():
    np.testing.assert_allclose(
        hm.log_loss([0, 1, 1], [0.2, 0.7, 1.0]), skm.log_loss([0, 1, 1], [0.2, 0.7, 1.0]), **TOL
    )
    assert hm.auc([0, 1, 2], [0, 1, 1]) == skm.auc([0, 1, 2], [0, 1, 1])
    assert hm.auc([2, 1, 0], [1, 1, 0]) == skm.auc([2, 1, 0], [1, 1, 0])
    with pytest.raises(ValueError, match="neither increasing nor decreasing"):
        hm.auc([0, 2, 1], [0, 1, 1])
    with pytest.warns(hm.UndefinedMetricWarning, match="Only one class"):
        assert np.isnan(hm.roc_auc_score([1, 1, 1], [0.1, 0.2, 0.3]))
    with pytest.raises(ValueError, match="multi_class"):
        hm.roc_auc_score([0, 1, 2], np.eye(3))
    with pytest.raises(ValueError, match="pos_label is not specified"):
        hm.roc_curve(["a", "b"], [0.1, 0.2])
    with pytest.raises(ValueError, match="only one label"):
        hm.log_loss([1, 1], [0.5, 0.5])


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 50), st.integers(0, 10_000), st.integers(1, 3))
def test_regression_metrics_match_sklearn(n, seed, n_outputs):
    rng = np.random.default_rng(seed)
    shape = (n,) if n_outputs == 1 else (n, n_outputs)
    y, p, w = rng.normal(size=shape), rng.normal(size=shape), rng.uniform(0.1, 2, n)
    for name in (
        "mean_squared_error",
        "root_mean_squared_error",
        "mean_absolute_error",
        "r2_score",
    ):
        for multioutput in ("uniform_average", "raw_values"):
            np.testing.assert_allclose(
                getattr(hm, name)(y, p, sample_weight=w, multioutput=multioutput),
                getattr(skm, name)(y, p, sample_weight=w, multioutput=multioutput),
                **TOL,
            )


def test_scorers_match_sklearn_scorers():
    from sklearn.datasets import load_breast_cancer, load_iris
    from sklearn.linear_model import LogisticRegression, Ridge

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    clf = LogisticRegression(max_iter=500).fit(X, y)
    Xi, yi = load_iris(return_X_y=True)
    clf3 = LogisticRegression(max_iter=500).fit(Xi, yi)
    reg = Ridge().fit(X, X[:, 0] * 2 + X[:, 1])
    for name in (
        "accuracy",
        "f1",
        "precision",
        "recall",
        "roc_auc",
        "neg_log_loss",
        "f1_macro",
        "recall_weighted",
    ):
        assert hm.get_scorer(name)(clf, X, y) == pytest.approx(
            skm.get_scorer(name)(clf, X, y), abs=1e-12
        )
    for name in ("roc_auc_ovr", "roc_auc_ovo_weighted", "f1_micro", "neg_log_loss"):
        assert hm.get_scorer(name)(clf3, Xi, yi) == pytest.approx(
            skm.get_scorer(name)(clf3, Xi, yi), abs=1e-12
        )
    yr = X[:, 0] * 2 + X[:, 1] + 0.1
    for name in (
        "r2",
        "neg_mean_squared_error",
        "neg_root_mean_squared_error",
        "neg_mean_absolute_error",
    ):
        assert hm.get_scorer(name)(reg, X, yr) == pytest.approx(
            skm.get_scorer(name)(reg, X, yr), abs=1e-12
        )
    assert "f1_macro" in hm.get_scorer_names()
    with pytest.raises(ValueError, match="not a valid scoring value"):
        hm.get_scorer("accuracy_typo")
