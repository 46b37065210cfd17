"""The report of a recommender run: per-fold errors, learning curve, rating distribution."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from homeml.io import atomic_write
from homeml.plot._training import _pyplot


def plot_recommender_report(
    folds: list[dict],
    learning_curve: list[dict],
    ratings,
    path: str | os.PathLike,
    predicted=None,
    title: str = "recommender",
) -> Path:
    """Write a recommender run's ``report.png``.

    Parameters
    ----------
    folds : list of dict
        One dict of metrics per cross-validation fold (``rmse``/``mae``, or ``precision``,
        ``ndcg``, ... for implicit feedback): one group of bars per metric.
    learning_curve : list of dict
        Rows with ``fraction`` (of the training ratings used) and ``train``/``test`` values of
        the run's main metric, named by ``metric``.
    ratings : array-like
        Every rating of the data set, for the distribution panel.
    predicted : array-like, optional
        Predicted ratings of the first fold's test set, drawn over the true distribution.
    path : path
        The image file, written atomically.
    title : str

    Returns
    -------
    pathlib.Path
    """
    if not folds:
        raise ValueError("no fold metrics: nothing to plot")
    plt = _pyplot()
    fig, (ax_folds, ax_curve, ax_dist) = plt.subplots(1, 3, figsize=(16, 4.8))
    try:
        names = [k for k in folds[0] if isinstance(folds[0][k], (int, float))]
        width = 0.8 / len(folds)
        for f, fold in enumerate(folds):
            ax_folds.bar(np.arange(len(names)) + f * width, [fold[n] for n in names], width,
                         label=f"fold {f + 1}")  # fmt: skip
        ax_folds.set_xticks(np.arange(len(names)) + 0.4 - width / 2, names)
        ax_folds.set(title="cross-validation, per fold")
        ax_folds.grid(alpha=0.3, axis="y")
        ax_folds.legend(fontsize=7)
        if learning_curve:
            metric = learning_curve[0].get("metric", "")
            fractions = [row["fraction"] for row in learning_curve]
            for key, style in (("train", "-o"), ("test", "-s")):
                ax_curve.plot(fractions, [row[key] for row in learning_curve], style, label=key)
            ax_curve.set(title="learning curve (fold 1)", xlabel="fraction of the training set",
                         ylabel=metric)  # fmt: skip
            ax_curve.grid(alpha=0.3)
            ax_curve.legend()
        values = np.asarray(ratings, dtype=np.float64)
        bins = np.arange(np.floor(values.min()) - 0.25, np.ceil(values.max()) + 0.5, 0.5)
        ax_dist.hist(values, bins=bins, alpha=0.6, density=True, label="ratings")
        if predicted is not None and len(predicted):
            ax_dist.hist(np.asarray(predicted, dtype=np.float64), bins=40, alpha=0.6,
                         density=True, label="predicted (fold 1)")  # fmt: skip
        ax_dist.set(title="rating distribution", xlabel="rating", ylabel="density")
        ax_dist.legend()
        fig.suptitle(title)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", dpi=100)
    finally:
        plt.close(fig)
    atomic_write(path, [buffer.getvalue()])
    return Path(path)
