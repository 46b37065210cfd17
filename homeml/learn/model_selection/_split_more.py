"""More splitters with scikit-learn's splits: leave-one/p-out, time series, predefined folds and
repeated (stratified) K-fold."""

from __future__ import annotations

import itertools
import math
import numbers

import numpy as np

from homeml.learn.base import _num_samples, check_random_state, column_or_1d
from homeml.learn.model_selection._split import (
    KFold,
    MaskSplitter,
    Splitter,
    StratifiedKFold,
    _BaseKFold,
    warn_ignored_groups,
)


class LeaveOneOut(MaskSplitter):
    """Each sample in turn is the test set; all the others train.

    Examples
    --------
    >>> import numpy as np
    >>> from homeml.learn.model_selection import LeaveOneOut
    >>> [test.tolist() for _, test in LeaveOneOut().split(np.zeros(3))]
    [[0], [1], [2]]
    """

    def get_n_splits(self, X, y=None, groups=None) -> int:
        """The number of samples of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y, groups : ignored

        Returns
        -------
        int
        """
        if X is None:
            raise ValueError("The 'X' parameter should not be None.")
        return _num_samples(X)

    def _test_masks(self, n_samples, y, groups):
        warn_ignored_groups(self, groups)
        if n_samples <= 1:
            raise ValueError(f"Cannot perform LeaveOneOut with n_samples={n_samples}.")
        for i in range(n_samples):
            mask = np.zeros(n_samples, dtype=bool)
            mask[i] = True
            yield mask


class LeavePOut(MaskSplitter):
    """Every set of ``p`` samples in turn is the test set (in lexicographic order).

    Parameters
    ----------
    p : int
        Size of the test sets; must be less than the number of samples.
    """

    def __init__(self, p):
        self.p = p

    def get_n_splits(self, X, y=None, groups=None) -> int:
        """``C(n_samples, p)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y, groups : ignored

        Returns
        -------
        int
        """
        if X is None:
            raise ValueError("The 'X' parameter should not be None.")
        return math.comb(_num_samples(X), self.p)

    def _test_masks(self, n_samples, y, groups):
        warn_ignored_groups(self, groups)
        if n_samples <= self.p:
            raise ValueError(
                f"p={self.p} must be strictly less than the number of samples={n_samples}"
            )
        for chosen in itertools.combinations(range(n_samples), self.p):
            mask = np.zeros(n_samples, dtype=bool)
            mask[list(chosen)] = True
            yield mask


class TimeSeriesSplit(_BaseKFold):
    """Growing training windows, each followed by the next ``test_size`` samples as test set.

    Parameters
    ----------
    n_splits : int, default=5
        Number of splits, at least 2.
    max_train_size : int or None, default=None
        Keep only the last ``max_train_size`` samples of each training window.
    test_size : int or None, default=None
        Samples per test set; ``n_samples // (n_splits + 1)`` by default.
    gap : int, default=0
        Samples left out between the end of each training window and its test set.

    Examples
    --------
    >>> import numpy as np
    >>> from homeml.learn.model_selection import TimeSeriesSplit
    >>> [(len(tr), te.tolist()) for tr, te in TimeSeriesSplit(3).split(np.zeros(8))]
    [(2, [2, 3]), (4, [4, 5]), (6, [6, 7])]
    """

    def __init__(self, n_splits=5, *, max_train_size=None, test_size=None, gap=0):
        super().__init__(n_splits, shuffle=False, random_state=None)
        self.max_train_size = max_train_size
        self.test_size = test_size
        self.gap = gap

    def split(self, X, y=None, groups=None):
        """Yield ``(train_indices, test_indices)`` for each split, in time order.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples, in time order (only their number is used).
        y : ignored
        groups : None
            Ignored (with a warning).

        Yields
        ------
        train, test : ndarray of int
        """
        warn_ignored_groups(self, groups)
        n_samples = _num_samples(X)
        n_splits, gap = self.n_splits, self.gap
        test_size = self.test_size if self.test_size is not None else n_samples // (n_splits + 1)
        if n_splits + 1 > n_samples:
            raise ValueError(
                f"Cannot have number of folds={n_splits + 1} greater than the number of "
                f"samples={n_samples}."
            )
        if n_samples - gap - test_size * n_splits <= 0:
            raise ValueError(
                f"Too many splits={n_splits} for number of samples={n_samples} with "
                f"test_size={test_size} and gap={gap}."
            )
        indices = np.arange(n_samples)
        for test_start in range(n_samples - n_splits * test_size, n_samples, test_size):
            train_end = test_start - gap
            train_start = 0
            if self.max_train_size and self.max_train_size < train_end:
                train_start = train_end - self.max_train_size
            yield indices[train_start:train_end], indices[test_start : test_start + test_size]


class PredefinedSplit(MaskSplitter):
    """Folds given in advance: sample ``i`` is in the test set of fold ``test_fold[i]``.

    Parameters
    ----------
    test_fold : array-like of shape (n_samples,)
        Fold number of each sample; ``-1`` keeps a sample in every training set.
    """

    def __init__(self, test_fold):
        self.test_fold = column_or_1d(np.array(test_fold, dtype=int))
        folds = np.unique(self.test_fold)
        self.unique_folds = folds[folds != -1]

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """The number of distinct folds (other than ``-1``).

        Returns
        -------
        int
        """
        return len(self.unique_folds)

    def split(self, X=None, y=None, groups=None):
        """Yield ``(train_indices, test_indices)`` for each predefined fold, in sorted order.

        Parameters
        ----------
        X, y : ignored
        groups : None
            Ignored (with a warning).

        Yields
        ------
        train, test : ndarray of int
        """
        warn_ignored_groups(self, groups)
        indices = np.arange(len(self.test_fold))
        for fold in self.unique_folds:
            mask = self.test_fold == fold
            yield indices[~mask], indices[mask]


class _RepeatedSplits(Splitter):
    _cv: type = KFold

    def __init__(self, *, n_splits=5, n_repeats=10, random_state=None):
        if not isinstance(n_repeats, numbers.Integral) or isinstance(n_repeats, bool):
            raise ValueError("Number of repetitions must be of Integral type.")
        if n_repeats <= 0:
            raise ValueError("Number of repetitions must be greater than 0.")
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.random_state = random_state

    def split(self, X, y=None, groups=None):
        """Yield ``(train_indices, test_indices)``: ``n_repeats`` times the shuffled K folds.

        One random stream seeds every repetition, so each repetition shuffles differently.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            The target (class labels for ``RepeatedStratifiedKFold``).
        groups : None
            Ignored (with a warning).

        Yields
        ------
        train, test : ndarray of int
        """
        warn_ignored_groups(self, groups)
        rng = check_random_state(self.random_state)
        for _ in range(self.n_repeats):
            cv = self._cv(self.n_splits, shuffle=True, random_state=rng)
            yield from cv.split(X, y)

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """``n_splits * n_repeats``.

        Returns
        -------
        int
        """
        return self.n_splits * self.n_repeats


class RepeatedKFold(_RepeatedSplits):
    """K-fold repeated ``n_repeats`` times, with a different shuffle each time.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    n_repeats : int, default=10
        Number of repetitions.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffles of all repetitions.
    """


class RepeatedStratifiedKFold(_RepeatedSplits):
    """Stratified K-fold repeated ``n_repeats`` times, with a different shuffle each time.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    n_repeats : int, default=10
        Number of repetitions.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffles of all repetitions.
    """

    _cv = StratifiedKFold
