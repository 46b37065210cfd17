"""Permutation importance: how much a score drops when one feature's values are shuffled.

The random stream is scikit-learn's: one seed drawn from ``random_state``, and for each feature a
fresh generator from that seed (so every feature sees the same row permutations), so the same
``random_state`` gives the same importances.
"""

from __future__ import annotations

import numbers

import numpy as np

from homeml.learn._scorer import check_multimetric_scoring, check_scoring
from homeml.learn.base import Bunch, check_random_state
from homeml.learn.model_selection._split import index_rows


def sample_without_replacement(n_population: int, n_samples: int, rng) -> np.ndarray:
    """``n_samples`` distinct indices below ``n_population``: scikit-learn's "auto" method
    (a permutation's head for ratios in (0.01, 0.99), else tracking selection or a reservoir),
    drawing the same numbers from ``rng``."""
    ratio = n_samples / n_population if n_population else 1.0
    if 0.01 < ratio < 0.99:
        return rng.permutation(n_population)[:n_samples]
    if ratio < 0.2:  # tracking selection: draw until unseen
        selected: set[int] = set()
        out = np.empty(n_samples, dtype=np.int64)
        for i in range(n_samples):
            j = rng.randint(n_population)
            while j in selected:
                j = rng.randint(n_population)
            selected.add(j)
            out[i] = j
        return out
    out = np.arange(n_samples, dtype=np.int64)  # reservoir sampling
    for i in range(n_samples, n_population):
        j = rng.randint(0, i + 1)
        if j < n_samples:
            out[j] = i
    return out


def _score(scorer, estimator, X, y, sample_weight):
    if isinstance(scorer, dict):
        return {name: _score(s, estimator, X, y, sample_weight) for name, s in scorer.items()}
    if sample_weight is not None:
        return scorer(estimator, X, y, sample_weight=sample_weight)
    return scorer(estimator, X, y)


def _permuted_scores(estimator, X, y, sample_weight, column, seed, n_repeats, scorer, max_samples):
    rng = check_random_state(seed)
    if max_samples < X.shape[0]:
        rows = sample_without_replacement(X.shape[0], max_samples, rng)
        X_permuted = index_rows(X, rows)
        y = index_rows(y, rows)
        sample_weight = index_rows(sample_weight, rows)
    else:
        X_permuted = X.copy()
    order = np.arange(X_permuted.shape[0])
    scores = []
    for _ in range(n_repeats):
        rng.shuffle(order)
        if hasattr(X_permuted, "iloc"):
            values = X_permuted.iloc[order, column]
            values.index = X_permuted.index
            X_permuted[X_permuted.columns[column]] = values
        else:
            X_permuted[:, column] = X_permuted[order, column]
        scores.append(_score(scorer, estimator, X_permuted, y, sample_weight))
    if isinstance(scores[0], dict):
        return {name: np.array([s[name] for s in scores]) for name in scores[0]}
    return np.array(scores)


def _importances(baseline, permuted) -> Bunch:
    importances = baseline - permuted  # (n_features, n_repeats)
    return Bunch(
        importances_mean=np.mean(importances, axis=1),
        importances_std=np.std(importances, axis=1),
        importances=importances,
    )


def permutation_importance(
    estimator,
    X,
    y,
    *,
    scoring=None,
    n_repeats=5,
    n_jobs=None,
    random_state=None,
    sample_weight=None,
    max_samples=1.0,
):
    """Permutation importance of each feature for a fitted estimator.

    Parameters
    ----------
    estimator : fitted estimator
    X : ndarray or DataFrame of shape (n_samples, n_features)
        Data to score on (often held out).
    y : array-like of shape (n_samples,) or None
        Targets (None for unsupervised scoring).
    scoring : str, callable, list, tuple, dict or None, default=None
        The score (the estimator's ``score`` when None); several give one result per name.
    n_repeats : int, default=5
        Number of shuffles of each feature.
    n_jobs : int or None
        Accepted and ignored (features are permuted one after the other).
    random_state : int, RandomState instance or None, default=None
    sample_weight : array-like of shape (n_samples,), default=None
    max_samples : int or float, default=1.0
        Rows drawn (without replacement) to score each feature on: a count or a fraction.

    Returns
    -------
    Bunch or dict of Bunch
        ``importances_mean`` and ``importances_std`` of shape (n_features,), and
        ``importances`` of shape (n_features, n_repeats): baseline score minus permuted score.
    """
    if not hasattr(X, "iloc"):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"Expected a 2-D X of shape (n_samples, n_features); got {X.shape}.")
    rng = check_random_state(random_state)
    seed = rng.randint(np.iinfo(np.int32).max + 1)
    if not isinstance(max_samples, numbers.Integral):
        max_samples = int(max_samples * X.shape[0])
    elif max_samples > X.shape[0]:
        raise ValueError("max_samples must be <= n_samples")
    if isinstance(scoring, (list, tuple, set, dict)):
        scorer = check_multimetric_scoring(scoring)
    else:
        scorer = check_scoring(estimator, scoring)
    baseline = _score(scorer, estimator, X, y, sample_weight)
    scores = [
        _permuted_scores(estimator, X, y, sample_weight, c, seed, n_repeats, scorer, max_samples)
        for c in range(X.shape[1])
    ]
    if isinstance(baseline, dict):
        return {
            name: _importances(baseline[name], np.array([s[name] for s in scores]))
            for name in baseline
        }
    return _importances(baseline, np.array(scores))
