"""Splitting ratings and choosing parameters (Surprise's ``model_selection``): :class:`KFold`,
:class:`RepeatedKFold`, :class:`ShuffleSplit`, :func:`train_test_split`, :class:`LeaveOneOut`,
:func:`cross_validate` and :class:`GridSearchCV`.

The splits draw from the same ``numpy.random.RandomState`` calls as Surprise's, so the same
``random_state`` gives the same folds in both libraries.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from math import ceil, floor

import numpy as np

from homeml.recommend import accuracy
from homeml.recommend.algo_base import get_rng

__all__ = [
    "GridSearchCV",
    "KFold",
    "LeaveOneOut",
    "RepeatedKFold",
    "ShuffleSplit",
    "cross_validate",
    "get_cv",
    "train_test_split",
]


class KFold:
    """``n_splits`` folds of the ratings, each the testset once (shuffled unless
    ``shuffle=False``).
    """

    def __init__(self, n_splits=5, random_state=None, shuffle=True):
        self.n_splits, self.random_state, self.shuffle = n_splits, random_state, shuffle

    def split(self, data):
        n = len(data.raw_ratings)
        if not 2 <= self.n_splits <= n:
            raise ValueError(
                f"Incorrect value for n_splits={self.n_splits}. Must be >=2 and less than the "
                f"number of ratings ({n})"
            )
        indices = np.arange(n)
        if self.shuffle:
            get_rng(self.random_state).shuffle(indices)
        start = stop = 0
        for fold in range(self.n_splits):
            start = stop
            stop += n // self.n_splits + (1 if fold < n % self.n_splits else 0)
            train = [data.raw_ratings[i] for i in itertools.chain(indices[:start], indices[stop:])]
            test = [data.raw_ratings[i] for i in indices[start:stop]]
            yield data.construct_trainset(train), data.construct_testset(test)

    def get_n_folds(self) -> int:
        return self.n_splits


class RepeatedKFold:
    """:class:`KFold` repeated ``n_repeats`` times, each with another shuffle."""

    def __init__(self, n_splits=5, n_repeats=10, random_state=None):
        self.n_splits, self.n_repeats, self.random_state = n_splits, n_repeats, random_state

    def split(self, data):
        rng = get_rng(self.random_state)
        for _ in range(self.n_repeats):
            yield from KFold(self.n_splits, random_state=rng, shuffle=True).split(data)

    def get_n_folds(self) -> int:
        return self.n_repeats * self.n_splits


class ShuffleSplit:
    """``n_splits`` random train/test splits (``test_size``, ``train_size``: a fraction or a
    number of ratings).
    """

    def __init__(self, n_splits=5, test_size=0.2, train_size=None, random_state=None,
                 shuffle=True):  # fmt: skip
        if n_splits <= 0:
            raise ValueError(f"n_splits = {n_splits} should be strictly greater than 0.")
        for name, value in (("test_size", test_size), ("train_size", train_size)):
            if value is not None and value <= 0:
                raise ValueError(f"{name}={value} should be strictly greater than 0")
        self.n_splits, self.test_size, self.train_size = n_splits, test_size, train_size
        self.random_state, self.shuffle = random_state, shuffle

    def _sizes(self, n):
        test, train = self.test_size, self.train_size
        if test is not None and test >= n:
            raise ValueError(f"test_size={test} should be less than the number of ratings {n}")
        if train is not None and train >= n:
            raise ValueError(f"train_size={train} should be less than the number of ratings {n}")
        if isinstance(test, float):
            test = ceil(test * n)
        if train is None:
            train = n - test
        elif isinstance(train, float):
            train = floor(train * n)
        if test is None:
            test = n - train
        if train + test > n:
            raise ValueError(
                f"The sum of train_size and test_size ({train + test}) should be smaller than "
                f"the number of ratings {n}."
            )
        return int(train), int(test)

    def split(self, data):
        n = len(data.raw_ratings)
        n_train, n_test = self._sizes(n)
        rng = get_rng(self.random_state)
        for _ in range(self.n_splits):
            perm = rng.permutation(n) if self.shuffle else np.arange(n)
            train = [data.raw_ratings[i] for i in perm[:n_train]]
            test = [data.raw_ratings[i] for i in perm[n_train : n_train + n_test]]
            yield data.construct_trainset(train), data.construct_testset(test)

    def get_n_folds(self) -> int:
        return self.n_splits


def train_test_split(data, test_size=0.2, train_size=None, random_state=None, shuffle=True):
    """One random split: ``(trainset, testset)``."""
    split = ShuffleSplit(1, test_size=test_size, train_size=train_size,
                         random_state=random_state, shuffle=shuffle)  # fmt: skip
    return next(split.split(data))


class LeaveOneOut:
    """Each split puts one random rating of every user (with more than ``min_n_ratings``) in
    the testset and the others in the trainset.
    """

    def __init__(self, n_splits=5, random_state=None, min_n_ratings=0):
        self.n_splits, self.random_state, self.min_n_ratings = n_splits, random_state, min_n_ratings

    def split(self, data):
        by_user = defaultdict(list)
        for u, i, r, _ in data.raw_ratings:
            by_user[u].append((u, i, r, None))
        rng = get_rng(self.random_state)
        for _ in range(self.n_splits):
            train, test = [], []
            for ratings in by_user.values():
                if len(ratings) > self.min_n_ratings:
                    k = rng.randint(0, len(ratings))
                    test.append(ratings[k])
                    train += [rating for j, rating in enumerate(ratings) if j != k]
            if not train:
                raise ValueError("Could not build any trainset. Maybe min_n_ratings is too high?")
            yield data.construct_trainset(train), data.construct_testset(test)

    def get_n_folds(self) -> int:
        return self.n_splits


def get_cv(cv):
    """None -> KFold(5), an int -> KFold(cv), a splitter -> itself."""
    if cv is None:
        return KFold(n_splits=5)
    if isinstance(cv, (int, np.integer)):
        return KFold(n_splits=int(cv))
    if hasattr(cv, "split"):
        return cv
    raise ValueError(f"Wrong CV object. Expecting None, an int or CV iterator, got a {type(cv)}")


def _measure(name):
    if name not in accuracy.__all__:
        raise ValueError(f"unknown measure {name!r}; expected some of {accuracy.__all__}")
    return getattr(accuracy, name)


def fit_and_score(algo, trainset, testset, measures, return_train_measures=False):
    """Fit, predict the testset; ``(test measures, train measures, fit time, test time)``."""
    start = time.time()
    algo.fit(trainset)
    fit_time = time.time() - start
    start = time.time()
    predictions = algo.test(testset)
    test_time = time.time() - start
    test = {m: _measure(m)(predictions, verbose=False) for m in measures}
    train = {}
    if return_train_measures:
        train_predictions = algo.test(trainset.build_testset())
        train = {m: _measure(m)(train_predictions, verbose=False) for m in measures}
    return test, train, fit_time, test_time


def cross_validate(algo, data, measures=("rmse", "mae"), cv=None, return_train_measures=False,
                   n_jobs=1, pre_dispatch="2*n_jobs", verbose=False):  # fmt: skip
    """Fit and test ``algo`` on every split of ``cv``.

    Returns
    -------
    dict
        ``test_<measure>`` (an array, one value per split), ``train_<measure>`` with
        ``return_train_measures``, ``fit_time`` and ``test_time`` (seconds per split).
        ``n_jobs``/``pre_dispatch`` are accepted for Surprise's signature; splits run one after
        the other.
    """
    measures = [m.lower() for m in measures]
    for m in measures:
        _measure(m)
    cv = get_cv(cv)
    out = [
        fit_and_score(algo, trainset, testset, measures, return_train_measures)
        for trainset, testset in cv.split(data)
    ]
    tests, trains, fit_times, test_times = zip(*out)
    result: dict = {}
    for m in measures:
        result["test_" + m] = np.asarray([d[m] for d in tests])
        if return_train_measures:
            result["train_" + m] = np.asarray([d[m] for d in trains])
    result["fit_time"], result["test_time"] = fit_times, test_times
    if verbose:
        name = type(algo).__name__
        print(f"Evaluating {', '.join(m.upper() for m in measures)} of algorithm {name} "
              f"on {len(fit_times)} split(s).")  # fmt: skip
        for m in measures:
            values = result["test_" + m]
            print(f"{m.upper():<7} " + " ".join(f"{v:.4f}" for v in values)
                  + f"  mean {values.mean():.4f} std {values.std():.4f}")  # fmt: skip
    return result


def _expand(param_grid: dict) -> list:
    """Every combination of the grid; a dict value (``sim_options``, ``bsl_options``) is a grid
    of its own.
    """
    grid = {}
    for key, values in param_grid.items():
        if isinstance(values, dict):
            grid[key] = [dict(zip(values, combo)) for combo in itertools.product(*values.values())]
        else:
            grid[key] = list(values)
    return [dict(zip(grid, combo)) for combo in itertools.product(*grid.values())]


class GridSearchCV:
    """Cross-validate every combination of ``param_grid`` for ``algo_class``.

    After :meth:`fit`: ``best_score``, ``best_params``, ``best_index``, ``best_estimator``
    (dicts keyed by measure) and ``cv_results`` (``split<k>_test_<measure>``,
    ``mean_test_<measure>``, ``std_test_<measure>``, ``rank_test_<measure>``, fit and test
    times, ``params`` and ``param_<name>``). With ``refit`` (True or a measure), the best
    algorithm is fitted again on the whole dataset and ``predict``/``test`` use it.
    """

    def __init__(self, algo_class, param_grid, measures=("rmse", "mae"), cv=None, refit=False,
                 return_train_measures=False, n_jobs=1, pre_dispatch="2*n_jobs",
                 joblib_verbose=0):  # fmt: skip
        self.algo_class, self.param_grid = algo_class, param_grid
        self.measures = [m.lower() for m in measures]
        for m in self.measures:
            _measure(m)
        self.cv, self.refit, self.return_train_measures = cv, refit, return_train_measures
        self.n_jobs, self.pre_dispatch, self.joblib_verbose = n_jobs, pre_dispatch, joblib_verbose
        if refit and isinstance(refit, str) and refit.lower() not in self.measures:
            raise ValueError(f"refit={refit!r} must be one of the measures {self.measures}")
        self.param_combinations = _expand(param_grid)

    def fit(self, data):
        cv = get_cv(self.cv)
        splits = list(cv.split(data))
        scores = []  # per combination, per split: (test dict, train dict, fit, test time)
        for params in self.param_combinations:
            scores.append([
                fit_and_score(self.algo_class(**params), trainset, testset, self.measures,
                              self.return_train_measures)
                for trainset, testset in splits
            ])  # fmt: skip
        results: dict = {}
        n = len(splits)
        for m in self.measures:
            table = np.array([[s[0][m] for s in combo] for combo in scores])
            for k in range(n):
                results[f"split{k}_test_{m}"] = table[:, k]
            results[f"mean_test_{m}"] = table.mean(axis=1)
            results[f"std_test_{m}"] = table.std(axis=1)
            higher_better = m == "fcp"
            order = np.argsort(-table.mean(axis=1) if higher_better else table.mean(axis=1))
            ranks = np.empty(len(order), dtype=int)
            ranks[order] = np.arange(1, len(order) + 1)
            results[f"rank_test_{m}"] = ranks
            if self.return_train_measures:
                train = np.array([[s[1][m] for s in combo] for combo in scores])
                for k in range(n):
                    results[f"split{k}_train_{m}"] = train[:, k]
                results[f"mean_train_{m}"] = train.mean(axis=1)
                results[f"std_train_{m}"] = train.std(axis=1)
        for key, at in (("fit_time", 2), ("test_time", 3)):
            times = np.array([[s[at] for s in combo] for combo in scores])
            results[f"mean_{key}"], results[f"std_{key}"] = times.mean(axis=1), times.std(axis=1)
        results["params"] = self.param_combinations
        for name in self.param_grid:
            results[f"param_{name}"] = [p[name] for p in self.param_combinations]
        self.cv_results = results
        self.best_index = {m: int(np.argmin(results[f"rank_test_{m}"])) for m in self.measures}
        self.best_params = {m: self.param_combinations[k] for m, k in self.best_index.items()}
        self.best_score = {m: float(results[f"mean_test_{m}"][k])
                           for m, k in self.best_index.items()}  # fmt: skip
        self.best_estimator = {m: self.algo_class(**p) for m, p in self.best_params.items()}
        if self.refit:
            measure = self.refit.lower() if isinstance(self.refit, str) else self.measures[0]
            self.best_estimator[measure].fit(data.build_full_trainset())
            self._refitted = self.best_estimator[measure]
        return self

    def _fitted(self):
        if not self.refit or not hasattr(self, "_refitted"):
            raise ValueError("predict and test need refit=True and a call to fit() first")
        return self._refitted

    def predict(self, *args, **kwargs):
        return self._fitted().predict(*args, **kwargs)

    def test(self, testset, verbose=False):
        return self._fitted().test(testset, verbose)
