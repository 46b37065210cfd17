"""The multi-layer perceptron shared by MLPClassifier and MLPRegressor: forward pass,
back-propagation, Glorot initialisation and the three solvers (SGD, Adam, L-BFGS).

Shapes: ``activations[0]`` is ``X`` (n_samples, n_features); ``coefs_[i]`` is
(layer_units[i], layer_units[i + 1]) and ``intercepts_[i]`` (layer_units[i + 1],); ``deltas[i]``
is the gradient of the loss (times n_samples) with respect to the pre-activation of layer i + 1.
The order of the random draws (weights then biases per layer, the validation split, one shuffle
per epoch) and of the arithmetic follow scikit-learn's, so the same ``random_state`` gives the
same network.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np

from homeml.learn._param_validation import Interval, Options, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    ConvergenceWarning,
    check_random_state,
    check_sample_weight,
)
from homeml.learn.linear_model._lbfgs import minimize_lbfgs
from homeml.learn.neural_network._base import ACTIVATIONS, DERIVATIVES, LOSS_FUNCTIONS
from homeml.learn.neural_network._optimizers import AdamOptimizer, SGDOptimizer
from homeml.learn.neural_network._stochastic import fit_stochastic

_STOCHASTIC_SOLVERS = ("sgd", "adam")
_SCIPY_FTOL = 1e7 * np.finfo(float).eps  # L-BFGS-B's default relative decrease test (factr)


def _pack(coefs, intercepts):
    return np.hstack([a.ravel() for a in coefs + intercepts])


class BaseMultilayerPerceptron(BaseEstimator):
    """What MLPClassifier and MLPRegressor share; see their docstrings for the parameters."""

    _homeml_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
    }

    # the parameters, stored by the subclasses' __init__ (scikit-learn's contract)
    hidden_layer_sizes: Any
    activation: str
    solver: str
    alpha: float
    batch_size: Any
    learning_rate: str
    learning_rate_init: float
    power_t: float
    max_iter: int
    loss: str
    shuffle: bool
    random_state: Any
    tol: float
    verbose: Any
    warm_start: bool
    momentum: float
    nesterovs_momentum: bool
    early_stopping: bool
    validation_fraction: float
    beta_1: float
    beta_2: float
    epsilon: float
    n_iter_no_change: Any
    max_fun: int
    # fitted state whose type changes with the solver and early stopping
    validation_scores_: Any
    best_validation_score_: Any
    best_loss_: Any
    _optimizer: SGDOptimizer | AdamOptimizer

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "sparse": True, "multi_output": True}

    # what the classifier and the regressor define
    def _validate_input(self, X, y, incremental, reset):
        raise NotImplementedError

    def _output_activation(self) -> str:
        raise NotImplementedError

    def _stratify_validation(self) -> bool:
        raise NotImplementedError

    def _decode(self, y):
        raise NotImplementedError

    def _predict(self, X, check_input=True):
        raise NotImplementedError

    def _score_function(self, y, y_pred, sample_weight=None):
        raise NotImplementedError

    # -- forward and backward ---------------------------------------------------------------------

    def _forward_pass(self, activations):
        """Fill ``activations[1:]`` from ``activations[0]``."""
        hidden = ACTIVATIONS[self.activation]
        last = self.n_layers_ - 2
        for i in range(self.n_layers_ - 1):
            activations[i + 1] = activations[i] @ self.coefs_[i]
            activations[i + 1] += self.intercepts_[i]
            if i != last:
                hidden(activations[i + 1])
        ACTIVATIONS[self.out_activation_](activations[last + 1])
        return activations

    def _forward_pass_fast(self, X):
        """The network's output for already-validated ``X``, keeping no intermediate layer."""
        hidden = ACTIVATIONS[self.activation]
        out = X
        for i in range(self.n_layers_ - 1):
            out = out @ self.coefs_[i]
            out += self.intercepts_[i]
            if i != self.n_layers_ - 2:
                hidden(out)
        return ACTIVATIONS[self.out_activation_](out)

    def _layer_grads(self, layer, sw_sum, activations, deltas, coef_grads, intercept_grads):
        coef_grads[layer] = activations[layer].T @ deltas[layer]
        coef_grads[layer] += self.alpha * self.coefs_[layer]
        coef_grads[layer] /= sw_sum
        intercept_grads[layer] = np.sum(deltas[layer], axis=0) / sw_sum

    def _backprop(self, X, y, sample_weight, activations, deltas, coef_grads, intercept_grads):
        """The loss (with the L2 penalty) on ``(X, y)`` and its gradients, filled in place."""
        activations = self._forward_pass(activations)
        loss_name = self.loss
        if loss_name == "log_loss" and self.out_activation_ == "logistic":
            loss_name = "binary_log_loss"
        loss = LOSS_FUNCTIONS[loss_name](y, activations[-1], sample_weight)
        squares = 0
        for c in self.coefs_:
            c = c.ravel()
            squares += np.dot(c, c)
        sw_sum = X.shape[0] if sample_weight is None else sample_weight.sum()
        loss += (0.5 * self.alpha) * squares / sw_sum

        last = self.n_layers_ - 2
        # output layer: with the canonical link of each loss the gradient is (output - y)
        deltas[last] = activations[-1] - y
        if sample_weight is not None:
            deltas[last] *= sample_weight.reshape(-1, 1)
        self._layer_grads(last, sw_sum, activations, deltas, coef_grads, intercept_grads)
        derivative = DERIVATIVES[self.activation]
        for i in range(last, 0, -1):
            deltas[i - 1] = deltas[i] @ self.coefs_[i].T
            derivative(activations[i], deltas[i - 1])
            self._layer_grads(i - 1, sw_sum, activations, deltas, coef_grads, intercept_grads)
        return loss, coef_grads, intercept_grads

    # -- initialisation ---------------------------------------------------------------------------

    def _initialize(self, y, layer_units, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._output_activation()
        self.coefs_, self.intercepts_ = [], []
        # Glorot & Bengio (2010): uniform in +-sqrt(6 / (fan_in + fan_out)), 2 for logistic
        factor = 2.0 if self.activation == "logistic" else 6.0
        for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
            bound = np.sqrt(factor / (fan_in + fan_out))
            coef = self._random_state.uniform(-bound, bound, (fan_in, fan_out))
            intercept = self._random_state.uniform(-bound, bound, fan_out)
            self.coefs_.append(coef.astype(dtype, copy=False))
            self.intercepts_.append(intercept.astype(dtype, copy=False))
        self._best_coefs = [c.copy() for c in self.coefs_]
        self._best_intercepts = [b.copy() for b in self.intercepts_]
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    # -- fitting ----------------------------------------------------------------------------------

    def _fit(self, X, y, sample_weight=None, incremental=False):
        self._validate_params()
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if np.any(np.array(sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X)
            if not np.any(sample_weight):
                raise ValueError("Sample weights must contain at least one non-zero number.")
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        self.n_outputs_ = y.shape[1]
        layer_units = [X.shape[1], *sizes, self.n_outputs_]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, layer_units, X.dtype)
        else:
            units = [c.shape[0] for c in self.coefs_] + [self.coefs_[-1].shape[1]]
            if units != layer_units:
                raise ValueError(
                    f"The network has layers of {units} units but the data and "
                    f"hidden_layer_sizes ask for {layer_units}: call fit (not partial_fit or "
                    "warm_start) to start afresh."
                )
        activations = [X] + [None] * (len(layer_units) - 1)
        deltas = [None] * (len(activations) - 1)
        coef_grads = [np.empty((a, b), dtype=X.dtype) for a, b in zip(layer_units, layer_units[1:])]
        intercept_grads = [np.empty(b, dtype=X.dtype) for b in layer_units[1:]]
        buffers = (activations, deltas, coef_grads, intercept_grads)
        if self.solver in _STOCHASTIC_SOLVERS:
            fit_stochastic(self, X, y, sample_weight, buffers, incremental)
        else:
            self._fit_lbfgs(X, y, sample_weight, buffers, layer_units)
        if not all(np.isfinite(w).all() for w in self.coefs_ + self.intercepts_):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain large "
                "values and need to be preprocessed."
            )
        return self

    def _fit_lbfgs(self, X, y, sample_weight, buffers, layer_units):
        shapes = list(zip(layer_units[:-1], layer_units[1:]))
        sizes = [a * b for a, b in shapes] + [b for _, b in shapes]
        bounds = np.cumsum([0, *sizes])
        n = len(shapes)

        def unpack(packed):
            for i, shape in enumerate(shapes):
                self.coefs_[i] = packed[bounds[i] : bounds[i + 1]].reshape(shape)
                self.intercepts_[i] = packed[bounds[n + i] : bounds[n + i + 1]]

        def loss_and_gradient(packed):
            unpack(packed)
            loss, coef_grads, intercept_grads = self._backprop(X, y, sample_weight, *buffers)
            return loss, _pack(coef_grads, intercept_grads)

        packed, n_iter, converged = minimize_lbfgs(
            loss_and_gradient,
            _pack(self.coefs_, self.intercepts_),
            max_iter=self.max_iter,
            gtol=self.tol,
            ftol=_SCIPY_FTOL,
            max_fun=self.max_fun,
        )
        if not converged:
            warnings.warn(
                f"lbfgs failed to converge after {n_iter} iteration(s) (max_iter={self.max_iter}, "
                f"max_fun={self.max_fun}). Increase the number of iterations or scale the data.",
                ConvergenceWarning,
                stacklevel=4,
            )
        self.n_iter_ = min(n_iter, self.max_iter)
        self.loss_ = float(loss_and_gradient(packed)[0])
        unpack(np.array(packed, dtype=X.dtype))

    def _score(self, X, y, sample_weight):
        """The validation score of early stopping (accuracy or R^2); NaN for a diverged net."""
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return self._score_function(y, y_pred, sample_weight=sample_weight)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. {self.solver} is not "
                "stochastic."
            )
        return True

    def fit(self, X, y, sample_weight=None):
        """Fit the network to ``X`` and ``y`` (from scratch unless ``warm_start``).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)
