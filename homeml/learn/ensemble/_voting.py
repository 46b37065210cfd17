"""``VotingClassifier``: several classifiers vote (by label or by averaged probabilities)."""

from __future__ import annotations

import numpy as np

from homeml.learn._parallel import parallel_map
from homeml.learn._param_validation import StrOptions
from homeml.learn.base import (
    Bunch,
    ClassifierMixin,
    TransformerMixin,
    check_is_fitted,
    clone,
    encode_classes,
)
from homeml.learn.pipeline._composition import Composition


def _fit_one(estimator, X, y, fit_params):
    return estimator.fit(X, y, **fit_params)


class VotingClassifier(ClassifierMixin, TransformerMixin, Composition):
    """Soft or hard voting over several classifiers fitted on the same data.

    Parameters
    ----------
    estimators : list of (str, estimator)
        The classifiers and their names; an estimator may be ``'drop'`` to leave it out. Their
        parameters are reachable as ``<name>__<param>`` in ``get_params``/``set_params``.
    voting : {'hard', 'soft'}, default='hard'
        'hard': majority (weighted count) of predicted labels. 'soft': argmax of the weighted
        mean of ``predict_proba``.
    weights : array-like of shape (n_estimators,) or None
        Weight of each estimator's vote (``None``: equal weights).
    n_jobs : int or None
        Estimators fitted at once, through ``joblib.Parallel`` (None: 1 unless a joblib
        ``parallel_backend`` says otherwise).
    flatten_transform : bool, default=True
        With soft voting, ``transform`` returns ``(n_samples, n_estimators * n_classes)`` when
        True, ``(n_estimators, n_samples, n_classes)`` when False.
    verbose : bool, default=False
        Ignored.

    Attributes
    ----------
    estimators_ : list of fitted estimators (dropped ones left out)
    named_estimators_ : dict-like, fitted estimators by name (attribute access works)
    classes_ : ndarray of the class labels
    """

    _homeml_constraints = {
        "voting": [StrOptions({"hard", "soft"})],
        "weights": ["array-like", None],
        "flatten_transform": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimators,
        *,
        voting="hard",
        weights=None,
        n_jobs=None,
        flatten_transform=True,
        verbose=False,
    ):
        self.estimators = estimators
        self.voting = voting
        self.weights = weights
        self.n_jobs = n_jobs
        self.flatten_transform = flatten_transform
        self.verbose = verbose

    # nested parameters (each estimator under its name, ``name__param``) come from Composition
    _items_attribute = "estimators"

    def _named_pairs(self):
        """The well-formed (name, estimator) pairs (the checks store odd values here too)."""
        pairs = self.estimators if isinstance(self.estimators, (list, tuple)) else []
        return [tuple(p) for p in pairs if isinstance(p, (list, tuple)) and len(p) == 2]

    def _homeml_tags(self):
        ests = [e for _, e in self._named_pairs() if e != "drop"]
        allow_nan = bool(ests) and all(
            getattr(e, "_homeml_tags", lambda: {})().get("allow_nan", False) for e in ests
        )
        return {**super()._homeml_tags(), "allow_nan": allow_nan, "preserves_dtype": []}

    # -- fitting and voting ----------------------------------------------------------------------

    def _check_estimators(self):
        if (
            not isinstance(self.estimators, (list, tuple))
            or not self.estimators
            or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in self.estimators)
        ):
            raise ValueError(
                "estimators must be a non-empty list of (name, estimator) tuples; "
                f"got {self.estimators!r}."
            )
        names = [name for name, _ in self.estimators]
        if len(set(names)) != len(names):
            raise ValueError(f"Names provided are not unique: {names!r}")
        bad = [
            n for n in names if not isinstance(n, str) or "__" in n or n in self._get_param_names()
        ]
        if bad:
            raise ValueError(
                f"Estimator names must be strings without '__' that are not "
                f"constructor arguments; got {bad!r}."
            )
        kept = [(n, e) for n, e in self.estimators if e != "drop"]
        if not kept:
            raise ValueError("All estimators are dropped. At least one is required.")
        for name, est in kept:
            if not hasattr(est, "fit") or not hasattr(est, "predict"):
                raise TypeError(f"Estimator {name!r} must have fit and predict; got {est!r}.")
        if self.weights is not None and len(self.weights) != len(self.estimators):
            raise ValueError(
                f"Number of `estimators` and weights must be equal; got "
                f"{len(self.weights)} weights, {len(self.estimators)} estimators."
            )
        return kept

    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit every (non-dropped) estimator on ``X`` and ``y`` (labels encoded 0..k-1)."""
        self._validate_params()
        kept = self._check_estimators()
        X, y = self._validate_data(X, y)
        self.classes_, codes = encode_classes(y, self)
        self.le_ = None
        if sample_weight is not None:
            fit_params["sample_weight"] = sample_weight
        tasks = [(clone(est), X, codes, fit_params) for _, est in kept]
        self.estimators_ = parallel_map(_fit_one, tasks, self.n_jobs)
        self.named_estimators_ = Bunch(
            {name: fitted for (name, _), fitted in zip(kept, self.estimators_)}
        )
        for name, est in self.estimators:
            if est == "drop":
                self.named_estimators_[name] = "drop"
        return self

    @property
    def _weights_not_none(self):
        if self.weights is None:
            return None
        return [w for (_, est), w in zip(self.estimators, self.weights) if est != "drop"]

    def _collect_probas(self, X):
        return np.asarray([est.predict_proba(X) for est in self.estimators_])

    def predict(self, X):
        """Class label of each sample by majority (hard) or highest mean probability (soft)."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        if self.voting == "soft":
            return self.classes_[np.argmax(self._average_proba(X), axis=1)]
        votes = np.asarray([est.predict(X) for est in self.estimators_]).astype(np.intp)  # (m, n)
        weights = (
            np.ones(len(self.estimators_))
            if self.weights is None
            else np.asarray(self._weights_not_none, float)
        )
        counts = np.zeros((votes.shape[1], len(self.classes_)))
        for vote, w in zip(votes, weights):
            counts[np.arange(votes.shape[1]), vote] += w
        return self.classes_[np.argmax(counts, axis=1)]

    def _average_proba(self, X):
        return np.average(self._collect_probas(X), axis=0, weights=self._weights_not_none)

    @property
    def predict_proba(self):
        """Weighted mean of the estimators' class probabilities (soft voting only)."""
        if self.voting == "hard":
            raise AttributeError("predict_proba is not available when voting='hard'")
        return self._predict_proba

    def _predict_proba(self, X):
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        return self._average_proba(X)

    def transform(self, X):
        """Each estimator's output: probabilities (soft) or predicted class codes (hard)."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        if self.voting == "soft":
            probas = self._collect_probas(X)
            return np.hstack(probas) if self.flatten_transform else probas
        return np.asarray([est.predict(X) for est in self.estimators_]).T

    def get_feature_names_out(self, input_features=None):
        """Names of the ``transform`` columns."""
        check_is_fitted(self)
        prefix = type(self).__name__.lower()
        names = [name for name, est in self.estimators if est != "drop"]
        if self.voting == "soft" and self.flatten_transform:
            return np.asarray(
                [f"{prefix}_{n}{k}" for n in names for k in range(len(self.classes_))], dtype=object
            )
        return np.asarray([f"{prefix}_{n}" for n in names], dtype=object)
