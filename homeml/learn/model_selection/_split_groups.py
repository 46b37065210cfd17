"""Splitters that keep each group of samples on one side: scikit-learn's splits, index for index.

``GroupKFold`` and ``StratifiedGroupKFold`` deal whole groups to folds; ``LeaveOneGroupOut`` and
``LeavePGroupsOut`` test on every group (or every set of ``n_groups`` groups) in turn.
``GroupShuffleSplit`` is in ``_split_shuffle.py`` with the other random splitters.
"""

from __future__ import annotations

import itertools
import math
import numbers
import warnings

import numpy as np

from homeml.learn.base import check_random_state, type_of_target
from homeml.learn.model_selection._split import MaskSplitter, _BaseKFold, groups_array


class GroupKFold(_BaseKFold):
    """K folds that never split a group: each group is in the test set exactly once.

    Without shuffling, groups are dealt largest first, each to the fold with the fewest samples
    so far, so folds have nearly equal sizes. With ``shuffle``, the groups are permuted and cut
    into ``n_splits`` consecutive runs of nearly equal numbers of groups.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2 and at most the number of groups.
    shuffle : bool, default=False
        Shuffle the groups before dealing them to folds.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle (only with ``shuffle=True``).

    Examples
    --------
    >>> import numpy as np
    >>> from homeml.learn.model_selection import GroupKFold
    >>> groups = np.array([0, 0, 2, 2, 3, 3])
    >>> [test.tolist() for _, test in GroupKFold(2).split(np.zeros(6), groups=groups)]
    [[0, 1, 4, 5], [2, 3]]
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        super().__init__(n_splits, shuffle=shuffle, random_state=random_state)

    def _test_folds(self, n_samples, y, groups):
        groups = groups_array(groups, n_samples)
        unique_groups, group_idx = np.unique(groups, return_inverse=True)
        group_idx = group_idx.ravel()
        if self.n_splits > len(unique_groups):
            raise ValueError(
                f"Cannot have number of splits n_splits={self.n_splits} greater than the "
                f"number of groups: {len(unique_groups)}."
            )
        fold_of_group = np.empty(len(unique_groups), dtype=np.int64)
        if self.shuffle:
            order = check_random_state(self.random_state).permutation(len(unique_groups))
            for fold, members in enumerate(np.array_split(order, self.n_splits)):
                fold_of_group[members] = fold
        else:
            sizes = np.bincount(group_idx)
            order = np.argsort(sizes, kind="stable")[::-1]  # the largest groups first
            fold_sizes = np.zeros(self.n_splits)
            for g in order:
                lightest = int(np.argmin(fold_sizes))
                fold_sizes[lightest] += sizes[g]
                fold_of_group[g] = lightest
        return fold_of_group[group_idx]


class StratifiedGroupKFold(_BaseKFold):
    """K folds that never split a group and keep the class shares of every fold close.

    Groups are taken in decreasing order of the spread of their class counts (after a shuffle
    with ``shuffle``); each goes to the fold where it makes the per-class fold shares least
    spread out, ties going to the fold with fewer samples.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2 and at most the number of groups.
    shuffle : bool, default=False
        Shuffle the groups before dealing them (changes which fold wins ties).
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle (only with ``shuffle=True``).
    """

    def __init__(self, n_splits=5, shuffle=False, random_state=None):
        super().__init__(n_splits, shuffle=shuffle, random_state=random_state)

    def _test_folds(self, n_samples, y, groups):
        rng = check_random_state(self.random_state)
        if y is None:
            raise ValueError("StratifiedGroupKFold needs y (the class labels) to stratify.")
        y = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Supported target types are: ('binary', 'multiclass'). Got {kind!r} instead."
            )
        _, y_inv, y_cnt = np.unique(y.ravel(), return_inverse=True, return_counts=True)
        if np.all(self.n_splits > y_cnt):
            raise ValueError(
                f"n_splits={self.n_splits} cannot be greater than the number of members in "
                "each class."
            )
        if self.n_splits > y_cnt.min():
            warnings.warn(
                f"The least populated class in y has only {y_cnt.min()} members, which is "
                f"less than n_splits={self.n_splits}.",
                UserWarning,
                stacklevel=4,
            )
        groups = groups_array(groups, n_samples)
        _, groups_inv, groups_cnt = np.unique(groups, return_inverse=True, return_counts=True)
        groups_inv = groups_inv.ravel()
        n_groups = len(groups_cnt)
        if self.n_splits > n_groups:
            raise ValueError(
                f"Cannot have number of splits n_splits={self.n_splits} greater than the "
                f"number of groups: {n_groups}."
            )
        counts_per_group = np.zeros((n_groups, len(y_cnt)))  # (n_groups, n_classes)
        np.add.at(counts_per_group, (groups_inv, y_inv.ravel()), 1)
        if self.shuffle:
            perm = np.arange(n_groups)
            rng.shuffle(perm)
            counts_per_group = counts_per_group[perm]
            inverse = np.empty_like(perm)
            inverse[perm] = np.arange(n_groups)
            groups_inv = inverse[groups_inv]
        counts_per_fold = np.zeros((self.n_splits, len(y_cnt)))
        fold_of_group = np.empty(n_groups, dtype=np.int64)
        for g in np.argsort(-np.std(counts_per_group, axis=1), kind="stable"):
            best = self._best_fold(counts_per_fold, y_cnt, counts_per_group[g])
            counts_per_fold[best] += counts_per_group[g]
            fold_of_group[g] = best
        return fold_of_group[groups_inv]

    def _best_fold(self, counts_per_fold, y_cnt, group_counts) -> int:
        best, best_eval, best_size = 0, np.inf, np.inf
        for i in range(self.n_splits):
            counts_per_fold[i] += group_counts
            evaluation = np.mean(np.std(counts_per_fold / y_cnt.reshape(1, -1), axis=0))
            counts_per_fold[i] -= group_counts
            size = np.sum(counts_per_fold[i])
            if evaluation < best_eval or (np.isclose(evaluation, best_eval) and size < best_size):
                best, best_eval, best_size = i, evaluation, size
        return best


class LeaveOneGroupOut(MaskSplitter):
    """Each group in turn is the test set (groups in sorted order); the others train.

    Examples
    --------
    >>> import numpy as np
    >>> from homeml.learn.model_selection import LeaveOneGroupOut
    >>> LeaveOneGroupOut().get_n_splits(groups=[1, 1, 2, 3])
    3
    """

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """The number of distinct groups.

        Parameters
        ----------
        X, y : ignored
        groups : array-like of shape (n_samples,)
            Group labels (required).

        Returns
        -------
        int
        """
        return len(np.unique(groups_array(groups)))

    def _test_masks(self, n_samples, y, groups):
        groups = groups_array(groups, n_samples)
        unique_groups = np.unique(groups)
        if len(unique_groups) <= 1:
            raise ValueError(
                f"The groups parameter contains fewer than 2 unique groups ({unique_groups}). "
                "LeaveOneGroupOut expects at least 2."
            )
        for g in unique_groups:
            yield groups == g


class LeavePGroupsOut(MaskSplitter):
    """Every set of ``n_groups`` groups in turn is the test set (in lexicographic order).

    Parameters
    ----------
    n_groups : int
        Number of groups in each test set; there must be at least ``n_groups + 1`` groups.
    """

    def __init__(self, n_groups):
        self.n_groups = n_groups

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """``C(number of groups, n_groups)``.

        Parameters
        ----------
        X, y : ignored
        groups : array-like of shape (n_samples,)
            Group labels (required).

        Returns
        -------
        int
        """
        return math.comb(len(np.unique(groups_array(groups))), self.n_groups)

    def _test_masks(self, n_samples, y, groups):
        if not isinstance(self.n_groups, numbers.Integral) or self.n_groups < 1:
            raise ValueError(f"n_groups must be a positive integer; got {self.n_groups!r}.")
        groups = groups_array(groups, n_samples)
        unique_groups = np.unique(groups)
        if self.n_groups >= len(unique_groups):
            raise ValueError(
                f"The groups parameter contains fewer than (or equal to) n_groups "
                f"({self.n_groups}) numbers of unique groups ({unique_groups}). "
                f"LeavePGroupsOut expects that at least n_groups + 1 ({self.n_groups + 1}) "
                "unique groups be present"
            )
        for chosen in itertools.combinations(unique_groups, self.n_groups):
            yield np.isin(groups, chosen)
