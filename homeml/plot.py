"""Pictures with matplotlib: training curves, confusion matrices, image grids, the run report."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from homeml.io import atomic_write


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)  # files, not windows: works on servers and in CI
    import matplotlib.pyplot as plt

    return plt


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts (true class, predicted class), shaped (num_classes, num_classes)."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


def plot_history(history, ax_loss, ax_acc) -> None:
    """Loss and accuracy per epoch (train and validation) on two axes."""
    epochs = history["epoch"]
    for key, style in (("train_loss", "-o"), ("val_loss", "-s")):
        if any(v is not None for v in history[key]):
            ax_loss.plot(epochs, history[key], style, label=key.replace("_", " "))
    for key, style in (("train_acc", "-o"), ("val_acc", "-s")):
        if any(v is not None for v in history[key]):
            ax_acc.plot(epochs, history[key], style, label=key.replace("_", " "))
    ax_loss.set(title="loss", xlabel="epoch")
    ax_acc.set(title="accuracy", xlabel="epoch")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()


def plot_confusion(matrix, ax, class_names=None) -> None:
    n = matrix.shape[0]
    ax.imshow(matrix, cmap="Blues")
    for i in range(n):
        for j in range(n):
            if matrix[i, j]:
                color = "white" if matrix[i, j] > matrix.max() / 2 else "black"
                # counts as integers, rates (a normalised matrix) with two decimals
                text = f"{matrix[i, j]:.2f}" if matrix.dtype.kind == "f" else str(matrix[i, j])
                ax.text(j, i, text, ha="center", va="center", fontsize=6, color=color)
    names = class_names or [str(i) for i in range(n)]
    ax.set_xticks(range(n), names, rotation=90 if class_names else 0, fontsize=7)
    ax.set_yticks(range(n), names, fontsize=7)
    ax.set(title="confusion matrix (test)", xlabel="predicted", ylabel="true")


def plot_image_grid(images, titles, fig, left, bottom, width, height, columns=8, rows=2):
    """Small grayscale images with titles, in a box of figure coordinates."""
    cell_w, cell_h = width / columns, height / rows
    for k in range(min(len(images), columns * rows)):
        r, c = divmod(k, columns)
        ax = fig.add_axes((left + c * cell_w + 0.1 * cell_w, bottom + (rows - 1 - r) * cell_h,
                           0.8 * cell_w, 0.75 * cell_h))
        ax.imshow(images[k], cmap="gray")
        ax.set_title(titles[k], fontsize=8)
        ax.axis("off")


def training_report(path, history, y_true, y_pred, images, class_names=None, title="") -> None:
    """One PNG: loss and accuracy curves, the confusion matrix, misclassified test images."""
    plt = _pyplot()
    num_classes = len(class_names) if class_names else int(max(y_true.max(), y_pred.max())) + 1
    fig = plt.figure(figsize=(13, 9), layout="constrained")
    grid = fig.add_gridspec(2, 3, height_ratios=[1, 0.8])
    plot_history(history, fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]))
    plot_confusion(
        confusion_matrix(y_true, y_pred, num_classes), fig.add_subplot(grid[0, 2]), class_names
    )
    wrong = np.flatnonzero(y_true != y_pred)[:16]
    names = class_names or [str(i) for i in range(num_classes)]
    titles = [f"{names[y_true[i]]}→{names[y_pred[i]]}" for i in wrong]
    fig.text(0.05, 0.37, f"misclassified test images (true→predicted), first {len(wrong)}")
    plot_image_grid(images[wrong], titles, fig, 0.04, 0.01, 0.92, 0.35)
    fig.suptitle(title or "training report")
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", dpi=110)
    finally:
        plt.close(fig)
    # render in memory, then write atomically: a failure never leaves a half-written report
    atomic_write(path, [buffer.getvalue()])


# -- homeml.learn figures ----------------------------------------------------------------------


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
    ax.contourf(grid_x, grid_y, codes, alpha=0.3, levels=np.arange(len(classes) + 1) - 0.5,
                **colours)
    if y is None:
        ax.scatter(X[:, 0], X[:, 1], c="black", s=20)
    else:
        ax.scatter(X[:, 0], X[:, 1], c=np.searchsorted(classes, np.asarray(y)), edgecolor="k",
                   s=20, **colours)
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
            raise ValueError(f"Without y_pred, y_true must be a square confusion matrix; got "
                             f"shape {matrix.shape}.")
    else:
        from homeml.learn.metrics import confusion_matrix as learn_confusion_matrix

        matrix = learn_confusion_matrix(y_true, y_pred, labels=labels)
        if labels is None:
            labels = np.union1d(np.asarray(y_true), np.asarray(y_pred))
    names = [str(label) for label in labels] if labels is not None else None
    plot_confusion(matrix, ax, names)
    ax.set_title("confusion matrix")
    return ax


def plot_roc_curve(y_true, y_score, ax=None, pos_label=None):
    """The ROC curve with its area in the legend, and the chance diagonal. Returns the Axes."""
    from homeml.learn.metrics import auc, roc_curve

    ax = _axes(ax)
    fpr, tpr, _ = roc_curve(y_true, y_score, pos_label=pos_label)
    ax.plot(fpr, tpr, label=f"ROC curve (AUC = {auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], "--", color="gray", label="chance")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC curve",
           xlim=(0, 1), ylim=(0, 1.01))
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
            raise ValueError(f"{name} must have shape (n_ticks, n_splits) with n_ticks = "
                             f"len(train_sizes) = {len(train_sizes)}; got {scores.shape}.")
        mean, std = scores.mean(axis=1), scores.std(axis=1)
        (line,) = ax.plot(train_sizes, mean, "-o", label=label)
        ax.fill_between(train_sizes, mean - std, mean + std, alpha=0.2, color=line.get_color())
    ax.set(xlabel="training examples", ylabel="score", title="learning curve")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return ax


def plot_tree(decision_tree, **kwargs):
    """Draw a fitted decision tree; see :func:`homeml.learn.tree.plot_tree` for the options."""
    from homeml.learn.tree import plot_tree as draw  # imported on use: keeps `homeml.plot` light

    return draw(decision_tree, **kwargs)
