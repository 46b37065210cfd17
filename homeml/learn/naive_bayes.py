"""Naive Bayes classifiers: Gaussian, multinomial and Bernoulli, all computed in log-space.

Each model scores a sample by its joint log-likelihood per class, ``log P(c) + log P(x | c)``
with the features independent given the class; probabilities are those scores normalised with
log-sum-exp, so that very small likelihoods never underflow to zero.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from homeml.learn._math import logsumexp
from homeml.learn._param_validation import Interval, Real
from homeml.learn.base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_classification_targets,
    check_is_fitted,
    check_sample_weight,
    encode_classes,
    require_two_classes,
)

__all__ = ["GaussianNB", "MultinomialNB", "BernoulliNB", "ComplementNB"]


class _BaseNB(ClassifierMixin, BaseEstimator):
    """Prediction from ``_joint_log_likelihood``, shared by the three models."""

    def _joint_log_likelihood(self, X) -> np.ndarray:  # (n_samples, n_classes)
        raise NotImplementedError

    # the models that count (multinomial, Bernoulli) also take SciPy sparse matrices
    _sparse_ok: dict = {}

    def _check_X(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self._validate_data(X, reset=False, **self._sparse_ok)

    def predict_joint_log_proba(self, X) -> np.ndarray:
        """Unnormalised ``log P(c) + log P(x | c)`` for each class, shape (n_samples, n_classes)."""
        return self._joint_log_likelihood(self._check_X(X))

    def predict(self, X) -> np.ndarray:
        """The class with the largest posterior probability for each sample."""
        jll = self.predict_joint_log_proba(X)
        return self.classes_[np.argmax(jll, axis=1)]

    def predict_log_proba(self, X) -> np.ndarray:
        """Log of the posterior class probabilities, shape (n_samples, n_classes)."""
        jll = self.predict_joint_log_proba(X)
        return jll - logsumexp(jll, axis=1)[:, None]

    def predict_proba(self, X) -> np.ndarray:
        """Posterior class probabilities (rows sum to 1), shape (n_samples, n_classes)."""
        return np.exp(self.predict_log_proba(X))

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the model with one more batch; ``classes`` is required on the first call."""
        self._validate_params()
        first_call = not hasattr(self, "classes_")
        X, y = self._validate_data(X, y, reset=first_call, **self._sparse_ok)
        return self._partial_fit(X, y, classes, sample_weight, first_call=first_call)

    def _start_classes(self, y, classes, first_call: bool) -> np.ndarray:
        """Set ``classes_`` on the first ``partial_fit`` call; return ``y`` as codes into it."""
        check_classification_targets(y)
        if first_call:
            if classes is None:
                raise ValueError(
                    f"classes must be passed on the first call to {type(self).__name__}."
                    "partial_fit (the list of all class labels)."
                )
            self.classes_ = np.unique(np.asarray(classes))
            require_two_classes(self.classes_, self)
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"classes={np.asarray(classes)!r} is not the same as on the first call to "
                f"partial_fit: {self.classes_!r}."
            )
        codes = np.searchsorted(self.classes_, y)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unknown = self.classes_[codes] != y
        if np.any(unknown):
            raise ValueError(
                f"The target label(s) {np.unique(y[unknown])!r} in y do not exist in the "
                f"initial classes {self.classes_!r}."
            )
        return codes


class GaussianNB(_BaseNB):
    """Gaussian naive Bayes: each feature is normal within each class.

    Parameters
    ----------
    priors : array-like of shape (n_classes,), default=None
        Prior class probabilities; when None they are the class frequencies in the data.
    var_smoothing : float, default=1e-9
        Portion of the largest feature variance added to every variance, for stability.

    Attributes
    ----------
    class_count_ : ndarray of shape (n_classes,)
        Number (or total weight) of training samples seen in each class.
    class_prior_ : ndarray of shape (n_classes,)
        Probability of each class.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    epsilon_ : float
        Absolute value added to the variances.
    theta_, var_ : ndarray of shape (n_classes, n_features)
        Mean and variance of each feature per class.
    """

    _homeml_constraints = {
        "priors": ["array-like", None],
        "var_smoothing": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, *, priors=None, var_smoothing=1e-9):
        self.priors = priors
        self.var_smoothing = var_smoothing

    def fit(self, X, y, sample_weight=None):
        """Fit the per-class means and variances of ``X`` (with optional ``sample_weight``)."""
        self._validate_params()
        X, y = self._validate_data(X, y)
        classes, _ = encode_classes(y)
        require_two_classes(classes, self)
        for name in ("classes_", "theta_", "var_", "class_count_", "class_prior_", "epsilon_"):
            self.__dict__.pop(name, None)
        return self._partial_fit(X, y, classes, sample_weight, first_call=True)

    def _partial_fit(self, X, y, classes, sample_weight, first_call):
        _check_some_weight(sample_weight, X)
        X = X.astype(np.float64, copy=False)
        weights = None if sample_weight is None else check_sample_weight(sample_weight, X)
        codes = self._start_classes(y, classes, first_call)
        n_classes, n_features = len(self.classes_), X.shape[1]
        # the smoothing is relative to this batch's largest variance
        self.epsilon_ = self.var_smoothing * np.var(X, axis=0).max()
        if first_call:
            self.theta_ = np.zeros((n_classes, n_features))
            self.var_ = np.zeros((n_classes, n_features))
            self.class_count_ = np.zeros(n_classes)
            self.class_prior_ = self._given_priors(n_classes)
        else:
            self.var_ -= self.epsilon_  # stored variances include the smoothing; take it out
        for k in np.unique(codes):
            rows = codes == k
            w = None if weights is None else weights[rows]
            n_new = rows.sum() if w is None else w.sum()
            if n_new <= 0:
                continue
            self.theta_[k], self.var_[k] = _merge_mean_var(
                self.class_count_[k], self.theta_[k], self.var_[k], X[rows], w, n_new
            )
            self.class_count_[k] += n_new
        self.var_ += self.epsilon_
        if self.priors is None:
            self.class_prior_ = self.class_count_ / self.class_count_.sum()
        return self

    def _given_priors(self, n_classes: int) -> np.ndarray:
        if self.priors is None:
            return np.zeros(n_classes)
        priors = np.asarray(self.priors, dtype=np.float64)
        if priors.shape != (n_classes,):
            raise ValueError(
                f"Number of priors must match number of classes: got {priors.shape[0]} priors "
                f"for {n_classes} classes."
            )
        if not np.isclose(priors.sum(), 1.0):
            raise ValueError(f"The sum of the priors should be 1; got {priors.sum()}.")
        if np.any(priors < 0):
            raise ValueError("Priors must be non-negative.")
        return priors

    def _joint_log_likelihood(self, X):
        out = np.empty((X.shape[0], len(self.classes_)))
        log_norm = -0.5 * np.sum(np.log(2.0 * np.pi * self.var_), axis=1)
        with np.errstate(divide="ignore"):
            log_prior = np.log(self.class_prior_)
        for k in range(len(self.classes_)):
            out[:, k] = np.sum((X - self.theta_[k]) ** 2 / self.var_[k], axis=1)
        return log_prior + log_norm - 0.5 * out


def _check_some_weight(sample_weight, X):
    if sample_weight is not None and not np.any(check_sample_weight(sample_weight, X) > 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")


def _merge_mean_var(n_past, mu, var, X, w, n_new):
    """Mean and variance of the union of past data (n_past, mu, var) and the rows ``X``.

    The new batch's moments are combined with the old ones by Chan et al.'s pairwise formula,
    which stays accurate where a running sum of squares would cancel.
    """
    new_mu = np.average(X, axis=0, weights=w)
    new_var = np.average((X - new_mu) ** 2, axis=0, weights=w)
    if n_past == 0:
        return new_mu, new_var
    n_total = n_past + n_new
    total_mu = (n_new * new_mu + n_past * mu) / n_total
    total_ssd = n_past * var + n_new * new_var + (n_new * n_past / n_total) * (mu - new_mu) ** 2
    return total_mu, total_ssd / n_total


class _BaseDiscreteNB(_BaseNB):
    """Shared counting, smoothing and priors of the multinomial and Bernoulli models."""

    _homeml_constraints = {
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "force_alpha": ["boolean"],
        "fit_prior": ["boolean"],
        "class_prior": ["array-like", None],
    }

    def __init__(self, *, alpha=1.0, force_alpha=True, fit_prior=True, class_prior=None):
        self.alpha = alpha
        self.force_alpha = force_alpha
        self.fit_prior = fit_prior
        self.class_prior = class_prior

    _sparse_ok = {"accept_sparse": "csr"}

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "poor_score": True, "sparse": True}

    def fit(self, X, y, sample_weight=None):
        """Count features per class (weighted by ``sample_weight``) and smooth them."""
        self._validate_params()
        X, y = self._validate_data(X, y, accept_sparse="csr")
        for name in ("classes_", "class_count_", "feature_count_"):
            self.__dict__.pop(name, None)
        classes = np.unique(y)
        require_two_classes(classes, self)
        return self._partial_fit(X, y, classes, sample_weight, first_call=True)

    def _partial_fit(self, X, y, classes, sample_weight, first_call):
        _check_some_weight(sample_weight, X)
        X = self._prepare_X(X)
        codes = self._start_classes(y, classes, first_call)
        n_classes = len(self.classes_)
        if first_call:
            self.class_count_ = np.zeros(n_classes)
            self.feature_count_ = np.zeros((n_classes, X.shape[1]))
        # one-hot class membership, weighted: Y[i, c] = weight of sample i if it is in class c
        Y = np.zeros((X.shape[0], n_classes))
        Y[np.arange(X.shape[0]), codes] = 1.0
        if sample_weight is not None:
            Y *= check_sample_weight(sample_weight, X)[:, None]
        self.feature_count_ += Y.T @ X
        self.class_count_ += Y.sum(axis=0)
        self._update_feature_log_prob(self._checked_alpha())
        self._update_class_log_prior()
        return self

    def _prepare_X(self, X) -> np.ndarray:
        return X

    def _check_X(self, X):
        return self._prepare_X(super()._check_X(X))

    def _checked_alpha(self):
        if isinstance(self.alpha, numbers.Real) and not isinstance(self.alpha, bool):
            alpha = float(self.alpha)
        else:
            alpha = check_array(self.alpha, name="alpha", ensure_2d=False)
            if alpha.shape != (self.n_features_in_,):
                raise ValueError(
                    "When alpha is an array, it should contain n_features elements. Got "
                    f"{alpha.shape} elements instead of {self.n_features_in_}."
                )
        if np.min(alpha) < 0:
            raise ValueError(f"alpha must be >= 0 (all of its values); got {self.alpha!r}.")
        if np.min(alpha) < 1e-10 and not self.force_alpha:
            warnings.warn(
                "alpha too small will result in numeric errors, setting alpha = 1.0e-10. Use "
                "`force_alpha=True` to keep alpha unchanged.",
                UserWarning,
                stacklevel=4,
            )
            alpha = np.maximum(alpha, 1e-10)
        return alpha

    def _update_class_log_prior(self):
        n_classes = len(self.classes_)
        if self.class_prior is not None:
            prior = np.asarray(self.class_prior, dtype=np.float64)
            if prior.shape != (n_classes,):
                raise ValueError(
                    f"Number of priors must match number of classes: got {len(prior)} priors "
                    f"for {n_classes} classes."
                )
            with np.errstate(divide="ignore"):
                self.class_log_prior_ = np.log(prior)
        elif self.fit_prior:
            with np.errstate(divide="ignore"):
                log_count = np.log(self.class_count_)
            self.class_log_prior_ = log_count - np.log(self.class_count_.sum())
        else:
            self.class_log_prior_ = np.full(n_classes, -np.log(n_classes))


class MultinomialNB(_BaseDiscreteNB):
    """Naive Bayes for counts (e.g. word counts): a multinomial distribution per class.

    Parameters
    ----------
    alpha : float or array-like of shape (n_features,), default=1.0
        Additive (Laplace/Lidstone) smoothing; 0 means none.
    force_alpha : bool, default=True
        When False, an ``alpha`` below 1e-10 is raised to 1e-10 (with a warning).
    fit_prior : bool, default=True
        Learn class priors from the data; otherwise use uniform priors.
    class_prior : array-like of shape (n_classes,), default=None
        Given class priors (override ``fit_prior``).

    Attributes
    ----------
    class_count_, class_log_prior_ : ndarray of shape (n_classes,)
    classes_ : ndarray of shape (n_classes,)
    feature_count_, feature_log_prob_ : ndarray of shape (n_classes, n_features)
        Weighted feature totals per class and smoothed ``log P(feature | class)``.
    """

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "positive_only": True}

    def _prepare_X(self, X):
        if np.any((X.data if hasattr(X, "indptr") else X) < 0):
            raise ValueError(
                f"Negative values in data passed to {type(self).__name__} (input X); it "
                "expects counts or frequencies (>= 0)."
            )
        return X

    def _update_feature_log_prob(self, alpha):
        smoothed = self.feature_count_ + alpha
        self.feature_log_prob_ = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))

    def _joint_log_likelihood(self, X):
        return X @ self.feature_log_prob_.T + self.class_log_prior_


class BernoulliNB(_BaseDiscreteNB):
    """Naive Bayes for binary features: a Bernoulli distribution per feature and class.

    Parameters
    ----------
    alpha, force_alpha, fit_prior, class_prior
        As in :class:`MultinomialNB`.
    binarize : float or None, default=0.0
        Threshold: values above it become 1, the rest 0. None means ``X`` is already binary.

    Attributes
    ----------
    class_count_, class_log_prior_ : ndarray of shape (n_classes,)
    classes_ : ndarray of shape (n_classes,)
    feature_count_, feature_log_prob_ : ndarray of shape (n_classes, n_features)
        Weighted count of ones per class and smoothed ``log P(feature = 1 | class)``.
    """

    _homeml_constraints = {
        **_BaseDiscreteNB._homeml_constraints,
        "binarize": [None, Interval(Real, None, None, closed="neither")],
    }

    def __init__(
        self, *, alpha=1.0, force_alpha=True, binarize=0.0, fit_prior=True, class_prior=None
    ):
        super().__init__(
            alpha=alpha, force_alpha=force_alpha, fit_prior=fit_prior, class_prior=class_prior
        )
        self.binarize = binarize

    def _prepare_X(self, X):
        if self.binarize is None:
            return X
        if hasattr(X, "indptr"):  # the zeros stay zeros: only the stored values are compared
            if self.binarize < 0:
                raise ValueError("Cannot binarize a sparse matrix with threshold < 0")
            X = X.astype(np.float64)
            X.data = (X.data > self.binarize).astype(np.float64)
            X.eliminate_zeros()
            return X
        return (X > self.binarize).astype(np.float64)

    def _update_feature_log_prob(self, alpha):
        # P(x_j = 1 | c) = (ones counted + alpha) / (class total + 2 alpha), alpha per feature
        ones = self.feature_count_ + alpha
        totals = self.class_count_[:, None] + 2.0 * np.asarray(alpha)
        self.feature_log_prob_ = np.log(ones) - np.log(totals)

    def _joint_log_likelihood(self, X):
        log_p = self.feature_log_prob_
        log_not_p = np.log1p(-np.exp(log_p))
        # sum_j x_j log p_j + (1 - x_j) log(1 - p_j)
        return X @ (log_p - log_not_p).T + log_not_p.sum(axis=1) + self.class_log_prior_


class ComplementNB(MultinomialNB):
    """Complement naive Bayes (Rennie et al., 2003): each class is scored with the statistics
    of all the *other* classes, which suits imbalanced text classification.

    Parameters
    ----------
    alpha, force_alpha, fit_prior, class_prior
        As in :class:`MultinomialNB` (the prior is used only when there is a single class).
    norm : bool, default=False
        Normalize the weights of each class (the paper's second step).

    Attributes
    ----------
    feature_all_ : ndarray of shape (n_features,)
        Feature totals over all classes.
    feature_log_prob_ : ndarray of shape (n_classes, n_features)
        The complement weights: minus the smoothed log-frequency of each feature outside the
        class (divided by its row sum with ``norm``).
    """

    _homeml_constraints = {**_BaseDiscreteNB._homeml_constraints, "norm": ["boolean"]}

    def __init__(
        self, *, alpha=1.0, force_alpha=True, fit_prior=True, class_prior=None, norm=False
    ):
        super().__init__(
            alpha=alpha, force_alpha=force_alpha, fit_prior=fit_prior, class_prior=class_prior
        )
        self.norm = norm

    def _update_feature_log_prob(self, alpha):
        self.feature_all_ = self.feature_count_.sum(axis=0)
        complement = self.feature_all_ + alpha - self.feature_count_
        logged = np.log(complement / complement.sum(axis=1, keepdims=True))
        if self.norm:
            self.feature_log_prob_ = logged / logged.sum(axis=1, keepdims=True)
        else:
            self.feature_log_prob_ = -logged

    def _joint_log_likelihood(self, X):
        jll = X @ self.feature_log_prob_.T
        if len(self.classes_) == 1:
            jll += self.class_log_prior_
        return jll
