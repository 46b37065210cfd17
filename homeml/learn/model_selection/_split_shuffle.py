"""Random train/test subsets, drawn afresh for each split: scikit-learn's draws, index for index.

``ShuffleSplit`` permutes the samples, ``GroupShuffleSplit`` the groups, and
``StratifiedShuffleSplit`` draws each class's share (the approximate mode of the multivariate
hypergeometric, ties broken at random) before permuting within the classes. The random stream is
consumed in the same order as scikit-learn's, so the same ``random_state`` gives the same splits.
"""

from __future__ import annotations

import numbers

import numpy as np

from homeml.learn.base import _num_samples, check_consistent_length, check_random_state
from homeml.learn.model_selection._split import (
    Splitter,
    _split_sizes,
    groups_array,
    warn_ignored_groups,
)


def approximate_mode(class_counts, n_draws: int, rng) -> np.ndarray:
    """How many of ``n_draws`` samples each class gets: its floored share, then the largest
    remainders (ties drawn at random from ``rng``) until the total is ``n_draws``."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need_to_add = int(n_draws - floored.sum())
    if need_to_add > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (candidates,) = np.where(remainder == value)
            add_now = min(len(candidates), need_to_add)
            floored[rng.choice(candidates, size=add_now, replace=False)] += 1
            need_to_add -= add_now
            if need_to_add == 0:
                break
    return floored.astype(int)


class _BaseShuffleSplit(Splitter):
    _default_test_size = 0.1

    def __init__(self, n_splits=10, *, test_size=None, train_size=None, random_state=None):
        if not isinstance(n_splits, numbers.Integral) or n_splits < 1:
            raise ValueError(f"n_splits must be a positive integer; got {n_splits!r}.")
        self.n_splits = n_splits
        self.test_size = test_size
        self.train_size = train_size
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """The number of re-shuffling and splitting iterations (inputs are ignored).

        Returns
        -------
        int
        """
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Yield ``(train_indices, test_indices)`` for each of the ``n_splits`` draws.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples (only their number is used).
        y : array-like of shape (n_samples,), default=None
            The target (class labels for ``StratifiedShuffleSplit``).
        groups : array-like of shape (n_samples,), default=None
            Group labels (``GroupShuffleSplit``; the others warn that they ignore it).

        Yields
        ------
        train, test : ndarray of int
            Indices of the training and test samples of that draw.
        """
        check_consistent_length(X, y, groups)
        yield from self._iter_indices(_num_samples(X), y, groups)

    def _sizes(self, n_samples):
        return _split_sizes(
            n_samples, self.test_size, self.train_size, default_test_size=self._default_test_size
        )

    def _permutations(self, n_samples):
        n_train, n_test = self._sizes(n_samples)
        rng = check_random_state(self.random_state)
        for _ in range(self.n_splits):
            permutation = rng.permutation(n_samples)
            yield permutation[n_test : n_test + n_train], permutation[:n_test]


class ShuffleSplit(_BaseShuffleSplit):
    """Random permutation cross-validator: ``n_splits`` independent random train/test subsets.

    Parameters
    ----------
    n_splits : int, default=10
        Number of re-shuffling and splitting iterations.
    test_size : float in (0, 1), int or None, default=None
        Fraction (rounded up) or number of test samples; 0.1 when both sizes are None, else the
        complement of ``train_size``.
    train_size : float in (0, 1), int or None, default=None
        Fraction (rounded down) or number of training samples; by default the complement of
        ``test_size``.
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations.

    Examples
    --------
    >>> import numpy as np
    >>> from homeml.learn.model_selection import ShuffleSplit
    >>> cv = ShuffleSplit(n_splits=3, test_size=0.25, random_state=0)
    >>> [len(test) for _, test in cv.split(np.zeros(8))]
    [2, 2, 2]
    """

    def _iter_indices(self, n_samples, y, groups):
        warn_ignored_groups(self, groups)
        yield from self._permutations(n_samples)


class GroupShuffleSplit(_BaseShuffleSplit):
    """Random train/test subsets of whole groups: sizes count groups, not samples.

    Parameters
    ----------
    n_splits : int, default=5
        Number of re-shuffling and splitting iterations.
    test_size : float in (0, 1), int or None, default=None
        Fraction (rounded up) or number of test groups; 0.2 when both sizes are None.
    train_size : float in (0, 1), int or None, default=None
        Fraction (rounded down) or number of training groups.
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations of the groups.
    """

    _default_test_size = 0.2

    def __init__(self, n_splits=5, *, test_size=None, train_size=None, random_state=None):
        super().__init__(
            n_splits, test_size=test_size, train_size=train_size, random_state=random_state
        )

    def _iter_indices(self, n_samples, y, groups):
        groups = groups_array(groups, n_samples)
        classes, group_indices = np.unique(groups, return_inverse=True)
        group_indices = group_indices.ravel()
        for group_train, group_test in self._permutations(len(classes)):
            yield (
                np.flatnonzero(np.isin(group_indices, group_train)),
                np.flatnonzero(np.isin(group_indices, group_test)),
            )


class StratifiedShuffleSplit(_BaseShuffleSplit):
    """Random train/test subsets that keep each class's share of the samples.

    Parameters
    ----------
    n_splits : int, default=10
        Number of re-shuffling and splitting iterations.
    test_size : float in (0, 1), int or None, default=None
        Fraction (rounded up) or number of test samples; 0.1 when both sizes are None.
    train_size : float in (0, 1), int or None, default=None
        Fraction (rounded down) or number of training samples.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws.
    """

    def split(self, X, y, groups=None):
        """Yield ``(train_indices, test_indices)`` for each draw, stratified on ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples (only their number is used).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels; rows of a 2-D ``y`` are joint labels.
        groups : None
            Ignored (with a warning).

        Yields
        ------
        train, test : ndarray of int
            Indices of the training and test samples of that draw.
        """
        warn_ignored_groups(self, groups)
        if y is None:
            raise ValueError("StratifiedShuffleSplit needs y (the class labels) to stratify.")
        yield from super().split(X, y)

    def _iter_indices(self, n_samples, y, groups):
        n_train, n_test = self._sizes(n_samples)
        y = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
        if y.ndim == 2:  # multi-output: stratify on the rows as joint labels
            y = np.array([" ".join(row.astype("str")) for row in y])
        classes, y_indices, class_counts = np.unique(y, return_inverse=True, return_counts=True)
        n_classes = len(classes)
        if class_counts.min() < 2:
            raise ValueError(
                "The least populated classes in y have only 1 member, which is too few. "
                "The minimum number of groups for any class cannot be less than 2. Classes "
                f"with too few members are: {classes[class_counts < 2].tolist()}"
            )
        for size, name in ((n_train, "train_size"), (n_test, "test_size")):
            if size < n_classes:
                raise ValueError(
                    f"The {name} = {size} should be greater or equal to the number of "
                    f"classes = {n_classes}"
                )
        class_indices = np.split(
            np.argsort(y_indices.ravel(), kind="stable"), np.cumsum(class_counts)[:-1]
        )
        rng = check_random_state(self.random_state)
        for _ in range(self.n_splits):
            n_i = approximate_mode(class_counts, n_train, rng)
            t_i = approximate_mode(class_counts - n_i, n_test, rng)
            train, test = [], []
            for i in range(n_classes):
                members = class_indices[i].take(rng.permutation(class_counts[i]), mode="clip")
                train.extend(members[: n_i[i]])
                test.extend(members[n_i[i] : n_i[i] + t_i[i]])
            yield rng.permutation(train), rng.permutation(test)


def stratified_train_test(y, n_train: int, n_test: int, random_state):
    """``train_test_split``'s stratified indices: the first draw of a StratifiedShuffleSplit."""
    cv = StratifiedShuffleSplit(1, test_size=n_test, train_size=n_train, random_state=random_state)
    return next(cv.split(np.zeros((n_train + n_test, 1)), y))
