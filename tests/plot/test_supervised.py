"""The homeml.learn figures of homeml.plot: what each one draws, checked on the Axes."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from homeml import plot  # noqa: E402
from homeml.learn import LogisticRegression, metrics  # noqa: E402
from homeml.learn.model_selection import learning_curve  # noqa: E402

sklearn_metrics = pytest.importorskip("sklearn.metrics")
from sklearn.datasets import load_iris, make_blobs  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_roc_curve_draws_the_curve_of_roc_curve_and_the_diagonal():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 200)
    score = y + rng.normal(0, 0.8, 200)
    ax = plot.plot_roc_curve(y, score)
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 2  # the curve and the chance diagonal
    fpr, tpr, _ = metrics.roc_curve(y, score)
    sk_fpr, sk_tpr, _ = sklearn_metrics.roc_curve(y, score)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), sk_fpr)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), sk_tpr)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), fpr)
    np.testing.assert_array_equal(ax.lines[1].get_xydata(), [[0, 0], [1, 1]])
    auc = sklearn_metrics.roc_auc_score(y, score)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == f"ROC curve (AUC = {auc:.3f})"
    assert ax.get_xlabel() == "false positive rate" and ax.get_ylabel() == "true positive rate"


def test_roc_curve_with_string_labels_and_a_given_axes():
    y = np.array(["no", "yes", "no", "yes", "yes", "no"])
    score = np.array([0.1, 0.9, 0.4, 0.35, 0.8, 0.2])
    _, ax = plt.subplots()
    assert plot.plot_roc_curve(y, score, ax=ax, pos_label="yes") is ax
    fpr, tpr, _ = sklearn_metrics.roc_curve(y, score, pos_label="yes")
    np.testing.assert_allclose(ax.lines[0].get_ydata(), tpr)
    with pytest.raises(ValueError):
        plot.plot_roc_curve(y, score)  # string labels need pos_label, as in scikit-learn


def test_confusion_matrix_image_values_and_tick_labels():
    y_true = ["cat", "dog", "dog", "bird", "cat", "dog", "bird"]
    y_pred = ["cat", "dog", "cat", "bird", "cat", "bird", "bird"]
    ax = plot.plot_confusion_matrix(y_true, y_pred)
    assert isinstance(ax, Axes)
    expected = sklearn_metrics.confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["bird", "cat", "dog"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["bird", "cat", "dog"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(str(v) for v in expected[expected > 0])
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    # with labels: that order (and a subset)
    ax = plot.plot_confusion_matrix(y_true, y_pred, labels=["dog", "cat"])
    np.testing.assert_array_equal(
        ax.images[0].get_array(),
        sklearn_metrics.confusion_matrix(y_true, y_pred, labels=["dog", "cat"]),
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == ["dog", "cat"]


def test_confusion_matrix_from_a_matrix_and_normalized_values():
    matrix = np.array([[5, 1], [2, 7]])
    ax = plot.plot_confusion_matrix(matrix)
    np.testing.assert_array_equal(ax.images[0].get_array(), matrix)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1"]
    rates = matrix / matrix.sum(axis=1, keepdims=True)
    ax = plot.plot_confusion_matrix(rates, labels=["neg", "pos"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["neg", "pos"]
    assert sorted(t.get_text() for t in ax.texts) == ["0.17", "0.22", "0.78", "0.83"]
    with pytest.raises(ValueError, match="square"):
        plot.plot_confusion_matrix(np.ones((2, 3)))


def test_decision_boundary_draws_regions_and_every_point():
    X, y = make_blobs(90, centers=3, random_state=0)
    model = LogisticRegression().fit(X, y)
    ax = plot.plot_decision_boundary(model, X, y, resolution=50)
    assert isinstance(ax, Axes)
    contours = [c for c in ax.collections if isinstance(c, matplotlib.contour.ContourSet)]
    assert len(contours) == 1
    assert len(contours[0].levels) == 4  # boundaries around the 3 predicted classes
    points = [c for c in ax.collections if isinstance(c, matplotlib.collections.PathCollection)]
    assert len(points) == 1
    np.testing.assert_allclose(points[0].get_offsets(), X)
    # one filled region per predicted class, each non-empty
    assert all(len(path.vertices) > 0 for path in contours[0].get_paths())
    assert len(contours[0].get_paths()) == 3


def test_decision_boundary_colours_points_by_class_like_the_regions():
    X, y = make_blobs(60, centers=2, random_state=1)
    labels = np.where(y == 1, "spam", "ham")
    model = LogisticRegression().fit(X, labels)
    ax = plot.plot_decision_boundary(model, X, labels, resolution=30)
    points = [c for c in ax.collections if isinstance(c, matplotlib.collections.PathCollection)]
    regions = [c for c in ax.collections if isinstance(c, matplotlib.contour.ContourSet)][0]
    ax.figure.canvas.draw()
    colours = points[0].get_facecolors()[:, :3]
    # the points of one class share a colour, different from the other class's ...
    ham, spam = colours[labels == "ham"], colours[labels == "spam"]
    assert np.allclose(ham, ham[0]) and np.allclose(spam, spam[0])
    assert not np.allclose(ham[0], spam[0])
    # ... and the colour of its region (class "ham" is code 0, "spam" code 1)
    np.testing.assert_array_equal(points[0].get_array(), (labels == "spam").astype(int))
    assert points[0].norm.vmin == regions.norm.vmin and points[0].norm.vmax == regions.norm.vmax
    assert points[0].cmap.name == regions.cmap.name
    # without y, the points are drawn in one colour
    ax = plot.plot_decision_boundary(model, X, resolution=30)
    points = [c for c in ax.collections if isinstance(c, matplotlib.collections.PathCollection)]
    assert len(points) == 1 and len(points[0].get_offsets()) == 60
    with pytest.raises(ValueError, match="2 features"):
        plot.plot_decision_boundary(model, np.ones((5, 3)))


def test_learning_curve_draws_train_and_validation_means():
    X, y = load_iris(return_X_y=True)
    sizes, train, test = learning_curve(
        LogisticRegression(max_iter=500),
        X,
        y,
        cv=3,
        train_sizes=[0.3, 0.6, 1.0],
        shuffle=True,
        random_state=0,
    )
    ax = plot.plot_learning_curve(sizes, train, test)
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), sizes)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), train.mean(axis=1))
    np.testing.assert_allclose(ax.lines[1].get_ydata(), test.mean(axis=1))
    assert len(ax.collections) == 2  # the +/- one std bands
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "training score",
        "validation score",
    ]
    with pytest.raises(ValueError, match="train_scores"):
        plot.plot_learning_curve(sizes, train[:2], test)


def test_figures_save_to_png(tmp_path):
    ax = plot.plot_confusion_matrix([0, 1, 1], [0, 1, 0])
    path = tmp_path / "cm.png"
    ax.figure.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
