"""Cross-validation: cross_validate, cross_val_score and learning_curve.

Folds (and, in learning_curve, training sizes) are independent tasks run by
``joblib.Parallel(n_jobs)``: processes, threads or a Dask cluster under
``joblib.parallel_backend("dask")``; the results do not depend on ``n_jobs``.
"""

from __future__ import annotations

import numbers
import time
import traceback
import warnings

import numpy as np

from homeml.learn._parallel import parallel_map
from homeml.learn._scorer import check_multimetric_scoring, check_scoring
from homeml.learn.base import _num_samples, check_random_state, clone, type_of_target
from homeml.learn.exceptions import FitFailedWarning
from homeml.learn.model_selection._split import (
    KFold,
    StratifiedKFold,
    as_indexable,
    index_rows,
)


def is_classifier(estimator) -> bool:
    """Whether ``estimator`` (homeml's or scikit-learn's) is a classifier."""
    if hasattr(estimator, "_homeml_tags"):
        return estimator._homeml_tags()["estimator_type"] == "classifier"
    if hasattr(estimator, "__sklearn_tags__"):
        try:
            return estimator.__sklearn_tags__().estimator_type == "classifier"
        except Exception:  # noqa: BLE001 (a third-party object with broken tags)
            pass
    return getattr(estimator, "_estimator_type", None) == "classifier"


def check_cv(cv=5, y=None, *, classifier=False):
    """A splitter from ``cv``: None/int (stratified for classifiers), a splitter or a list."""
    cv = 5 if cv is None else cv
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if classifier and y is not None and type_of_target(y) in ("binary", "multiclass"):
            return StratifiedKFold(cv)
        return KFold(cv)
    if hasattr(cv, "split") and hasattr(cv, "get_n_splits"):
        return cv
    if hasattr(cv, "__iter__") and not isinstance(cv, str):
        return _FixedSplits(list(cv))
    raise ValueError(
        f"Expected cv as an integer, cross-validation object (from "
        f"homeml.learn.model_selection) or an iterable. Got {cv!r}."
    )


class _FixedSplits:
    def __init__(self, splits):
        self.splits = splits

    def get_n_splits(self, X=None, y=None, groups=None):
        return len(self.splits)

    def split(self, X=None, y=None, groups=None):
        for train, test in self.splits:
            yield np.asarray(train), np.asarray(test)


def _scorers(estimator, scoring):
    """``(scorers, multimetric)``: a dict of scorers, or one scorer under the key "score"."""
    if isinstance(scoring, (list, tuple, set, dict)):
        return check_multimetric_scoring(scoring), True
    return {"score": check_scoring(estimator, scoring)}, False


def _score(scorers, estimator, X, y, error_score):
    out = {}
    for name, scorer in scorers.items():
        try:
            out[name] = float(
                scorer(estimator, X, y) if y is not None else scorer(estimator, X, None)
            )
        except Exception:
            if error_score == "raise":
                raise
            out[name] = error_score
            warnings.warn(
                f"Scoring failed. The score on this train-test partition for these "
                f"parameters will be set to {error_score}. Details: \n"
                f"{traceback.format_exc()}",
                UserWarning,
                stacklevel=2,
            )
    return out


def fit_and_score(
    estimator,
    X,
    y,
    scorers,
    train,
    test,
    *,
    parameters=None,
    fit_params=None,
    return_train_score=False,
    error_score=np.nan,
):
    """Fit a clone on ``train``, score on ``test`` (and ``train``); returns a dict of results."""
    estimator = clone(estimator)
    if parameters:
        estimator.set_params(**parameters)
    X_train, X_test = index_rows(X, train), index_rows(X, test)
    y_train, y_test = index_rows(y, train), index_rows(y, test)
    fit_params = {
        k: index_rows(v, train) if _num_samples_or_none(v) == _num_samples(X) else v
        for k, v in (fit_params or {}).items()
    }
    start = time.perf_counter()
    result = {"estimator": estimator, "fit_error": None}
    try:
        if y_train is None:
            estimator.fit(X_train, **fit_params)
        else:
            estimator.fit(X_train, y_train, **fit_params)
    except Exception:
        if error_score == "raise":
            raise
        if not isinstance(error_score, numbers.Number):
            raise ValueError("error_score must be the string 'raise' or a numeric value.") from None
        result["fit_error"] = traceback.format_exc()
        result["fit_time"] = time.perf_counter() - start
        result["score_time"] = 0.0
        result["test_scores"] = dict.fromkeys(scorers, error_score)
        if return_train_score:
            result["train_scores"] = dict.fromkeys(scorers, error_score)
        return result
    result["fit_time"] = time.perf_counter() - start
    start = time.perf_counter()
    result["test_scores"] = _score(scorers, estimator, X_test, y_test, error_score)
    result["score_time"] = time.perf_counter() - start
    if return_train_score:
        result["train_scores"] = _score(scorers, estimator, X_train, y_train, error_score)
    return result


def fit_and_score_tasks(tasks, n_jobs) -> list:
    """:func:`fit_and_score` of each ``(estimator, X, y, scorers, train, test, options)``,
    run by ``joblib.Parallel(n_jobs)``; ``options`` are its keyword arguments."""
    return parallel_map(_fit_and_score_task, tasks, n_jobs)


def _fit_and_score_task(estimator, X, y, scorers, train, test, options):
    return fit_and_score(estimator, X, y, scorers, train, test, **options)


def _num_samples_or_none(value):
    try:
        return _num_samples(value)
    except TypeError:
        return None


def warn_fit_failures(results, error_score) -> None:
    """One warning (or, when every fit failed, an error) summarising failed fits."""
    failures = [r["fit_error"] for r in results if r["fit_error"] is not None]
    if not failures:
        return
    message = (
        f"\n{len(failures)} fits failed out of a total of {len(results)}.\n"
        f"The score on these train-test partitions for these parameters will be set to "
        f"{error_score}.\nBelow are more details about the failures:\n{failures[0]}"
    )
    if len(failures) == len(results):
        raise ValueError(f"\nAll the {len(results)} fits failed.\n{message}")
    warnings.warn(message, FitFailedWarning, stacklevel=3)


def cross_validate(
    estimator,
    X,
    y=None,
    *,
    groups=None,
    scoring=None,
    cv=None,
    n_jobs=None,
    verbose=0,
    params=None,
    pre_dispatch="2*n_jobs",
    return_train_score=False,
    return_estimator=False,
    return_indices=False,
    error_score=np.nan,
):
    """Fit and score ``estimator`` on each cross-validation split.

    Parameters
    ----------
    scoring : None, str, callable, list or dict
        None uses ``estimator.score``; names are those of ``metrics.get_scorer_names()``.
    cv : None, int, splitter or iterable of (train, test)
        None means 5 folds, stratified for classifiers.
    n_jobs : int or None
        Folds fitted at once, through ``joblib.Parallel`` (None: 1 unless a joblib
        ``parallel_backend`` says otherwise).
    pre_dispatch, verbose
        Accepted and ignored.
    params : dict or None
        Fit parameters; those with one value per sample are split with the data.

    Returns
    -------
    dict of arrays
        ``fit_time``, ``score_time``, ``test_score`` (or ``test_<name>`` for several metrics),
        ``train_*`` with ``return_train_score``, ``estimator`` and ``indices`` when asked.
    """
    X, y = as_indexable(X), as_indexable(y)
    splitter = check_cv(cv, y, classifier=is_classifier(estimator))
    scorers, multimetric = _scorers(estimator, scoring)
    splits = list(splitter.split(X, y, groups))
    options = {
        "fit_params": params,
        "return_train_score": return_train_score,
        "error_score": error_score,
    }
    tasks = [(estimator, X, y, scorers, train, test, options) for train, test in splits]
    results = fit_and_score_tasks(tasks, n_jobs)
    warn_fit_failures(results, error_score)
    out = {
        "fit_time": np.array([r["fit_time"] for r in results]),
        "score_time": np.array([r["score_time"] for r in results]),
    }
    if return_estimator:
        out["estimator"] = [r["estimator"] for r in results]
    if return_indices:
        out["indices"] = {"train": [s[0] for s in splits], "test": [s[1] for s in splits]}
    for name in scorers:
        key = name if multimetric else "score"
        out[f"test_{key}"] = np.array([r["test_scores"][name] for r in results])
        if return_train_score:
            out[f"train_{key}"] = np.array([r["train_scores"][name] for r in results])
    return out


def cross_val_score(
    estimator,
    X,
    y=None,
    *,
    groups=None,
    scoring=None,
    cv=None,
    n_jobs=None,
    verbose=0,
    params=None,
    pre_dispatch="2*n_jobs",
    error_score=np.nan,
):
    """The test score of each cross-validation split, as an array (see :func:`cross_validate`)."""
    if isinstance(scoring, (list, tuple, set, dict)):
        raise ValueError("cross_val_score takes a single metric; use cross_validate for several.")
    return cross_validate(
        estimator,
        X,
        y,
        groups=groups,
        scoring=scoring,
        cv=cv,
        n_jobs=n_jobs,
        params=params,
        error_score=error_score,
    )["test_score"]


def _absolute_sizes(train_sizes, n_max: int) -> np.ndarray:
    sizes = np.asarray(train_sizes)
    if sizes.dtype.kind == "f":
        if sizes.min() <= 0 or sizes.max() > 1:
            raise ValueError(
                f"train_sizes has been interpreted as fractions of the maximum "
                f"number of training samples and must be within (0, 1], but is "
                f"within [{sizes.min()}, {sizes.max()}]."
            )
        sizes = np.clip((sizes * n_max).astype(int), 1, n_max)
    elif sizes.min() <= 0 or sizes.max() > n_max:
        raise ValueError(
            f"train_sizes has been interpreted as absolute numbers of training "
            f"samples and must be within (0, {n_max}], but is within "
            f"[{sizes.min()}, {sizes.max()}]."
        )
    unique = np.unique(sizes)
    if len(unique) != len(sizes):
        warnings.warn(
            f"Removed duplicate entries from 'train_sizes'. Number of ticks will be "
            f"less than the size of 'train_sizes': {len(unique)} instead of "
            f"{len(sizes)}.",
            RuntimeWarning,
            stacklevel=3,
        )
    return unique


_DEFAULT_TRAIN_SIZES = np.linspace(0.1, 1.0, 5)


def learning_curve(
    estimator,
    X,
    y,
    *,
    groups=None,
    train_sizes=_DEFAULT_TRAIN_SIZES,
    cv=None,
    scoring=None,
    exploit_incremental_learning=False,
    n_jobs=None,
    pre_dispatch="all",
    verbose=0,
    shuffle=False,
    random_state=None,
    error_score=np.nan,
    return_times=False,
    params=None,
):
    """Train and test scores for growing training sets, in every cross-validation split.

    Parameters
    ----------
    train_sizes : array of floats in (0, 1] or ints
        Sizes of the training subsets: fractions of the largest training fold, or counts.
    shuffle : bool
        Shuffle each training fold (with ``random_state``) before taking its first rows.

    Returns
    -------
    train_sizes_abs : ndarray of shape (n_ticks,)
    train_scores, test_scores : ndarray of shape (n_ticks, n_splits)
    fit_times, score_times : ndarray of shape (n_ticks, n_splits)
        Only with ``return_times``.
    """
    if exploit_incremental_learning:
        raise ValueError("exploit_incremental_learning=True is not supported by homeml.")
    splitter = check_cv(cv, y, classifier=is_classifier(estimator))
    scorer = check_scoring(estimator, scoring)
    splits = list(splitter.split(X, y, groups))
    sizes = _absolute_sizes(train_sizes, len(splits[0][0]))
    rng = check_random_state(random_state)
    options = {"fit_params": params, "return_train_score": True, "error_score": error_score}
    tasks = []
    for train, test in splits:
        if shuffle:
            train = rng.permutation(train)
        tasks += [(estimator, X, y, {"score": scorer}, train[:s], test, options) for s in sizes]
    results = fit_and_score_tasks(tasks, n_jobs)
    warn_fit_failures(results, error_score)

    def table(pick):  # results are split-major; the outputs are (n_ticks, n_splits)
        return np.array([pick(r) for r in results]).reshape(len(splits), len(sizes)).T

    out = [
        sizes,
        table(lambda r: r["train_scores"]["score"]),
        table(lambda r: r["test_scores"]["score"]),
    ]
    if return_times:
        out += [table(lambda r: r["fit_time"]), table(lambda r: r["score_time"])]
    return tuple(out)
