"""precision_recall_curve, average_precision_score, det_curve and the metric displays against
scikit-learn on the same inputs: the numbers, and what is drawn (line data, image arrays, text,
labels, limits, legend), not pixels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeml.learn import LogisticRegression, metrics
from homeml.learn.model_selection import StratifiedKFold, cross_validate

skm = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the reference")
matplotlib = pytest.importorskip("matplotlib", reason="the displays draw with matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.linear_model import LogisticRegression as SkLogistic  # noqa: E402
from sklearn.model_selection import StratifiedKFold as SkStratifiedKFold  # noqa: E402
from sklearn.model_selection import cross_validate as sk_cross_validate  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@st.composite
def binary_scores(draw):
    n = draw(st.integers(2, 40))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 2, n)
    y[:2] = [0, 1]
    scores = np.round(rng.rand(n), draw(st.integers(1, 3)))  # ties
    weights = rng.rand(n) if draw(st.booleans()) else None
    return y, scores, weights


@settings(max_examples=40, deadline=None)
@given(data=binary_scores(), drop=st.booleans())
def test_curves_equal_sklearn(data, drop):
    y, s, w = data
    for ours, theirs in [
        (metrics.precision_recall_curve, skm.precision_recall_curve),
        (metrics.det_curve, skm.det_curve),
    ]:
        a = ours(y, s, sample_weight=w, drop_intermediate=drop)
        b = theirs(y, s, sample_weight=w, drop_intermediate=drop)
        for p, q in zip(a, b):
            np.testing.assert_allclose(p, q)
    np.testing.assert_allclose(
        metrics.average_precision_score(y, s, sample_weight=w),
        skm.average_precision_score(y, s, sample_weight=w),
    )


@pytest.mark.parametrize("average", [None, "macro", "micro", "weighted", "samples"])
def test_average_precision_multiclass_and_multilabel(average):
    rng = np.random.RandomState(0)
    proba = rng.dirichlet(np.ones(3), 50)
    y = rng.randint(0, 3, 50)
    indicator = rng.randint(0, 2, (50, 3))
    w = rng.rand(50)
    if average != "samples":
        np.testing.assert_allclose(
            metrics.average_precision_score(y, proba, average=average),
            skm.average_precision_score(y, proba, average=average),
        )
    np.testing.assert_allclose(
        metrics.average_precision_score(indicator, proba, average=average, sample_weight=w),
        skm.average_precision_score(indicator, proba, average=average, sample_weight=w),
    )
    with pytest.raises(ValueError, match="pos_label=3 is not a valid label"):
        metrics.average_precision_score([0, 1, 1], [0.1, 0.2, 0.3], pos_label=3)


def assert_same_axes(ax_a, ax_b):
    lines_a, lines_b = ax_a.get_lines(), ax_b.get_lines()
    assert len(lines_a) == len(lines_b)
    for a, b in zip(lines_a, lines_b):
        np.testing.assert_allclose(a.get_xydata(), b.get_xydata())
        assert a.get_label() == b.get_label()
        assert a.get_linestyle() == b.get_linestyle()
        assert a.get_drawstyle() == b.get_drawstyle()
        assert a.get_color() == b.get_color() or a.get_label().startswith("_")
    assert ax_a.get_xlabel() == ax_b.get_xlabel()
    assert ax_a.get_ylabel() == ax_b.get_ylabel()
    np.testing.assert_allclose(ax_a.get_xlim(), ax_b.get_xlim())
    np.testing.assert_allclose(ax_a.get_ylim(), ax_b.get_ylim())
    legend_a, legend_b = ax_a.get_legend(), ax_b.get_legend()
    assert (legend_a is None) == (legend_b is None)
    if legend_a is not None:
        assert [t.get_text() for t in legend_a.get_texts()] == [
            t.get_text() for t in legend_b.get_texts()
        ]


def data(n=80, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    y = (X[:, 0] + 0.8 * rng.randn(n) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("display", ["RocCurveDisplay", "PrecisionRecallDisplay"])
@pytest.mark.parametrize("pos_label", [None, 0])
@pytest.mark.parametrize("method", ["auto", "decision_function"])
def test_curve_displays_from_estimator_equal_sklearn(display, pos_label, method):
    X, y = data()
    ours_est, theirs_est = LogisticRegression().fit(X, y), SkLogistic().fit(X, y)
    kwargs = {"pos_label": pos_label, "response_method": method, "plot_chance_level": True}
    a = getattr(metrics, display).from_estimator(ours_est, X, y, **kwargs)
    b = getattr(skm, display).from_estimator(theirs_est, X, y, **kwargs)
    assert_same_axes(a.ax_, b.ax_)
    assert type(a.line_).__name__ == type(b.line_).__name__ == "Line2D"


@pytest.mark.parametrize("display", ["RocCurveDisplay", "PrecisionRecallDisplay"])
def test_curve_displays_from_predictions_with_labels_and_names(display):
    rng = np.random.RandomState(1)
    y = rng.choice(np.array(["cat", "dog"]), 60)
    s = rng.rand(60)
    w = rng.rand(60)
    kwargs = {"pos_label": "cat", "name": "mine", "sample_weight": w, "despine": True}
    a = getattr(metrics, display).from_predictions(y, s, **kwargs)
    b = getattr(skm, display).from_predictions(y, s, **kwargs)
    assert_same_axes(a.ax_, b.ax_)
    with pytest.raises(ValueError, match="pos_label is not specified"):
        getattr(metrics, display).from_predictions(y, s)


@pytest.mark.parametrize("display", ["RocCurveDisplay", "PrecisionRecallDisplay"])
@pytest.mark.parametrize("per_fold", [False, True])
def test_curve_displays_from_cv_results(display, per_fold):
    X, y = data(90)
    ours = cross_validate(
        LogisticRegression(), X, y, cv=StratifiedKFold(3), return_estimator=True,
        return_indices=True,
    )  # fmt: skip
    theirs = sk_cross_validate(
        SkLogistic(), X, y, cv=SkStratifiedKFold(3), return_estimator=True, return_indices=True
    )
    curve_kwargs = [{"color": c} for c in ("r", "g", "b")] if per_fold else None
    names = ["a", "b", "c"] if per_fold else "folds"
    kwargs = {"curve_kwargs": curve_kwargs, "name": names, "plot_chance_level": True}
    a = getattr(metrics, display).from_cv_results(ours, X, y, **kwargs)
    b = getattr(skm, display).from_cv_results(theirs, X, y, **kwargs)
    assert_same_axes(a.ax_, b.ax_)
    assert len(a.line_) == 3


@pytest.mark.parametrize("normalize", [None, "true", "all"])
def test_confusion_matrix_display_equals_sklearn(normalize):
    rng = np.random.RandomState(0)
    X = rng.randn(90, 2)
    y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    ours_est, theirs_est = LogisticRegression().fit(X, y), SkLogistic().fit(X, y)
    kwargs = {"normalize": normalize, "xticks_rotation": 45.0, "cmap": "Blues"}
    a = metrics.ConfusionMatrixDisplay.from_estimator(ours_est, X, y, **kwargs)
    b = skm.ConfusionMatrixDisplay.from_estimator(theirs_est, X, y, **kwargs)
    np.testing.assert_allclose(a.im_.get_array(), b.im_.get_array())
    np.testing.assert_allclose(a.im_.get_clim(), b.im_.get_clim())
    assert [t.get_text() for t in a.text_.ravel()] == [t.get_text() for t in b.text_.ravel()]
    assert [t.get_color() for t in a.text_.ravel()] == [t.get_color() for t in b.text_.ravel()]
    assert [t.get_text() for t in a.ax_.get_xticklabels()] == [
        t.get_text() for t in b.ax_.get_xticklabels()
    ]
    np.testing.assert_allclose(a.ax_.get_ylim(), b.ax_.get_ylim())
    assert len(a.figure_.axes) == len(b.figure_.axes) == 2  # the colorbar
    y_pred = rng.randint(0, 4, 30)
    y_true = rng.randint(0, 4, 30)
    a = metrics.ConfusionMatrixDisplay.from_predictions(y_true, y_pred, colorbar=False)
    b = skm.ConfusionMatrixDisplay.from_predictions(y_true, y_pred, colorbar=False)
    np.testing.assert_array_equal(a.im_.get_array(), b.im_.get_array())
    assert [t.get_text() for t in a.text_.ravel()] == [t.get_text() for t in b.text_.ravel()]


@pytest.mark.parametrize("pos_label", [None, 0])
def test_det_curve_display_equals_sklearn(pos_label):
    X, y = data(120, seed=3)
    ours_est, theirs_est = LogisticRegression().fit(X, y), SkLogistic().fit(X, y)
    a = metrics.DetCurveDisplay.from_estimator(ours_est, X, y, pos_label=pos_label)
    b = skm.DetCurveDisplay.from_estimator(theirs_est, X, y, pos_label=pos_label)
    np.testing.assert_allclose(a.line_.get_xydata(), b.line_.get_xydata(), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(a.ax_.get_xticks(), b.ax_.get_xticks(), rtol=1e-12)
    assert [t.get_text() for t in a.ax_.get_yticklabels()] == [
        t.get_text() for t in b.ax_.get_yticklabels()
    ]
    assert a.ax_.get_xlabel() == b.ax_.get_xlabel()
    assert [t.get_text() for t in a.ax_.get_legend().get_texts()] == [
        t.get_text() for t in b.ax_.get_legend().get_texts()
    ]
    rng = np.random.RandomState(4)
    y_true, scores = rng.randint(0, 2, 50), np.round(rng.rand(50), 1)
    a = metrics.DetCurveDisplay.from_predictions(y_true, scores, drop_intermediate=False)
    b = skm.DetCurveDisplay.from_predictions(y_true, scores, drop_intermediate=False)
    np.testing.assert_allclose(a.line_.get_xydata(), b.line_.get_xydata(), rtol=1e-12)
