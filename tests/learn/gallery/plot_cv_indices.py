"""Visualizing cross-validation behavior: the train/test indices of each splitter drawn as
coloured rows (scikit-learn's gallery example)."""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    ShuffleSplit,
    StratifiedGroupKFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
    TimeSeriesSplit,
)


def plot_cv_indices(cv, X, y, group, ax, n_splits, lw=10):
    """Create a sample plot for indices of a cross-validation object."""
    rows = []
    for ii, (tr, tt) in enumerate(cv.split(X=X, y=y, groups=group)):
        indices = np.array([np.nan] * len(X))
        indices[tt] = 1
        indices[tr] = 0
        ax.scatter(
            range(len(indices)),
            [ii + 0.5] * len(indices),
            c=indices,
            marker="_",
            lw=lw,
            cmap=plt.cm.coolwarm,
            vmin=-0.2,
            vmax=1.2,
        )
        rows.append(indices)
    ax.scatter(range(len(X)), [ii + 1.5] * len(X), c=y, marker="_", lw=lw, cmap=plt.cm.Paired)
    ax.scatter(range(len(X)), [ii + 2.5] * len(X), c=group, marker="_", lw=lw, cmap=plt.cm.Paired)
    ax.set(
        yticks=np.arange(n_splits + 2) + 0.5,
        yticklabels=list(range(n_splits)) + ["class", "group"],
        xlabel="Sample index",
        ylabel="CV iteration",
        ylim=[n_splits + 2.2, -0.2],
        xlim=[0, 100],
    )
    ax.set_title(f"{type(cv).__name__}", fontsize=15)
    return np.array(rows)


def main():
    rng = np.random.RandomState(1338)
    n_splits = 4
    X = rng.randn(100, 10)
    percentiles_classes = [0.1, 0.3, 0.6]
    y = np.hstack([[ii] * int(100 * perc) for ii, perc in enumerate(percentiles_classes)])
    group_prior = rng.dirichlet([2] * 10)
    groups = np.repeat(np.arange(10), rng.multinomial(100, group_prior))
    cvs = [
        KFold(n_splits),
        GroupKFold(n_splits),
        ShuffleSplit(n_splits, test_size=0.25, random_state=0),
        StratifiedKFold(n_splits, shuffle=True, random_state=2),
        StratifiedGroupKFold(n_splits),
        GroupShuffleSplit(n_splits, random_state=3),
        StratifiedShuffleSplit(n_splits, random_state=4),
        TimeSeriesSplit(n_splits),
    ]
    results = {}
    for cv in cvs:
        fig, ax = plt.subplots(figsize=(6, 3))
        rows = plot_cv_indices(cv, X, y, groups, ax, n_splits)
        results[type(cv).__name__] = rows
        print(type(cv).__name__, "test sizes:", np.nansum(rows, axis=1).astype(int))
    return results
