"""The training report: loss/accuracy curves, confusion matrix, misclassified images, one PNG."""

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


def plot_history(history, ax_loss, ax_acc, loss_label="loss", test_loss=None) -> None:
    """Loss and accuracy per epoch (train and validation) on two axes.

    ``loss_label`` names what the training loss is (e.g. "loss with label smoothing 0.05"), so
    it is not mistaken for the plain cross-entropy; ``test_loss``, the plain loss on the test
    set after training, is drawn as a horizontal line when given.
    """
    from matplotlib.ticker import MaxNLocator

    epochs = history["epoch"]
    for key, style in (("train_loss", "-o"), ("val_loss", "-s")):
        if any(v is not None for v in history[key]):
            ax_loss.plot(epochs, history[key], style, label=key.replace("_", " "))
    if test_loss is not None:
        ax_loss.axhline(test_loss, color="gray", ls="--", label="test loss (plain cross-entropy)")
    for key, style in (("train_acc", "-o"), ("val_acc", "-s")):
        if any(v is not None for v in history[key]):
            ax_acc.plot(epochs, history[key], style, label=key.replace("_", " "))
    ax_loss.set(title=loss_label, xlabel="epoch")
    ax_acc.set(title="accuracy", xlabel="epoch")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        ax.grid(alpha=0.3)
        ax.legend()


def _draw_confusion_matrix(matrix, ax, class_names=None) -> None:
    """Draw a computed confusion matrix (counts or rates) on ``ax``, values in the cells."""
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
        ax = fig.add_axes(
            (
                left + c * cell_w + 0.1 * cell_w,
                bottom + (rows - 1 - r) * cell_h,
                0.8 * cell_w,
                0.75 * cell_h,
            )
        )
        ax.imshow(images[k], cmap="gray")
        ax.set_title(titles[k], fontsize=8)
        ax.axis("off")


def training_report(
    path,
    history,
    y_true,
    y_pred,
    images,
    class_names=None,
    title="",
    loss_label="loss",
    test_loss=None,
) -> None:
    """One PNG: loss and accuracy curves, the confusion matrix, misclassified test images.

    ``loss_label`` and ``test_loss`` go to :func:`plot_history`.
    """
    plt = _pyplot()
    num_classes = len(class_names) if class_names else int(max(y_true.max(), y_pred.max())) + 1
    fig = plt.figure(figsize=(13, 9), layout="constrained")
    grid = fig.add_gridspec(2, 3, height_ratios=[1, 0.8])
    plot_history(
        history, fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), loss_label, test_loss
    )
    from homeml.learn.metrics import confusion_matrix  # on use: keeps `homeml.plot` light

    matrix = confusion_matrix(y_true, y_pred, labels=np.arange(num_classes))
    _draw_confusion_matrix(matrix, fig.add_subplot(grid[0, 2]), class_names)
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
