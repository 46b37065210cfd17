"""The report of a text-classification run: confusion matrix, ROC curve, the most telling
features (linear models) or the training curves (networks), and misclassified texts.
"""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from homeml.io import atomic_write
from homeml.plot._supervised import plot_confusion_matrix, plot_roc_curve
from homeml.plot._training import _pyplot


def plot_text_classification_report(
    y_true,
    proba,
    class_names: Sequence[str],
    path: str | os.PathLike,
    mistakes: Sequence[str] = (),
    features: tuple[list, list] | None = None,
    history=None,
    title: str = "text classifier",
) -> Path:
    """Write a four-panel report figure.

    Parameters
    ----------
    y_true : array-like of int
        The test labels (indices into ``class_names``).
    proba : array-like, (n, classes)
        The predicted class probabilities.
    class_names : sequence of str
    path : path
        The image file, written atomically.
    mistakes : sequence of str
        Misclassified texts, one line each, shown wrapped.
    features : (negative, positive), optional
        Lists of (feature, weight) pulling toward class 0 and class 1 (a bar chart).
    history : TrainingHistory or list of dict, optional
        Epoch rows with ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc`` (shown when
        there are no features).
    title : str

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    y_true, proba = np.asarray(y_true), np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or len(proba) != len(y_true) or not len(y_true):
        raise ValueError(
            f"expected probabilities (n, classes) for n = {len(y_true)} labels, got shape "
            f"{proba.shape}"
        )
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(14, 10))
    try:
        names = list(class_names)
        pred = proba.argmax(axis=1)
        plot_confusion_matrix(
            np.array(names)[y_true], np.array(names)[pred], labels=names, ax=axes[0, 0]
        )
        axes[0, 0].set_title("confusion matrix (test)")
        if proba.shape[1] == 2 and len(set(y_true.tolist())) == 2:
            plot_roc_curve(y_true, proba[:, 1], ax=axes[0, 1])
        else:
            axes[0, 1].axis("off")
        _features_or_history(axes[1, 0], features, history, names)
        ax = axes[1, 1]
        ax.axis("off")
        ax.set_title(f"misclassified ({len(mistakes)} shown)")
        wrapped = "\n".join(textwrap.shorten(m, 150) for m in mistakes) or "(none)"
        wrapped = "\n".join(textwrap.fill(_printable(line), 70) for line in wrapped.splitlines())
        ax.text(0, 1, wrapped, va="top", ha="left", fontsize=7, transform=ax.transAxes)
        fig.suptitle(title)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", dpi=100)
    finally:
        plt.close(fig)
    atomic_write(path, [buffer.getvalue()])
    return Path(path)


def _features_or_history(ax, features, history, names) -> None:
    if features is not None:
        negative, positive = features
        items = list(negative)[::-1] + list(positive)[::-1]
        # quoted, spaces shown: char n-grams differ by their edges (" i" and "i ")
        labels = [f"'{_printable(name)}'".replace(" ", "\u00b7") for name, _ in items]
        weights = [weight for _, weight in items]
        colors = ["tab:blue" if w < 0 else "tab:red" for w in weights]
        ax.barh(range(len(items)), weights, color=colors)
        ax.set_yticks(range(len(items)), labels, fontsize=7)
        ax.set(title=f"most telling features (left: {names[0]}, right: {names[1]})")
        ax.axvline(0, color="gray", lw=0.8)
        return
    rows = list(getattr(history, "rows", history or []))
    if not rows:
        ax.axis("off")
        return
    epochs = [row.get("epoch", i + 1) for i, row in enumerate(rows)]
    for key, style in (
        ("train_loss", "-o"),
        ("val_loss", "-o"),
        ("train_acc", "-s"),
        ("val_acc", "-s"),
    ):
        if any(key in row for row in rows):
            ax.plot(epochs, [row.get(key) for row in rows], style, ms=3, label=key)
    ax.set(title="training", xlabel="epoch")
    ax.grid(alpha=0.3)
    ax.legend()


def _printable(text: str) -> str:
    """``text`` as matplotlib can draw it: control characters as "?", dollars not mathtext."""
    return "".join(c if c.isprintable() else "?" for c in text).replace("$", r"\$")
