"""Splitting data: KFold, StratifiedKFold, train_test_split and what every splitter shares.

``KFold`` and ``StratifiedKFold`` give exactly scikit-learn's folds (shuffled ones too, for the
same ``random_state``). The other splitters live in ``_split_groups.py`` (by groups),
``_split_shuffle.py`` (random subsets) and ``_split_more.py`` (leave-p-out, time series,
predefined, repeated).
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings

import numpy as np

from homeml.learn.base import (
    _num_samples,
    check_consistent_length,
    check_random_state,
)


def index_rows(data, indices):
    """Rows ``indices`` of an array, DataFrame/Series (by position) or list, keeping its type."""
    if data is None:
        return None
    if hasattr(data, "iloc"):
        return data.iloc[indices]
    if isinstance(data, (list, tuple)):
        return [data[i] for i in indices]
    if hasattr(data, "toarray") and hasattr(data, "nnz"):  # SciPy sparse: rows of its CSR form
        return data.tocsr()[np.asarray(indices)]  # (estimators that refuse sparse X say so)
    return np.asarray(data)[indices]


def as_indexable(data):
    """``data`` unchanged if it has a length (array, DataFrame, list), else ``np.asarray``."""
    if data is None or hasattr(data, "shape") or hasattr(data, "__len__"):
        return data
    return np.asarray(data)


def warn_ignored_groups(splitter, groups) -> None:
    """scikit-learn's warning when a splitter that does not use groups is given some."""
    if groups is not None:
        warnings.warn(
            f"The groups parameter is ignored by {type(splitter).__name__}",
            UserWarning,
            stacklevel=3,
        )


def groups_array(groups, n_samples: int | None = None) -> np.ndarray:
    """``groups`` as a 1-D array; a clear error when it is missing or of the wrong length."""
    if groups is None:
        raise ValueError("The 'groups' parameter should not be None.")
    groups = np.asarray(groups.to_numpy() if hasattr(groups, "to_numpy") else groups)
    if groups.ndim == 2 and groups.shape[1] == 1:
        groups = groups.ravel()
    if groups.ndim != 1:
        raise ValueError(f"groups must be 1-D (one label per sample); got shape {groups.shape}.")
    if n_samples is not None and len(groups) != n_samples:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: "
            f"[{n_samples}, {len(groups)}] (X and groups)."
        )
    return groups


class Splitter:
    """What every splitter shares: scikit-learn's ``repr`` (its parameters, sorted by name)."""

    def __repr__(self) -> str:
        names = sorted(
            p.name
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )
        cvargs = getattr(self, "cvargs", {})
        params = ", ".join(f"{n}={getattr(self, n, cvargs.get(n))!r}" for n in names)
        return f"{type(self).__name__}({params})"


class MaskSplitter(Splitter):
    """A splitter defined by its test sets, as boolean masks over the samples, in order."""

    def split(self, X, y=None, groups=None):
        """Yield ``(train_indices, test_indices)`` for each split.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples (only their number is used).
        y : array-like of shape (n_samples,), default=None
            The target.
        groups : array-like of shape (n_samples,), default=None
            Group labels of the samples.

        Yields
        ------
        train, test : ndarray of int
            Indices of the training and test samples of that split.
        """
        n_samples = _num_samples(X)
        check_consistent_length(X, y, groups)
        indices = np.arange(n_samples)
        for mask in self._test_masks(n_samples, y, groups):
            yield indices[~mask], indices[mask]

    def _test_masks(self, n_samples, y, groups):
        raise NotImplementedError


class _BaseKFold(Splitter):
    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        if not isinstance(n_splits, numbers.Integral) or isinstance(n_splits, bool):
            raise ValueError(
                f"The number of folds must be of Integral type. {n_splits!r} of "
                f"type {type(n_splits).__name__} was passed."
            )
        if n_splits <= 1:
            raise ValueError(
                f"k-fold cross-validation requires at least one train/test split "
                f"by setting n_splits=2 or more, got n_splits={n_splits}."
            )
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be True or False; got {shuffle!r}")
        if not shuffle and random_state is not None:
            raise ValueError(
                "Setting a random_state has no effect since shuffle is False. You "
                "should leave random_state to its default (None), or set "
                "shuffle=True."
            )
        self.n_splits, self.shuffle, self.random_state = int(n_splits), shuffle, random_state

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """The number of folds (``X``, ``y`` and ``groups`` are ignored).

        Returns
        -------
        int
        """
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Yield ``(train_indices, test_indices)`` for each fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples (only their number is used).
        y : array-like of shape (n_samples,), default=None
            The target (class labels for the stratified splitters).
        groups : array-like of shape (n_samples,), default=None
            Group labels (for the group splitters; others warn that they ignore it).

        Yields
        ------
        train, test : ndarray of int
            Indices of the training and test samples of that fold.
        """
        n_samples = _num_samples(X)
        if self.n_splits > n_samples:
            raise ValueError(
                f"Cannot have number of splits n_splits={self.n_splits} greater "
                f"than the number of samples: n_samples={n_samples}."
            )
        check_consistent_length(X, y, groups)
        test_fold = self._test_folds(n_samples, y, groups)
        indices = np.arange(n_samples)
        for k in range(self.n_splits):
            yield indices[test_fold != k], indices[test_fold == k]


class KFold(_BaseKFold):
    """K consecutive folds (shuffled first with ``shuffle``); each is the test set once.

    The first ``n_samples % n_splits`` folds get one sample more than the others.

    Parameters
    ----------
    n_splits : int >= 2
    shuffle : bool
    random_state : int, RandomState or None
        Seeds the shuffle (only with ``shuffle=True``).
    """

    def _test_folds(self, n_samples, y, groups):
        warn_ignored_groups(self, groups)
        sizes = np.full(self.n_splits, n_samples // self.n_splits)
        sizes[: n_samples % self.n_splits] += 1
        order = np.arange(n_samples)
        if self.shuffle:
            check_random_state(self.random_state).shuffle(order)
        test_fold = np.empty(n_samples, dtype=np.int64)
        test_fold[order] = np.repeat(np.arange(self.n_splits), sizes)
        return test_fold


class StratifiedKFold(_BaseKFold):
    """K folds that keep each class's share of samples (nearly) the same in every fold.

    Each class's samples are dealt to the folds in order (shuffled within the class with
    ``shuffle``), in fold sizes that come from dealing the sorted labels round-robin, so that
    fold sizes differ by at most one and per-class counts by at most one.
    """

    def _test_folds(self, n_samples, y, groups):
        warn_ignored_groups(self, groups)
        if y is None:
            raise ValueError("StratifiedKFold needs y (the class labels) to stratify.")
        y = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(
                "Supported target types are: ('binary', 'multiclass'). Got a "
                f"target of shape {y.shape} instead."
            )
        # classes numbered in order of first appearance
        _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
        rank_of_class = np.argsort(np.argsort(first))
        codes = rank_of_class[inverse.ravel()]
        n_classes = len(first)
        counts = np.bincount(codes, minlength=n_classes)
        if np.all(self.n_splits > counts):
            raise ValueError(
                f"n_splits={self.n_splits} cannot be greater than the number of "
                "members in each class."
            )
        if self.n_splits > counts.min():
            warnings.warn(
                f"The least populated class in y has only {counts.min()} members, "
                f"which is less than n_splits={self.n_splits}.",
                UserWarning,
                stacklevel=3,
            )
        dealt = np.sort(codes)
        allocation = np.stack(
            [
                np.bincount(dealt[k :: self.n_splits], minlength=n_classes)
                for k in range(self.n_splits)
            ]
        )  # (n_splits, n_classes)
        rng = check_random_state(self.random_state)
        test_fold = np.empty(n_samples, dtype=np.int64)
        for c in range(n_classes):
            folds = np.repeat(np.arange(self.n_splits), allocation[:, c])
            if self.shuffle:
                rng.shuffle(folds)
            test_fold[codes == c] = folds
        return test_fold


def _split_sizes(n_samples, test_size, train_size, default_test_size=0.25):
    """``(n_train, n_test)`` from fractions or counts, with scikit-learn's rounding and errors."""
    if test_size is None and train_size is None:
        test_size = default_test_size

    def check(size, name):
        if size is None:
            return
        if isinstance(size, numbers.Real) and not isinstance(size, numbers.Integral):
            if not 0 < size < 1:
                raise ValueError(
                    f"{name}={size} should be either positive and smaller than the "
                    f"number of samples {n_samples} or a float in the (0, 1) range"
                )
        elif isinstance(size, numbers.Integral) and not isinstance(size, bool):
            if not 0 < size < n_samples:
                raise ValueError(
                    f"{name}={size} should be either positive and smaller than the "
                    f"number of samples {n_samples} or a float in the (0, 1) range"
                )
        else:
            raise ValueError(f"Invalid value for {name}: {size!r}")

    check(test_size, "test_size")
    check(train_size, "train_size")
    both_fractions = isinstance(test_size, float) and isinstance(train_size, float)
    if both_fractions and test_size + train_size > 1:
        raise ValueError(
            f"The sum of test_size and train_size = {test_size + train_size}, should be in the "
            "(0, 1) range. Reduce test_size and/or train_size."
        )
    n_test = (
        None
        if test_size is None
        else (math.ceil(test_size * n_samples) if isinstance(test_size, float) else int(test_size))
    )
    n_train = (
        None
        if train_size is None
        else (
            math.floor(train_size * n_samples) if isinstance(train_size, float) else int(train_size)
        )
    )
    n_train = n_samples - n_test if n_train is None else n_train
    n_test = n_samples - n_train if n_test is None else n_test
    if n_train + n_test > n_samples:
        raise ValueError(
            f"The sum of train_size and test_size = {n_train + n_test}, should be "
            f"smaller than the number of samples {n_samples}. Reduce test_size "
            "and/or train_size."
        )
    if n_train == 0:
        raise ValueError(
            f"With n_samples={n_samples}, test_size={test_size} and train_size="
            f"{train_size}, the resulting train set will be empty. Adjust any of "
            "the aforementioned parameters."
        )
    return n_train, n_test


def train_test_split(
    *arrays, test_size=None, train_size=None, random_state=None, shuffle=True, stratify=None
):
    """Split arrays (NumPy, lists, DataFrames, Series) into random train and test subsets.

    Parameters
    ----------
    *arrays : sequences with the same number of rows
    test_size, train_size : float in (0, 1), int or None
        Fraction or count of samples; the default test size is 0.25 and the train set takes the
        rest. A float test size is rounded up, a float train size down.
    random_state : int, RandomState or None
    shuffle : bool
        Without shuffling, the first rows are the train set and the next ones the test set.
    stratify : array-like or None
        Class labels whose proportions both subsets keep (the first draw of a
        ``StratifiedShuffleSplit``, as scikit-learn does).

    Returns
    -------
    list
        ``[train_0, test_0, train_1, test_1, ...]``, each of its input's type.
    """
    if not arrays:
        raise ValueError("At least one array required as input")
    arrays = [as_indexable(a) for a in arrays]
    check_consistent_length(*arrays)
    n_samples = _num_samples(arrays[0])
    n_train, n_test = _split_sizes(n_samples, test_size, train_size)
    if not shuffle:
        if stratify is not None:
            raise ValueError("Stratified train/test split is not implemented for shuffle=False")
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    elif stratify is not None:
        from homeml.learn.model_selection._split_shuffle import stratified_train_test

        check_consistent_length(arrays[0], stratify)
        train, test = stratified_train_test(stratify, n_train, n_test, random_state)
    else:
        order = check_random_state(random_state).permutation(n_samples)
        test, train = order[:n_test], order[n_test : n_test + n_train]
    return [part for a in arrays for part in (index_rows(a, train), index_rows(a, test))]
