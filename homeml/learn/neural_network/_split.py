"""The held-out split of early stopping, drawn as scikit-learn's ``train_test_split`` draws it
(``ShuffleSplit``, or ``StratifiedShuffleSplit`` for single-output classifiers), so that the same
``random_state`` holds out the same samples."""

from __future__ import annotations

import math

import numpy as np


def _approximate_mode(class_counts, n_draws, rng):
    """Per-class counts summing to ``n_draws`` in proportion to ``class_counts``: the floors,
    plus one for the largest remainders (ties broken at random)."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need = int(n_draws - floored.sum())
    if need > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (tied,) = np.where(remainder == value)
            take = min(len(tied), need)
            floored[rng.choice(tied, size=take, replace=False)] += 1
            need -= take
            if need == 0:
                break
    return floored.astype(int)


def validation_indices(y, test_fraction, rng, stratify):
    """(train, test) row indices; ``y`` is the encoded target (rows are joined into one label
    when stratifying on several columns)."""
    n_samples = len(y)
    n_test = math.ceil(test_fraction * n_samples)
    n_train = n_samples - n_test
    if not stratify:
        order = rng.permutation(n_samples)
        return order[n_test : n_test + n_train], order[:n_test]
    labels = np.asarray(y)
    if labels.ndim == 2:
        labels = np.array([" ".join(row.astype("str")) for row in labels])
    classes, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        raise ValueError(
            "The least populated classes in y have only 1 member, which is too few for a "
            "stratified validation split; classes with too few members: "
            f"{classes[counts < 2].tolist()}"
        )
    if n_train < len(classes) or n_test < len(classes):
        raise ValueError(
            f"The validation split has {n_train} training and {n_test} held-out samples; both "
            f"must be at least the number of classes ({len(classes)})."
        )
    members = np.split(np.argsort(codes.ravel(), kind="stable"), np.cumsum(counts)[:-1])
    n_train_of = _approximate_mode(counts, n_train, rng)
    n_test_of = _approximate_mode(counts - n_train_of, n_test, rng)
    train, test = [], []
    for i in range(len(classes)):
        rows = members[i].take(rng.permutation(counts[i]), mode="clip")
        train.extend(rows[: n_train_of[i]])
        test.extend(rows[n_train_of[i] : n_train_of[i] + n_test_of[i]])
    return rng.permutation(train), rng.permutation(test)
