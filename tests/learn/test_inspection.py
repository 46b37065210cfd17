"""homeml.learn.inspection against sklearn.inspection on the same fitted models: permutation
importances (same random stream), partial dependence (brute force), and what the displays draw
(line data, contour levels, response grids, labels), not pixels."""

from __future__ import annotations

import numpy as np
import pytest

from homeml.learn import KNeighborsClassifier, Ridge, inspection

si = pytest.importorskip("sklearn.inspection", reason="scikit-learn is the reference")
matplotlib = pytest.importorskip("matplotlib", reason="the displays draw with matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.linear_model import Ridge as SkRidge  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier as SkKNN  # noqa: E402

rng = np.random.RandomState(0)
X = rng.randn(70, 3)
Y_REG = X @ np.array([1.0, 2.0, 0.0]) + X[:, 0] ** 2 + 0.1 * rng.randn(70)
Y_BIN = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int)
Y_MULTI = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.4)]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def fitted(y, regression=False):
    if regression:
        return Ridge(alpha=1.0).fit(X, y), SkRidge(alpha=1.0).fit(X, y)
    return KNeighborsClassifier(7).fit(X, y), SkKNN(7).fit(X, y)


@pytest.mark.parametrize("max_samples", [1.0, 0.5, 0.005 * 100, 30])
@pytest.mark.parametrize("seed", [0, 7])
def test_permutation_importance_equals_sklearn(max_samples, seed):
    ours, theirs = fitted(Y_REG, regression=True)
    a = inspection.permutation_importance(
        ours, X, Y_REG, n_repeats=4, random_state=seed, max_samples=max_samples
    )
    b = si.permutation_importance(
        theirs, X, Y_REG, n_repeats=4, random_state=seed, max_samples=max_samples
    )
    np.testing.assert_allclose(a.importances, b.importances, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.importances_mean, b.importances_mean, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.importances_std, b.importances_std, rtol=1e-9, atol=1e-12)


def test_permutation_importance_multimetric_and_weights():
    ours, theirs = fitted(Y_BIN)
    w = rng.rand(70)
    scoring = ["accuracy", "roc_auc"]
    a = inspection.permutation_importance(ours, X, Y_BIN, scoring=scoring, random_state=1)
    b = si.permutation_importance(theirs, X, Y_BIN, scoring=scoring, random_state=1)
    for name in scoring:
        np.testing.assert_allclose(a[name].importances, b[name].importances)
    a = inspection.permutation_importance(ours, X, Y_BIN, sample_weight=w, random_state=2)
    b = si.permutation_importance(theirs, X, Y_BIN, sample_weight=w, random_state=2)
    np.testing.assert_allclose(a.importances, b.importances)
    with pytest.raises(ValueError, match="max_samples must be <= n_samples"):
        inspection.permutation_importance(ours, X, Y_BIN, max_samples=71)


@pytest.mark.parametrize("kind", ["average", "individual", "both"])
@pytest.mark.parametrize("features", [[0], [1, 2]])
@pytest.mark.parametrize("target", ["reg", "bin", "multi"])
def test_partial_dependence_equals_sklearn_brute(kind, features, target):
    y = {"reg": Y_REG, "bin": Y_BIN, "multi": Y_MULTI}[target]
    ours, theirs = fitted(y, regression=target == "reg")
    kwargs = {"kind": kind, "grid_resolution": 8, "percentiles": (0.1, 0.9)}
    w = rng.rand(70) if kind == "average" else None
    a = inspection.partial_dependence(ours, X, features, sample_weight=w, **kwargs)
    b = si.partial_dependence(theirs, X, features, method="brute", sample_weight=w, **kwargs)
    for grid_a, grid_b in zip(a.grid_values, b.grid_values):
        np.testing.assert_allclose(grid_a, grid_b)
    for key in ("average", "individual"):
        assert (key in a) == (key in b)
        if key in b:
            np.testing.assert_allclose(a[key], b[key], rtol=1e-10, atol=1e-12)


def test_partial_dependence_errors_and_custom_values():
    ours, theirs = fitted(Y_REG, regression=True)
    custom = {0: np.array([-1.0, 0.0, 2.0])}
    a = inspection.partial_dependence(ours, X, [0], custom_values=custom)
    b = si.partial_dependence(theirs, X, [0], custom_values=custom, method="brute")
    np.testing.assert_allclose(a.average, b.average)
    with pytest.raises(ValueError, match="contains integer data"):
        inspection.partial_dependence(ours, np.arange(12).reshape(4, 3), [0])
    with pytest.raises(ValueError, match="brute force only"):
        inspection.partial_dependence(ours, X, [0], method="recursion")


def assert_same_lines(a_axes, b_axes):
    for ax_a, ax_b in zip(np.ravel(a_axes), np.ravel(b_axes)):
        lines_a, lines_b = ax_a.get_lines(), ax_b.get_lines()
        assert len(lines_a) == len(lines_b)
        for la, lb in zip(lines_a, lines_b):
            np.testing.assert_allclose(la.get_xydata(), lb.get_xydata(), rtol=1e-9, atol=1e-12)
            assert la.get_color() == lb.get_color()
            assert la.get_linestyle() == lb.get_linestyle()
        np.testing.assert_allclose(ax_a.get_ylim(), ax_b.get_ylim())
        assert ax_a.get_xlabel() == ax_b.get_xlabel()
        assert ax_a.get_ylabel() == ax_b.get_ylabel()
        for ca, cb in zip(ax_a.collections, ax_b.collections):  # deciles and contours
            assert type(ca).__name__ == type(cb).__name__
            if hasattr(ca, "levels"):
                np.testing.assert_allclose(ca.levels, cb.levels)
            else:
                for pa, pb in zip(ca.get_segments(), cb.get_segments()):
                    np.testing.assert_allclose(pa, pb)


@pytest.mark.parametrize("kind", ["average", "individual", "both"])
@pytest.mark.parametrize("centered", [False, True])
def test_partial_dependence_display_draws_what_sklearn_draws(kind, centered):
    ours, theirs = fitted(Y_REG, regression=True)
    kwargs = {
        "kind": kind,
        "centered": centered,
        "grid_resolution": 10,
        "subsample": 15,
        "random_state": 0,
        "feature_names": ["f0", "f1", "f2"],
    }
    a = inspection.PartialDependenceDisplay.from_estimator(ours, X, [0, "f2"], **kwargs)
    b = si.PartialDependenceDisplay.from_estimator(theirs, X, [0, "f2"], method="brute", **kwargs)
    assert a.axes_.shape == b.axes_.shape
    assert a.lines_.shape == b.lines_.shape
    assert_same_lines(a.axes_, b.axes_)


def test_two_way_partial_dependence_display_and_multiclass_target():
    ours, theirs = fitted(Y_MULTI)
    kwargs = {"grid_resolution": 8, "target": "b", "n_cols": 2}
    a = inspection.PartialDependenceDisplay.from_estimator(ours, X, [0, (0, 1)], **kwargs)
    b = si.PartialDependenceDisplay.from_estimator(theirs, X, [0, (0, 1)], **kwargs)
    assert_same_lines(a.axes_, b.axes_)
    np.testing.assert_allclose(a.contours_[0, 1].levels, b.contours_[0, 1].levels)
    with pytest.raises(ValueError, match="target must be specified for multi-class"):
        inspection.PartialDependenceDisplay.from_estimator(ours, X, [0])


@pytest.mark.parametrize("method", ["auto", "predict", "predict_proba"])
@pytest.mark.parametrize("plot_method", ["contourf", "pcolormesh", "contour"])
@pytest.mark.parametrize("labels", ["bin", "multi"])
def test_decision_boundary_display_equals_sklearn(method, plot_method, labels):
    y = Y_BIN if labels == "bin" else Y_MULTI
    X2 = X[:, :2]
    ours, theirs = KNeighborsClassifier(5).fit(X2, y), SkKNN(5).fit(X2, y)
    kwargs = {"response_method": method, "plot_method": plot_method, "grid_resolution": 30}
    a = inspection.DecisionBoundaryDisplay.from_estimator(ours, X2, eps=0.5, **kwargs)
    b = si.DecisionBoundaryDisplay.from_estimator(theirs, X2, eps=0.5, **kwargs)
    np.testing.assert_allclose(a.xx0, b.xx0)
    np.testing.assert_allclose(a.xx1, b.xx1)
    np.testing.assert_allclose(a.response, b.response)
    assert a.n_classes == b.n_classes
    surfaces_a = a.surface_ if isinstance(a.surface_, list) else [a.surface_]
    surfaces_b = b.surface_ if isinstance(b.surface_, list) else [b.surface_]
    assert len(surfaces_a) == len(surfaces_b)
    for sa, sb in zip(surfaces_a, surfaces_b):
        if hasattr(sb, "levels"):
            np.testing.assert_allclose(sa.levels, sb.levels)
        else:
            np.testing.assert_allclose(sa.get_array(), sb.get_array())
        np.testing.assert_allclose(sa.cmap(np.linspace(0, 1, 5)), sb.cmap(np.linspace(0, 1, 5)))


def test_decision_boundary_display_class_of_interest_and_regressor():
    X2 = X[:, :2]
    ours, theirs = KNeighborsClassifier(5).fit(X2, Y_MULTI), SkKNN(5).fit(X2, Y_MULTI)
    kwargs = {"class_of_interest": "c", "response_method": "predict_proba", "grid_resolution": 9}
    a = inspection.DecisionBoundaryDisplay.from_estimator(ours, X2, **kwargs)
    b = si.DecisionBoundaryDisplay.from_estimator(theirs, X2, **kwargs)
    np.testing.assert_allclose(a.response, b.response)
    ours, theirs = Ridge().fit(X2, Y_REG), SkRidge().fit(X2, Y_REG)
    a = inspection.DecisionBoundaryDisplay.from_estimator(ours, X2, grid_resolution=9)
    b = si.DecisionBoundaryDisplay.from_estimator(theirs, X2, grid_resolution=9)
    np.testing.assert_allclose(a.response, b.response)
    with pytest.raises(ValueError, match="n_features must be equal to 2"):
        inspection.DecisionBoundaryDisplay.from_estimator(ours, X)


def test_categorical_partial_dependence_bars_and_heatmap():
    X_cat = np.c_[X[:, :2], rng.randint(0, 4, 70), rng.randint(0, 3, 70)].astype(float)
    y = X_cat[:, 0] + X_cat[:, 2] * X_cat[:, 3]
    ours, theirs = Ridge().fit(X_cat, y), SkRidge().fit(X_cat, y)
    for categorical in ([2, 3], [False, False, True, True]):
        a = inspection.partial_dependence(ours, X_cat, [2, 3], categorical_features=categorical)
        b = si.partial_dependence(theirs, X_cat, [2, 3], categorical_features=categorical)
        np.testing.assert_allclose(a.average, b.average)
    kwargs = {"categorical_features": [2, 3], "grid_resolution": 10}
    a = inspection.PartialDependenceDisplay.from_estimator(ours, X_cat, [0, 2, (2, 3)], **kwargs)
    b = si.PartialDependenceDisplay.from_estimator(theirs, X_cat, [0, 2, (2, 3)], **kwargs)
    assert_same_lines(a.axes_[:, :1], b.axes_[:, :1])
    bars_a, bars_b = a.axes_[0, 1].patches, b.axes_[0, 1].patches
    assert len(bars_a) == len(bars_b) == 4
    for pa, pb in zip(bars_a, bars_b):
        np.testing.assert_allclose(pa.get_xy(), pb.get_xy())
        np.testing.assert_allclose(pa.get_height(), pb.get_height())
    np.testing.assert_allclose(a.heatmaps_[0, 2].get_array(), b.heatmaps_[0, 2].get_array())
    assert [t.get_text() for t in a.axes_[0, 2].texts] == [
        t.get_text() for t in b.axes_[0, 2].texts
    ]
    with pytest.raises(ValueError, match="individual effects for categorical"):
        inspection.PartialDependenceDisplay.from_estimator(
            ours, X_cat, [2], categorical_features=[2], kind="both"
        )
