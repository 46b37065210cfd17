"""Hyper-parameter search: GridSearchCV (every combination) and RandomizedSearchCV (samples).

Both cross-validate each candidate with :func:`fit_and_score`, record scikit-learn's
``cv_results_`` table, pick the best candidate and (with ``refit``) refit it on all the data;
``predict``, ``predict_proba``, ``transform``, ... then go to ``best_estimator_``.
"""

from __future__ import annotations

import itertools
import time
import warnings
from collections.abc import Mapping

import numpy as np

from homeml.learn._param_validation import Integral, Interval
from homeml.learn.base import BaseEstimator, MetaEstimatorMixin, check_random_state, clone
from homeml.learn.model_selection._split import as_indexable
from homeml.learn.model_selection._validation import (
    _scorers,
    check_cv,
    fit_and_score_tasks,
    is_classifier,
    warn_fit_failures,
)


class ParameterGrid:
    """Every combination of a dict (or list of dicts) of parameter lists, keys sorted."""

    def __init__(self, param_grid):
        grids = [param_grid] if isinstance(param_grid, Mapping) else list(param_grid)
        for grid in grids:
            if not isinstance(grid, Mapping):
                raise TypeError(
                    f"Parameter grid should be a dict or a list of dicts, got: "
                    f"{grid!r} of type {type(grid).__name__}"
                )
            for key, values in grid.items():
                if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                    raise TypeError(
                        f"Parameter grid for parameter {key!r} needs to be a list "
                        f"or a numpy array, but got {values!r} (of type "
                        f"{type(values).__name__}) instead. Single values need to "
                        "be wrapped in a list with one element."
                    )
                if len(values) == 0:
                    raise ValueError(
                        f"Parameter grid for parameter {key!r} need to be a "
                        f"non-empty sequence, got: {values!r}"
                    )
        self.grids = grids

    def __iter__(self):
        for grid in self.grids:
            keys = sorted(grid)
            for values in itertools.product(*(grid[k] for k in keys)):
                yield dict(zip(keys, values))

    def __len__(self):
        return sum(int(np.prod([len(v) for v in g.values()])) for g in self.grids)


class ParameterSampler:
    """``n_iter`` random candidates: lists are sampled uniformly, distributions by ``.rvs``.

    When every value is a list, candidates are drawn from the grid without replacement.
    """

    def __init__(self, param_distributions, n_iter, *, random_state=None):
        dists = (
            [param_distributions]
            if isinstance(param_distributions, Mapping)
            else list(param_distributions)
        )
        for dist in dists:
            if not isinstance(dist, Mapping):
                raise TypeError(f"Parameter distribution is not a dict ({dist!r})")
            for key, value in dist.items():
                if not hasattr(value, "rvs") and (
                    isinstance(value, str) or not hasattr(value, "__len__")
                ):
                    raise TypeError(
                        f"Parameter grid for parameter {key!r} is not iterable or a "
                        f"distribution (value={value!r})"
                    )
        self.dists, self.n_iter, self.random_state = dists, n_iter, random_state

    def __iter__(self):
        rng = check_random_state(self.random_state)
        if all(not hasattr(v, "rvs") for d in self.dists for v in d.values()):
            grid = list(ParameterGrid(self.dists))
            if self.n_iter > len(grid):
                warnings.warn(
                    f"The total space of parameters {len(grid)} is smaller than "
                    f"n_iter={self.n_iter}. Running {len(grid)} iterations. For "
                    "exhaustive searches, use GridSearchCV.",
                    UserWarning,
                    stacklevel=2,
                )
            for i in rng.choice(len(grid), size=min(self.n_iter, len(grid)), replace=False):
                yield grid[i]
            return
        for _ in range(self.n_iter):
            dist = self.dists[rng.randint(len(self.dists))]
            yield {
                k: dist[k].rvs(random_state=rng)
                if hasattr(dist[k], "rvs")
                else dist[k][rng.randint(len(dist[k]))]
                for k in sorted(dist)
            }

    def __len__(self):
        if all(not hasattr(v, "rvs") for d in self.dists for v in d.values()):
            return min(self.n_iter, len(ParameterGrid(self.dists)))
        return self.n_iter


def _rank(scores: np.ndarray) -> np.ndarray:
    """Rank 1 for the best score, ties share the smallest rank, NaN ranks last."""
    filled = np.where(np.isnan(scores), -np.inf, scores)
    order = np.sort(-filled)
    ranks = np.searchsorted(order, -filled, side="left") + 1
    if np.isnan(scores).any():
        ranks[np.isnan(scores)] = len(scores)
    return ranks.astype(np.int32)


def _delegated(name):
    """A method forwarded to ``best_estimator_`` that exists only when that estimator has it."""

    def check(self):
        target = self.best_estimator_ if hasattr(self, "best_estimator_") else self.estimator
        getattr(target, name)  # AttributeError: hasattr(search, name) is False
        return True

    def method(self, *args, **kwargs):
        self._check_refitted(name)
        return getattr(self.best_estimator_, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"Call ``{name}`` on the best estimator found (needs ``refit``)."
    return property(lambda self: check(self) and method.__get__(self))


class BaseSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Cross-validated search over candidate parameter settings (see the subclasses)."""

    def _homeml_tags(self) -> dict:
        # a search is whatever kind of estimator it searches over
        if hasattr(self.estimator, "_homeml_tags"):
            return dict(self.estimator._homeml_tags())
        kind = "classifier" if is_classifier(self.estimator) else None
        return {**super()._homeml_tags(), "estimator_type": kind}

    def __sklearn_tags__(self):
        if hasattr(self.estimator, "_homeml_tags"):
            return super().__sklearn_tags__()
        return self.estimator.__sklearn_tags__()  # a scikit-learn estimator inside

    def _check_refitted(self, name):
        if not self.refit:
            raise AttributeError(
                f"This {type(self).__name__} instance was initialized with "
                f"`refit=False`. {name} is available only after refitting on "
                "the best parameters."
            )
        from homeml.learn.base import check_is_fitted

        check_is_fitted(self)

    def fit(self, X, y=None, groups=None, **params):
        """Cross-validate every candidate, then refit the best one on all of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or None
        groups : array-like of shape (n_samples,) or None
            Group labels, passed to the splitter's ``split`` (``GroupKFold`` and the like).
        **params
            Fit parameters; those with one value per sample are split with the data.

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = as_indexable(X), as_indexable(y)
        splitter = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        scorers, multimetric = _scorers(self.estimator, self.scoring)
        refit_metric = self._refit_metric(scorers, multimetric)
        splits = list(splitter.split(X, y, groups))
        candidates = list(self._candidates())
        options = {
            "fit_params": params,
            "return_train_score": self.return_train_score,
            "error_score": self.error_score,
        }
        tasks = [
            (self.estimator, X, y, scorers, train, test, {**options, "parameters": p})
            for p in candidates
            for train, test in splits
        ]
        results = fit_and_score_tasks(tasks, self.n_jobs)
        warn_fit_failures(results, self.error_score)
        self.cv_results_ = self._results_table(
            candidates, results, len(splits), scorers, multimetric
        )
        self.n_splits_, self.multimetric_ = len(splits), multimetric
        self.scorer_ = scorers if multimetric else scorers["score"]
        if self.refit is not False:
            if callable(self.refit):
                self.best_index_ = int(self.refit(self.cv_results_))
            else:
                self.best_index_ = int(self.cv_results_[f"rank_test_{refit_metric}"].argmin())
                self.best_score_ = float(
                    self.cv_results_[f"mean_test_{refit_metric}"][self.best_index_]
                )
            self.best_params_ = candidates[self.best_index_]
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
            start = time.perf_counter()
            if y is None:
                self.best_estimator_.fit(X, **params)
            else:
                self.best_estimator_.fit(X, y, **params)
            self.refit_time_ = time.perf_counter() - start
            for name in ("classes_", "n_features_in_", "feature_names_in_"):
                if hasattr(self.best_estimator_, name):
                    setattr(self, name, getattr(self.best_estimator_, name))
        return self

    def _refit_metric(self, scorers, multimetric) -> str:
        if not multimetric:
            return "score"
        if callable(self.refit) or self.refit is False:
            return next(iter(scorers))
        if not isinstance(self.refit, str) or self.refit not in scorers:
            raise ValueError(
                f"For multi-metric scoring, the parameter refit must be set to a "
                f"scorer key or a callable to refit an estimator with the best "
                f"parameter setting on the whole data and make the best_* "
                f"attributes available for that metric. If this is not needed, "
                f"refit should be set to False explicitly. {self.refit!r} was "
                "passed."
            )
        return self.refit

    def _results_table(self, candidates, results, n_splits, scorers, multimetric):
        n = len(candidates)
        table = {}

        def add(key, values, rank=False):
            array = np.asarray(values, dtype=np.float64).reshape(n, n_splits)
            for s in range(n_splits):
                table[f"split{s}_{key}"] = array[:, s]
            table[f"mean_{key}"] = array.mean(axis=1)
            table[f"std_{key}"] = array.std(axis=1)
            if rank:
                table[f"rank_{key}"] = _rank(table[f"mean_{key}"])

        for key in ("fit_time", "score_time"):
            array = np.array([r[key] for r in results]).reshape(n, n_splits)
            table[f"mean_{key}"], table[f"std_{key}"] = array.mean(axis=1), array.std(axis=1)
        for name in sorted({k for c in candidates for k in c}):
            column = np.ma.MaskedArray(np.empty(n, dtype=object), mask=True)
            for i, c in enumerate(candidates):
                if name in c:
                    column[i] = c[name]
            table[f"param_{name}"] = column
        table["params"] = candidates
        for name in scorers:
            suffix = name if multimetric else "score"
            add(f"test_{suffix}", [r["test_scores"][name] for r in results], rank=True)
            if self.return_train_score:
                add(f"train_{suffix}", [r["train_scores"][name] for r in results])
        return table

    def score(self, X, y=None):
        """Score of the best estimator with the search's scorer (its refit metric)."""
        self._check_refitted("score")
        scorer = self.scorer_[self.refit] if self.multimetric_ else self.scorer_
        return scorer(self.best_estimator_, X, y)

    predict = _delegated("predict")
    predict_proba = _delegated("predict_proba")
    predict_log_proba = _delegated("predict_log_proba")
    decision_function = _delegated("decision_function")
    transform = _delegated("transform")
    inverse_transform = _delegated("inverse_transform")


class GridSearchCV(BaseSearchCV):
    """Exhaustive search over a grid of parameters, scored by cross-validation.

    Parameters
    ----------
    estimator : estimator (homeml's or scikit-learn's)
    param_grid : dict or list of dicts
        Parameter name (``step__param`` for nested estimators) -> list of values.
    scoring : None, str, callable, list or dict
    n_jobs : int or None
        (candidate, fold) fits run at once, through ``joblib.Parallel`` (None: 1 unless a
        joblib ``parallel_backend`` says otherwise; ``"dask"`` runs them on a Dask cluster).
    refit : bool, str or callable
        Refit the best candidate on all the data (for several metrics: the metric's name, or a
        callable ``cv_results_ -> best index``).
    cv : None, int, splitter or iterable
    error_score : "raise" or float
        Score of a failed fit.
    return_train_score : bool

    Attributes
    ----------
    cv_results_ : dict
        scikit-learn's table: ``mean_fit_time``, ``param_<name>``, ``params``,
        ``split<k>_test_score``, ``mean_test_score``, ``std_test_score``, ``rank_test_score``...
    best_estimator_, best_score_, best_params_, best_index_, scorer_, n_splits_, refit_time_
    """

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        error_score=np.nan,
        return_train_score=False,
    ):
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.verbose = verbose
        self.pre_dispatch = pre_dispatch
        self.error_score = error_score
        self.return_train_score = return_train_score

    def _candidates(self):
        return ParameterGrid(self.param_grid)


class RandomizedSearchCV(BaseSearchCV):
    """Search over ``n_iter`` parameter settings sampled from lists or distributions.

    Parameters
    ----------
    param_distributions : dict or list of dicts
        Parameter name -> list (sampled uniformly) or object with ``rvs(random_state=...)``
        (e.g. a ``scipy.stats`` distribution).
    n_iter : int
        Number of candidates.
    random_state : int, RandomState or None
        Seeds the sampling.

    Other parameters and attributes are those of :class:`GridSearchCV`.
    """

    _homeml_constraints = {"n_iter": [Interval(Integral, 1, None, closed="left")]}

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=10,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
    ):
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.cv = cv
        self.verbose = verbose
        self.pre_dispatch = pre_dispatch
        self.random_state = random_state
        self.error_score = error_score
        self.return_train_score = return_train_score

    def _candidates(self):
        return ParameterSampler(
            self.param_distributions, self.n_iter, random_state=self.random_state
        )
