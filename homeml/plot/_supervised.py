"""Figures for supervised homeml.learn models: decision regions, confusion matrix, ROC and
learning curves (trees: :mod:`homeml.plot._tree`).
"""

from __future__ import annotations

import numpy as np

from homeml.plot._training import _draw_confusion_matrix, _pyplot


def _axes(ax):
    if ax is None:
        _, ax = _pyplot().subplots()
    return ax


def plot_decision_boundary(estimator, X, y=None, ax=None, resolution: int = 200):
    """Regions of ``estimator.predict`` over the plane of 2-feature ``X``, with its points.

    Parameters
    ----------
    estimator : fitted classifier
        Predicts on a ``resolution`` x ``resolution`` grid covering ``X`` (plus a 5% margin).
    X : array-like or DataFrame of shape (n_samples, 2)
    y : array-like of shape (n_samples,) or None
        Colours each point like the region of its class; without it the points are black.
    ax : matplotlib Axes or None
    resolution : int

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    columns = getattr(X, "columns", None)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs X with 2 features; got shape {X.shape}.")
    pad = 0.05 * (X.max(axis=0) - X.min(axis=0) + 1e-12)
    xs = np.linspace(X[:, 0].min() - pad[0], X[:, 0].max() + pad[0], resolution)
    ys = np.linspace(X[:, 1].min() - pad[1], X[:, 1].max() + pad[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.c_[grid_x.ravel(), grid_y.ravel()]
    if columns is not None:  # an estimator fitted on a DataFrame expects its column names
        import pandas as pd

        grid = pd.DataFrame(grid, columns=columns)
    predicted = np.asarray(estimator.predict(grid))
    # one class numbering for regions and points, so a point has the colour of its class' region
    classes = getattr(estimator, "classes_", None)
    if classes is None:
        classes = np.unique(predicted)
    if y is not None:
        classes = np.union1d(classes, np.asarray(y))
    classes = np.asarray(classes)
    colours = dict(cmap="viridis", vmin=0, vmax=max(len(classes) - 1, 1))
    codes = np.searchsorted(classes, predicted).reshape(grid_x.shape)
    ax.contourf(
        grid_x, grid_y, codes, alpha=0.3, levels=np.arange(len(classes) + 1) - 0.5, **colours
    )
    if y is None:
        ax.scatter(X[:, 0], X[:, 1], c="black", s=20)
    else:
        ax.scatter(
            X[:, 0],
            X[:, 1],
            c=np.searchsorted(classes, np.asarray(y)),
            edgecolor="k",
            s=20,
            **colours,
        )
    names = [str(c) for c in columns] if columns is not None else ["feature 0", "feature 1"]
    ax.set(xlabel=names[0], ylabel=names[1], title="decision boundary")
    return ax


def plot_confusion_matrix(y_true, y_pred=None, labels=None, ax=None):
    """A confusion matrix as an image with its values written in the cells.

    Parameters
    ----------
    y_true : array-like
        The true labels, or (without ``y_pred``) a square confusion matrix already computed
        (counts, or rates from ``confusion_matrix(..., normalize=...)``).
    y_pred : array-like or None
        The predicted labels.
    labels : list or None
        Class order (and subset) of the rows and columns; also the tick labels.
    ax : matplotlib Axes or None

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    if y_pred is None:
        matrix = np.asarray(y_true)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(
                f"Without y_pred, y_true must be a square confusion matrix; got "
                f"shape {matrix.shape}."
            )
    else:
        from homeml.learn.metrics import confusion_matrix as learn_confusion_matrix

        matrix = learn_confusion_matrix(y_true, y_pred, labels=labels)
        if labels is None:
            labels = np.union1d(np.asarray(y_true), np.asarray(y_pred))
    names = [str(label) for label in labels] if labels is not None else None
    _draw_confusion_matrix(matrix, ax, names)
    ax.set_title("confusion matrix")
    return ax


def plot_roc_curve(y_true, y_score, ax=None, pos_label=None):
    """The ROC curve with its area in the legend, and the chance diagonal. Returns the Axes."""
    from homeml.learn.metrics import auc, roc_curve

    ax = _axes(ax)
    fpr, tpr, _ = roc_curve(y_true, y_score, pos_label=pos_label)
    ax.plot(fpr, tpr, label=f"ROC curve (AUC = {auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], "--", color="gray", label="chance")
    ax.set(
        xlabel="false positive rate",
        ylabel="true positive rate",
        title="ROC curve",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    ax.legend(loc="lower right")
    return ax


def plot_learning_curve(train_sizes, train_scores, test_scores, ax=None):
    """Mean train and validation scores against training-set size, +/- one std band.

    Takes the output of ``homeml.learn.model_selection.learning_curve``. Returns the Axes.
    """
    ax = _axes(ax)
    train_sizes = np.asarray(train_sizes)
    for scores, label in ((train_scores, "training score"), (test_scores, "validation score")):
        scores = np.asarray(scores, dtype=np.float64)
        if scores.ndim != 2 or len(scores) != len(train_sizes):
            name = "train_scores" if label == "training score" else "test_scores"
            raise ValueError(
                f"{name} must have shape (n_ticks, n_splits) with n_ticks = "
                f"len(train_sizes) = {len(train_sizes)}; got {scores.shape}."
            )
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        (line,) = ax.plot(train_sizes, mean, "-o", label=label)
        ax.fill_between(train_sizes, mean - std, mean + std, alpha=0.2, color=line.get_color())
    ax.set(xlabel="training examples", ylabel="score", title="learning curve")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return ax
