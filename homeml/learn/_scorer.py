"""Scorers: a metric turned into ``scorer(estimator, X, y) -> float`` (greater is better).

Model selection (``cross_validate``, ``GridSearchCV``) takes ``scoring`` as None (the estimator's
own ``score``), a name from :func:`get_scorer_names` (scikit-learn's names, e.g. ``"accuracy"``,
``"f1_macro"``, ``"roc_auc"``, ``"neg_mean_squared_error"``), a callable, or a list/dict of these
for several metrics at once.
"""

from __future__ import annotations

import functools


class _Scorer:
    """Calls ``metric(y, response)``, the response being what the metric needs.

    ``response`` is "predict"; "proba" (the probability matrix, with the estimator's classes as
    ``labels``); or "threshold" (``decision_function`` when the estimator has it, else the
    positive-class probability).
    """

    def __init__(self, name, metric, sign=1, response="predict", **kwargs):
        self.name, self.metric, self.sign, self.response = name, metric, sign, response
        self.kwargs = kwargs

    def __call__(self, estimator, X, y, sample_weight=None):
        extra = {} if sample_weight is None else {"sample_weight": sample_weight}
        if self.response == "predict":
            prediction = estimator.predict(X)
        elif self.response == "proba":
            prediction = estimator.predict_proba(X)
            extra["labels"] = getattr(estimator, "classes_", None)
        else:
            prediction = _threshold_response(estimator, X)
        return self.sign * self.metric(y, prediction, **self.kwargs, **extra)

    def __repr__(self):
        return f"make_scorer({self.metric.__name__}, sign={self.sign}, response={self.response!r})"


def _threshold_response(estimator, X):
    if hasattr(estimator, "decision_function"):
        return estimator.decision_function(X)
    proba = estimator.predict_proba(X)
    return proba[:, 1] if proba.ndim == 2 and proba.shape[1] == 2 else proba


def make_scorer(metric, *, greater_is_better=True, response="predict", **kwargs):
    """Turn ``metric(y_true, response, **kwargs)`` into a scorer (negated if lower is better)."""
    return _Scorer(metric.__name__, metric, 1 if greater_is_better else -1, response, **kwargs)


@functools.cache
def _scorers() -> dict:
    from homeml.learn import metrics as m  # metrics re-exports this module's functions

    table = {
        "accuracy": _Scorer("accuracy", m.accuracy_score),
        "r2": _Scorer("r2", m.r2_score),
        "neg_mean_squared_error": _Scorer("neg_mean_squared_error", m.mean_squared_error, -1),
        "neg_root_mean_squared_error": _Scorer(
            "neg_root_mean_squared_error", m.root_mean_squared_error, -1
        ),
        "neg_mean_absolute_error": _Scorer("neg_mean_absolute_error", m.mean_absolute_error, -1),
        "neg_log_loss": _Scorer("neg_log_loss", m.log_loss, -1, "proba"),
        "roc_auc": _Scorer("roc_auc", m.roc_auc_score, 1, "threshold"),
    }
    for strategy in ("ovr", "ovo"):  # multiclass ROC AUC takes the full probability matrix
        for average in ("macro", "weighted"):
            name = f"roc_auc_{strategy}" + ("_weighted" if average == "weighted" else "")
            table[name] = _Scorer(
                name, m.roc_auc_score, 1, "proba", multi_class=strategy, average=average
            )
    for name, metric in (
        ("precision", m.precision_score),
        ("recall", m.recall_score),
        ("f1", m.f1_score),
    ):
        table[name] = _Scorer(name, metric)
        for average in ("micro", "macro", "weighted"):
            table[f"{name}_{average}"] = _Scorer(f"{name}_{average}", metric, average=average)
    return table


def get_scorer_names() -> list[str]:
    """The names :func:`get_scorer` knows."""
    return sorted(_scorers())


def get_scorer(scoring):
    """The scorer called ``scoring`` (a callable is returned unchanged)."""
    if callable(scoring):
        return scoring
    try:
        return _scorers()[scoring]
    except (KeyError, TypeError):
        raise ValueError(
            f"{scoring!r} is not a valid scoring value. Use "
            "homeml.learn.metrics.get_scorer_names() to get valid options."
        ) from None


def _passthrough_score(estimator, X, y, sample_weight=None):
    extra = {} if sample_weight is None else {"sample_weight": sample_weight}
    return estimator.score(X, y, **extra)


def check_scoring(estimator=None, scoring=None):
    """One scorer for ``scoring`` (None: the estimator's ``score`` method)."""
    if scoring is None:
        if estimator is not None and not hasattr(estimator, "score"):
            raise TypeError(
                f"If no scoring is specified, the estimator passed should have a "
                f"'score' method. The estimator {estimator!r} does not."
            )
        return _passthrough_score
    if isinstance(scoring, (list, tuple, set, dict)):
        raise ValueError(
            "For evaluating multiple scores, use check_multimetric_scoring "
            "(cross_validate and GridSearchCV accept a list or dict)."
        )
    return get_scorer(scoring)


def check_multimetric_scoring(scoring) -> dict:
    """``{name: scorer}`` from a list/tuple/set of names or a dict of names/callables."""
    if isinstance(scoring, dict):
        if not scoring or not all(isinstance(k, str) for k in scoring):
            raise ValueError(f"scoring dict must be non-empty with string keys; got {scoring!r}.")
        return {k: get_scorer(v) for k, v in scoring.items()}
    names = list(scoring)
    if not names or len(set(names)) != len(names) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"scoring list must hold distinct scorer names; got {scoring!r}.")
    return {n: get_scorer(n) for n in names}
