"""``SGDClassifier``, ``SGDRegressor`` and ``Perceptron``: linear models fitted by plain SGD.

The loop itself (per-sample updates, epochs, stopping rules) is in ``_sgd_loop.py``; this file
holds one-vs-rest for several classes, ``partial_fit``, probabilities and the
scikit-learn-shaped estimators.
"""

from __future__ import annotations

import numpy as np

from homeml.learn._parallel import parallel_map
from homeml.learn._param_validation import StrOptions
from homeml.learn.base import (
    ClassifierMixin,
    RegressorMixin,
    available_if,
    check_is_fitted,
    encode_classes,
    require_two_classes,
)
from homeml.learn.linear_model._base import (
    LinearClassifierMixin,
    LinearRegressorMixin,
    class_weight_per_sample,
    sample_weights,
)
from homeml.learn.linear_model._sgd_loop import (
    BaseSGD,
    SGDState,
    as_float_rows,
    binary_accuracy,
    r2,
)

_CLASSIFICATION_LOSSES = ["hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron"]
_REGRESSION_LOSSES = [
    "squared_error",
    "huber",
    "epsilon_insensitive",
    "squared_epsilon_insensitive",
]


def _train_problem(estimator, X, target, weights, state, seed, max_iter, held_out):
    """One binary problem of one-vs-rest: ``(state, epochs run)``; may run on a joblib worker."""
    rng = np.random.RandomState(seed)
    n_iter = estimator._train(X, target, weights, state, rng, max_iter, held_out, binary_accuracy)
    return state, n_iter


class SGDClassifier(LinearClassifierMixin, ClassifierMixin, BaseSGD):
    """Linear classifier (SVM, logistic regression, ...) fitted by stochastic gradient descent.

    Several classes are handled one-vs-rest: one binary problem per class.

    Parameters
    ----------
    loss : {"hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron",
            "squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive"}
        The loss minimised (default "hinge": a linear SVM).
    penalty : {"l2", "l1", "elasticnet", None}, default="l2"
    alpha : float, default=1e-4
        Penalty strength (also sets the "optimal" learning rate).
    l1_ratio : float, default=0.15
        L1 share of the elastic-net penalty.
    fit_intercept : bool, default=True
    max_iter : int, default=1000
        Most epochs.
    tol : float or None, default=1e-3
        Stop after ``n_iter_no_change`` epochs whose mean objective (loss plus penalty; with
        ``early_stopping``, minus the validation accuracy) did not improve on the best by
        ``tol``; None never stops early.
    shuffle : bool, default=True
        Shuffle the samples before each epoch.
    verbose : int, default=0
    epsilon : float, default=0.1
        Width of the huber and epsilon-insensitive losses.
    n_jobs : int or None
        The binary problems of one-vs-rest fitted at once, through ``joblib.Parallel`` (each
        has its own seed: the result does not depend on it).
    random_state : int, RandomState or None
        Seeds the shuffling and the validation split.
    learning_rate : {"optimal", "constant", "invscaling", "adaptive"}, default="optimal"
        ``eta = 1/(alpha (t0 + t))``, ``eta0``, ``eta0 / t**power_t``, or ``eta0`` divided by 5
        each time the stopping rule fires.
    eta0 : float, default=0.01
    power_t : float, default=0.5
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified) and stop on its accuracy.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    class_weight : dict, "balanced" or None
    warm_start : bool, default=False
        Start from the previous weights.
    average : bool or int, default=False
        Return the average of the weights (from update ``average`` on when an int).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : int
        Epochs run (the most over the one-vs-rest problems).
    t_ : float
        Weight updates made plus one.
    """

    _homeml_constraints = {
        **BaseSGD._homeml_constraints,
        "loss": [StrOptions({*_CLASSIFICATION_LOSSES, *_REGRESSION_LOSSES})],
    }

    def __init__(
        self,
        loss="hinge",
        *,
        penalty="l2",
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        shuffle=True,
        verbose=0,
        epsilon=0.1,
        n_jobs=None,
        random_state=None,
        learning_rate="optimal",
        eta0=0.01,
        power_t=0.5,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        class_weight=None,
        warm_start=False,
        average=False,
    ):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.epsilon = epsilon
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.average = average

    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit by SGD for up to ``max_iter`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        coef_init : ndarray of shape (n_classes or 1, n_features), default=None
        intercept_init : ndarray of shape (n_classes or 1,), default=None
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = self._validate_data(X, y, accept_sparse="csr")
        classes, codes = encode_classes(y)
        require_two_classes(classes, self)
        if not (self.warm_start and hasattr(self, "_states")) or coef_init is not None:
            self._states = None
        if self._states is not None and not np.array_equal(self.classes_, classes):
            self._states = None
        self.classes_ = classes
        self._fit(
            X,
            codes,
            sample_weight,
            self.max_iter,
            coef_init,
            intercept_init,
            allow_early_stopping=True,
        )
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch of SGD over ``(X, y)``, continuing from the current weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,)
            Every class label; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        first = not hasattr(self, "_states")
        X, y = self._validate_data(X, y, reset=first, accept_sparse="csr")
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            self.classes_, _ = encode_classes(np.asarray(classes))
            require_two_classes(self.classes_, self)
            self._states = None
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"`classes={np.unique(classes)!r}` is not the same as on the first call to "
                f"partial_fit, which was {self.classes_!r}."
            )
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(
                f"y holds labels {np.unique(y[unknown])!r} that are not in "
                f"classes {self.classes_!r}."
            )
        codes = np.searchsorted(self.classes_, y)
        self._fit(X, codes, sample_weight, 1, None, None, allow_early_stopping=False)
        return self

    def _fit(
        self, X, codes, sample_weight, max_iter, coef_init, intercept_init, allow_early_stopping
    ):
        X = as_float_rows(X)
        n_classes, n_features = len(self.classes_), X.shape[1]
        n_problems = 1 if n_classes == 2 else n_classes
        weights = sample_weights(sample_weight, X)
        class_weights = class_weight_per_sample(
            self.class_weight, self.classes_, codes, self, weights
        )
        if self._states is None:
            self._states = [SGDState(n_features) for _ in range(n_problems)]
            if coef_init is not None:
                self._set_initial(coef_init, intercept_init, n_problems, n_features)
        rng = self._random_for(allow_early_stopping)
        held_out = (
            self._validation_split(len(codes), codes, rng)
            if allow_early_stopping
            else np.zeros(len(codes), dtype=bool)
        )
        seeds = rng.randint(np.iinfo(np.int32).max, size=n_problems)
        tasks = []
        for k, state in enumerate(self._states):
            positive = 1 if n_problems == 1 else k
            target = np.where(codes == positive, 1.0, -1.0)
            # one-vs-rest: the rest keep weight 1, as in scikit-learn
            problem_weights = weights * (
                class_weights if n_problems == 1 else np.where(codes == k, class_weights, 1.0)
            )
            tasks.append((self, X, target, problem_weights, state, seeds[k], max_iter, held_out))
        # the binary problems of one-vs-rest at once (n_jobs), each with its own seed
        results = parallel_map(_train_problem, tasks, self.n_jobs)
        self._states = [state for state, _ in results]
        n_iters = [n_iter for _, n_iter in results]
        self.n_iter_ = max(n_iters)
        self.t_ = max(float(state.scalars[3]) for state in self._states)
        pairs = [s.coef(self._average_start) for s in self._states]
        self.coef_ = np.stack([w.copy() for w, _ in pairs])
        self.intercept_ = np.array([b for _, b in pairs])

    def _set_initial(self, coef_init, intercept_init, n_problems, n_features):
        coef = np.asarray(coef_init, dtype=np.float64).reshape(-1, n_features)
        if coef.shape[0] != n_problems:
            raise ValueError(
                f"coef_init has shape {np.shape(coef_init)}; expected ({n_problems}, {n_features})."
            )
        intercept = (
            np.zeros(n_problems)
            if intercept_init is None
            else np.asarray(intercept_init, dtype=np.float64).reshape(n_problems)
        )
        for state, w, b in zip(self._states, coef, intercept):
            state.w[:], state.scalars[0] = w, b

    def _check_proba(self):
        if self.loss not in ("log_loss", "modified_huber"):
            raise AttributeError(
                f"probability estimates are not available for loss={self.loss!r}; use "
                "loss='log_loss' or loss='modified_huber'."
            )
        return True

    @available_if(_check_proba)
    def predict_proba(self, X):
        """Class probabilities (``log_loss``: sigmoid; ``modified_huber``: clipped scores).

        Several classes normalise the one-vs-rest probabilities to sum to one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        scores = self._decision_function(X)
        if self.loss == "log_loss":
            prob = 0.5 * (1.0 + np.tanh(0.5 * scores))  # the sigmoid, without overflow
        else:
            prob = (np.clip(scores, -1.0, 1.0) + 1.0) / 2.0
        if prob.ndim == 1:
            return np.column_stack([1.0 - prob, prob])
        total = prob.sum(axis=1, keepdims=True)
        uniform = total[:, 0] == 0  # all scores <= -1 under modified_huber
        prob[uniform] = 1.0
        return prob / prob.sum(axis=1, keepdims=True)

    @available_if(_check_proba)
    def predict_log_proba(self, X):
        """Natural log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


class Perceptron(SGDClassifier):
    """The perceptron: ``SGDClassifier(loss="perceptron", learning_rate="constant", eta0=1,
    penalty=None)``.

    Parameters are those of :class:`SGDClassifier` that the perceptron uses; ``random_state``
    defaults to 0 like scikit-learn's.
    """

    loss = "perceptron"  # class constants, not parameters of Perceptron
    learning_rate = "constant"
    power_t = 0.5
    epsilon = 0.1
    average = False

    def __init__(
        self,
        *,
        penalty=None,
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        shuffle=True,
        verbose=0,
        eta0=1.0,
        n_jobs=None,
        random_state=0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        class_weight=None,
        warm_start=False,
    ):
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.eta0 = eta0
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start


class SGDRegressor(LinearRegressorMixin, RegressorMixin, BaseSGD):
    """Linear regression fitted by stochastic gradient descent.

    Parameters
    ----------
    loss : {"squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive"}
        Default "squared_error" (ordinary least squares).
    penalty, alpha, l1_ratio, fit_intercept, max_iter, tol, shuffle, verbose, epsilon,
    random_state, eta0, early_stopping, validation_fraction, n_iter_no_change, warm_start,
    average :
        As in :class:`SGDClassifier` (early stopping monitors the validation R^2).
    learning_rate : {"invscaling", "constant", "optimal", "adaptive"}, default="invscaling"
    power_t : float, default=0.25

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : ndarray of shape (1,)
    n_iter_ : int
    t_ : float
    """

    _homeml_constraints = {
        **BaseSGD._homeml_constraints,
        "loss": [StrOptions(set(_REGRESSION_LOSSES))],
    }

    def __init__(
        self,
        loss="squared_error",
        *,
        penalty="l2",
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        shuffle=True,
        verbose=0,
        epsilon=0.1,
        random_state=None,
        learning_rate="invscaling",
        eta0=0.01,
        power_t=0.25,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        warm_start=False,
        average=False,
    ):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.epsilon = epsilon
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.average = average

    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit by SGD for up to ``max_iter`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        coef_init : ndarray of shape (n_features,), default=None
        intercept_init : float or ndarray of shape (1,), default=None
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = self._validate_data(X, y, y_numeric=True, accept_sparse="csr")
        if not (self.warm_start and hasattr(self, "_state")) or coef_init is not None:
            self._state = SGDState(X.shape[1])
            if coef_init is not None:
                self._state.w[:] = np.asarray(coef_init, dtype=np.float64).reshape(X.shape[1])
            if intercept_init is not None:
                self._state.scalars[0] = float(np.ravel(intercept_init)[0])
        self._fit(X, y, sample_weight, self.max_iter, allow_early_stopping=True)
        return self

    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch of SGD over ``(X, y)``, continuing from the current weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        first = not hasattr(self, "_state")
        X, y = self._validate_data(X, y, reset=first, y_numeric=True, accept_sparse="csr")
        if first:
            self._state = SGDState(X.shape[1])
        self._fit(X, y, sample_weight, 1, allow_early_stopping=False)
        return self

    def _fit(self, X, y, sample_weight, max_iter, allow_early_stopping):
        X = as_float_rows(X)
        y = np.asarray(y, dtype=np.float64)
        weights = sample_weights(sample_weight, X)
        rng = self._random_for(allow_early_stopping)
        held_out = (
            self._validation_split(len(y), None, rng)
            if allow_early_stopping
            else np.zeros(len(y), dtype=bool)
        )
        self.n_iter_ = self._train(X, y, weights, self._state, rng, max_iter, held_out, r2)
        self.t_ = float(self._state.scalars[3])
        w, b = self._state.coef(self._average_start)
        self.coef_, self.intercept_ = w.copy(), np.array([b])
