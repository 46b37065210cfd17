"""validation_curve, LearningCurveDisplay and ValidationCurveDisplay against scikit-learn: the
same scores, and the same drawn data (line xy data, filled bands, error bars, labels, scale)."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.learn import Ridge
from homeml.learn import model_selection as hm

sm = pytest.importorskip("sklearn.model_selection", reason="scikit-learn is the reference")
matplotlib = pytest.importorskip("matplotlib", reason="the displays draw with matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.linear_model import Ridge as SkRidge  # noqa: E402

rng = np.random.RandomState(0)
X = rng.randn(60, 4)
Y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.5 * rng.randn(60)
GROUPS = np.repeat(np.arange(6), 10)
ALPHAS = np.logspace(-3, 3, 5)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("cv", [4, "groups"])
def test_validation_curve_equals_sklearn(cv):
    ours_cv, theirs_cv = (hm.GroupKFold(3), sm.GroupKFold(3)) if cv == "groups" else (cv, cv)
    a = hm.validation_curve(
        Ridge(), X, Y, param_name="alpha", param_range=ALPHAS, groups=GROUPS, cv=ours_cv
    )
    b = sm.validation_curve(
        SkRidge(), X, Y, param_name="alpha", param_range=ALPHAS, groups=GROUPS, cv=theirs_cv
    )
    for p, q in zip(a, b):
        assert p.shape == q.shape
        np.testing.assert_allclose(p, q, rtol=1e-9)


def assert_same_drawing(a, b):
    assert a.ax_.get_xlabel() == b.ax_.get_xlabel()
    assert a.ax_.get_ylabel() == b.ax_.get_ylabel()
    assert a.ax_.get_xscale() == b.ax_.get_xscale()
    assert [t.get_text() for t in a.ax_.get_legend().get_texts()] == [
        t.get_text() for t in b.ax_.get_legend().get_texts()
    ]
    assert (a.lines_ is None) == (b.lines_ is None)
    for la, lb in zip(a.lines_ or [], b.lines_ or []):
        np.testing.assert_allclose(la.get_xydata(), lb.get_xydata(), rtol=1e-9)
    assert (a.fill_between_ is None) == (b.fill_between_ is None)
    for fa, fb in zip(a.fill_between_ or [], b.fill_between_ or []):
        for pa, pb in zip(fa.get_paths(), fb.get_paths()):
            np.testing.assert_allclose(pa.vertices, pb.vertices, rtol=1e-9)
        assert fa.get_alpha() == fb.get_alpha()
    assert (a.errorbar_ is None) == (b.errorbar_ is None)
    for ea, eb in zip(a.errorbar_ or [], b.errorbar_ or []):
        np.testing.assert_allclose(ea.lines[0].get_xydata(), eb.lines[0].get_xydata(), rtol=1e-9)
        for sa, sb in zip(ea.lines[2], eb.lines[2]):
            for pa, pb in zip(sa.get_segments(), sb.get_segments()):
                np.testing.assert_allclose(pa, pb, rtol=1e-9)


@pytest.mark.parametrize("style", ["fill_between", "errorbar", None])
@pytest.mark.parametrize("score_type", ["both", "test", "train"])
@pytest.mark.parametrize("scoring", [None, "neg_mean_squared_error"])
def test_validation_curve_display(style, score_type, scoring):
    kwargs = {
        "param_name": "alpha",
        "param_range": ALPHAS,
        "cv": 3,
        "scoring": scoring,
        "std_display_style": style,
        "score_type": score_type,
        "negate_score": scoring is not None,
    }
    a = hm.ValidationCurveDisplay.from_estimator(Ridge(), X, Y, **kwargs)
    b = sm.ValidationCurveDisplay.from_estimator(SkRidge(), X, Y, **kwargs)
    assert_same_drawing(a, b)


@pytest.mark.parametrize("style", ["fill_between", "errorbar"])
def test_learning_curve_display(style):
    kwargs = {
        "cv": sm.ShuffleSplit(4, test_size=0.25, random_state=0),
        "train_sizes": np.linspace(0.2, 1.0, 4),
        "std_display_style": style,
        "score_name": None,
    }
    a = hm.LearningCurveDisplay.from_estimator(
        Ridge(), X, Y, **{**kwargs, "cv": hm.ShuffleSplit(4, test_size=0.25, random_state=0)}
    )
    b = sm.LearningCurveDisplay.from_estimator(SkRidge(), X, Y, **kwargs)
    np.testing.assert_array_equal(a.train_sizes, b.train_sizes)
    np.testing.assert_allclose(a.test_scores, b.test_scores, rtol=1e-9)
    assert_same_drawing(a, b)
    with pytest.raises(ValueError, match="Unknown score_type"):
        a.plot(score_type="bad")
