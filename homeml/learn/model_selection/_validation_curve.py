"""validation_curve: train and test scores for each value of one parameter, in every split."""

from __future__ import annotations

import numpy as np

from homeml.learn._scorer import check_scoring
from homeml.learn.model_selection._split import as_indexable
from homeml.learn.model_selection._validation import (
    check_cv,
    fit_and_score,
    is_classifier,
    warn_fit_failures,
)


def validation_curve(
    estimator,
    X,
    y,
    *,
    param_name,
    param_range,
    groups=None,
    cv=None,
    scoring=None,
    n_jobs=None,
    pre_dispatch="all",
    verbose=0,
    error_score=np.nan,
    params=None,
):
    """Train and test scores of ``estimator`` for each value of one parameter, in every split.

    Parameters
    ----------
    param_name : str
        The parameter that varies (``step__param`` reaches into pipelines).
    param_range : array-like of shape (n_values,)
        Its values.
    groups : array-like of shape (n_samples,) or None
        Group labels for the splitter.
    cv, scoring, error_score
        As in :func:`cross_validate`.
    n_jobs, pre_dispatch, verbose
        Accepted and ignored.
    params : dict or None
        Fit parameters; those with one value per sample are split with the data.

    Returns
    -------
    train_scores, test_scores : ndarray of shape (n_values, n_splits)
    """
    X, y = as_indexable(X), as_indexable(y)
    splitter = check_cv(cv, y, classifier=is_classifier(estimator))
    scorer = check_scoring(estimator, scoring)
    results = [
        fit_and_score(
            estimator,
            X,
            y,
            {"score": scorer},
            train,
            test,
            parameters={param_name: value},
            fit_params=params,
            return_train_score=True,
            error_score=error_score,
        )
        for train, test in splitter.split(X, y, groups)
        for value in param_range
    ]
    warn_fit_failures(results, error_score)
    n_values = len(param_range)
    train = np.array([r["train_scores"]["score"] for r in results]).reshape(-1, n_values).T
    test = np.array([r["test_scores"]["score"] for r in results]).reshape(-1, n_values).T
    return train, test
