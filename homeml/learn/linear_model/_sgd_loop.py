"""The plain stochastic-gradient loop behind ``SGDClassifier``, ``SGDRegressor`` and ``Perceptron``.

One call of :func:`sgd_epoch` visits the samples once in the given order and, for each, takes a
step ``w -= eta * s_i * dloss/dp * x_i`` (and the same for the intercept), then applies the penalty:
L2 shrinks ``w`` by ``1 - eta * alpha * (1 - l1_ratio)``; L1 uses the cumulative penalty with
clipping of Tsuruoka, Tsujii & Ananiadou (2009), which sets weights exactly to zero. With
``average`` the running mean of the weights (Polyak-Ruppert averaging) is kept next to them.
Numba compiles it: the per-sample loop is inherently sequential. :class:`BaseSGD` runs the
epochs around it: shuffling, stopping on ``tol``/``n_iter_no_change`` or a validation score, and
the adaptive learning rate.
"""

from __future__ import annotations

import math
import warnings

import numba
import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import BaseEstimator, ConvergenceWarning, check_random_state

LOSSES = {
    "hinge": 0,
    "log_loss": 1,
    "modified_huber": 2,
    "squared_hinge": 3,
    "perceptron": 4,
    "squared_error": 5,
    "huber": 6,
    "epsilon_insensitive": 7,
    "squared_epsilon_insensitive": 8,
}
SCHEDULES = {"constant": 0, "optimal": 1, "invscaling": 2, "adaptive": 3, "pa1": 4, "pa2": 5}
PENALTIES = {None: 0, "l2": 1, "l1": 2, "elasticnet": 3}


@numba.njit(cache=True)
def loss_and_derivative(loss, p, y, epsilon):
    """Value of the loss at prediction ``p`` for target ``y``, and its derivative in ``p``.

    Classification losses take ``y`` in {-1, +1}; regression losses a real ``y``.
    """
    if loss == 0 or loss == 4:  # hinge (margin 1) / perceptron (margin 0)
        z = p * y
        margin = 1.0 if loss == 0 else 0.0
        return (margin - z, -y) if z <= margin else (0.0, 0.0)
    if loss == 1:  # log_loss, written to avoid overflow of exp
        z = p * y
        if z > 18.0:
            return math.exp(-z), -y * math.exp(-z)
        if z < -18.0:
            return -z, -y
        return math.log1p(math.exp(-z)), -y / (math.exp(z) + 1.0)
    if loss == 2:  # modified_huber: quadratically smoothed hinge, linear for z < -1
        z = p * y
        if z >= 1.0:
            return 0.0, 0.0
        if z >= -1.0:
            return (1.0 - z) ** 2, -2.0 * (1.0 - z) * y
        return -4.0 * z, -4.0 * y
    if loss == 3:  # squared_hinge
        z = 1.0 - p * y
        return (z * z, -2.0 * y * z) if z > 0.0 else (0.0, 0.0)
    r = p - y
    if loss == 5:  # squared_error
        return 0.5 * r * r, r
    if loss == 6:  # huber
        if abs(r) <= epsilon:
            return 0.5 * r * r, r
        return epsilon * abs(r) - 0.5 * epsilon * epsilon, epsilon * np.sign(r)
    z = abs(r) - epsilon  # (squared_)epsilon_insensitive
    if z <= 0.0:
        return 0.0, 0.0
    if loss == 7:
        return z, np.sign(r)
    return z * z, 2.0 * z * np.sign(r)


@numba.njit(cache=True)
def sgd_epoch(
    X,
    y,
    sample_weight,
    order,
    w,
    avg_w,
    l1_applied,
    scalars,
    loss,
    epsilon,
    penalty,
    alpha,
    l1_ratio,
    fit_intercept,
    schedule,
    eta0,
    power_t,
    optimal_init,
    average_start,
):
    """One pass of SGD over ``X[order]``, updating ``w`` and the state in place.

    ``scalars`` holds ``[intercept, averaged intercept, cumulative L1 penalty u, t]`` where ``t``
    counts updates from 1. Returns the epoch's summed objective: each sample's loss plus the
    penalty ``alpha ((1 - l1_ratio) ||w||^2 / 2 + l1_ratio ||w||_1)`` at the weights it saw.
    """
    n_features = X.shape[1]
    intercept, avg_intercept, u, t = scalars[0], scalars[1], scalars[2], scalars[3]
    l2_share = 1.0 - l1_ratio if penalty == 3 else (1.0 if penalty == 1 else 0.0)
    l1_share = l1_ratio if penalty == 3 else (1.0 if penalty == 2 else 0.0)
    total_loss = 0.0
    for i in order:
        x = X[i]
        p = intercept
        squares = 0.0
        absolutes = 0.0
        for j in range(n_features):  # prediction and penalty in one pass
            p += w[j] * x[j]
            squares += w[j] * w[j]
            absolutes += abs(w[j])
        if schedule == 1:  # optimal: 1 / (alpha (t0 + t)), Bottou's heuristic t0
            eta = 1.0 / (alpha * (optimal_init + t - 1.0))
        elif schedule == 2:  # invscaling
            eta = eta0 / t**power_t
        else:  # constant / adaptive (the driver lowers eta0 between epochs)
            eta = eta0
        value, dloss = loss_and_derivative(loss, p, y[i], epsilon)
        total_loss += value + alpha * (0.5 * l2_share * squares + l1_share * absolutes)
        if schedule >= 4:  # passive-aggressive: the step that fixes this sample's loss
            norm2 = 0.0
            for j in range(n_features):
                norm2 += x[j] * x[j]
            if schedule == 4 and norm2 == 0.0:
                continue  # PA-I skips an all-zero row altogether, as scikit-learn does
            eta = min(eta0, value / norm2) if schedule == 4 else value / (norm2 + 0.5 / eta0)
        dloss = min(max(dloss, -1e12), 1e12)
        step = -eta * dloss * sample_weight[i]
        shrink = max(0.0, 1.0 - l2_share * eta * alpha)  # L2 as weight decay
        if step != 0.0 or shrink != 1.0:
            for j in range(n_features):
                w[j] = shrink * w[j] + step * x[j]
        if fit_intercept:
            intercept += step
        if average_start > 0 and t >= average_start:
            mu = 1.0 / (t - average_start + 1.0)
            for j in range(n_features):
                avg_w[j] += mu * (w[j] - avg_w[j])
            avg_intercept += mu * (intercept - avg_intercept)
        if l1_share > 0.0:  # cumulative L1 penalty with clipping at zero
            u += l1_share * eta * alpha
            for j in range(n_features):
                before = w[j]
                if before > 0.0:
                    w[j] = max(0.0, before - (u + l1_applied[j]))
                elif before < 0.0:
                    w[j] = min(0.0, before + (u - l1_applied[j]))
                l1_applied[j] += w[j] - before
        t += 1.0
    scalars[0], scalars[1], scalars[2], scalars[3] = intercept, avg_intercept, u, t
    return total_loss


@numba.njit(cache=True)
def sgd_epoch_sparse(
    data,
    indices,
    indptr,
    n_features,
    y,
    sample_weight,
    order,
    w,
    avg_w,
    l1_applied,
    scalars,
    loss,
    epsilon,
    penalty,
    alpha,
    l1_ratio,
    fit_intercept,
    schedule,
    eta0,
    power_t,
    optimal_init,
    average_start,
):
    """:func:`sgd_epoch` for a CSR matrix ``(data, indices, indptr)`` with sorted indices.

    The arithmetic is the dense loop's, term for term (the zeros of a row add nothing to the
    prediction and nothing to the step), so the weights come out equal to those of the dense
    copy. The penalty terms still visit every weight: they do in the dense loop too.
    """
    intercept, avg_intercept, u, t = scalars[0], scalars[1], scalars[2], scalars[3]
    l2_share = 1.0 - l1_ratio if penalty == 3 else (1.0 if penalty == 1 else 0.0)
    l1_share = l1_ratio if penalty == 3 else (1.0 if penalty == 2 else 0.0)
    total_loss = 0.0
    for i in order:
        start, end = indptr[i], indptr[i + 1]
        p = intercept
        for k in range(start, end):
            p += w[indices[k]] * data[k]
        if schedule == 1:
            eta = 1.0 / (alpha * (optimal_init + t - 1.0))
        elif schedule == 2:
            eta = eta0 / t**power_t
        else:
            eta = eta0
        value, dloss = loss_and_derivative(loss, p, y[i], epsilon)
        if schedule >= 4:  # passive-aggressive, as in the dense loop
            norm2 = 0.0
            for k in range(start, end):
                norm2 += data[k] * data[k]
            if schedule == 4 and norm2 == 0.0:
                total_loss += value
                continue
            eta = min(eta0, value / norm2) if schedule == 4 else value / (norm2 + 0.5 / eta0)
        shrink = max(0.0, 1.0 - l2_share * eta * alpha)
        squares = 0.0
        absolutes = 0.0
        if l2_share > 0.0 or l1_share > 0.0:  # the penalty at the weights seen, then decay
            for j in range(n_features):
                squares += w[j] * w[j]
                absolutes += abs(w[j])
                w[j] = shrink * w[j]
        total_loss += value + alpha * (0.5 * l2_share * squares + l1_share * absolutes)
        dloss = min(max(dloss, -1e12), 1e12)
        step = -eta * dloss * sample_weight[i]
        if step != 0.0:
            for k in range(start, end):
                w[indices[k]] += step * data[k]
        if fit_intercept:
            intercept += step
        if average_start > 0 and t >= average_start:
            mu = 1.0 / (t - average_start + 1.0)
            for j in range(n_features):
                avg_w[j] += mu * (w[j] - avg_w[j])
            avg_intercept += mu * (intercept - avg_intercept)
        if l1_share > 0.0:
            u += l1_share * eta * alpha
            for j in range(n_features):
                before = w[j]
                if before > 0.0:
                    w[j] = max(0.0, before - (u + l1_applied[j]))
                elif before < 0.0:
                    w[j] = min(0.0, before + (u - l1_applied[j]))
                l1_applied[j] += w[j] - before
        t += 1.0
    scalars[0], scalars[1], scalars[2], scalars[3] = intercept, avg_intercept, u, t
    return total_loss


def as_float_rows(X):
    """``X`` as the SGD loops read it: a C-contiguous float64 array, or a float64 CSR matrix
    with sorted indices."""
    if hasattr(X, "tocsr"):
        X = X.tocsr().astype(np.float64)  # a copy: sorting its indices leaves the user's alone
        X.sort_indices()
        return X
    return np.ascontiguousarray(X, dtype=np.float64)


def optimal_init(loss: str, alpha: float, epsilon: float) -> float:
    """``t0`` of the "optimal" schedule, so that the first step has a typical weight's size."""
    typical_w = np.sqrt(1.0 / np.sqrt(alpha))
    _, slope = loss_and_derivative(LOSSES[loss], -typical_w, 1.0, epsilon)
    initial_eta = typical_w / max(1.0, slope)
    return 1.0 / (initial_eta * alpha)


class SGDState:
    """Weights and loop state of one binary problem (or one regression), kept for partial_fit."""

    def __init__(self, n_features):
        self.w = np.zeros(n_features)
        self.avg_w = np.zeros(n_features)
        self.l1_applied = np.zeros(n_features)
        self.scalars = np.array([0.0, 0.0, 0.0, 1.0])  # intercept, avg intercept, u, t

    def coef(self, average_start):
        use_average = 0 < average_start <= self.scalars[3] - 1
        return (self.avg_w, self.scalars[1]) if use_average else (self.w, self.scalars[0])


class BaseSGD(BaseEstimator):
    """The epoch loop shared by the SGD estimators (``self`` supplies the hyperparameters)."""

    # the losses are in the tables of SGDClassifier and SGDRegressor
    _homeml_constraints = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, None, None, closed="neither"), None],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "eta0": [Interval(Real, 0, None, closed="left")],
        "power_t": [Interval(Real, None, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "average": [Interval(Integral, 0, None, closed="left"), "boolean", None],
    }

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "sparse": True}  # fit and predict take CSR input

    def _check_param_combinations(self) -> None:
        """The rules that tie parameters together (the table checks each one alone)."""
        if self.learning_rate == "optimal" and self.alpha == 0:
            raise ValueError("alpha must be > 0 since learning_rate is 'optimal'; got alpha=0.")
        if self.learning_rate != "optimal" and self.eta0 <= 0:
            raise ValueError(f"eta0 must be > 0 with learning_rate={self.learning_rate!r}.")

    @property
    def _average_start(self) -> int:
        return 1 if self.average is True else int(self.average or 0)

    def _loop_loss_and_schedule(self) -> tuple[str, str]:
        """The loss and learning-rate schedule the loop runs (the passive-aggressive estimators
        map their own parameters to these)."""
        return self.loss, self.learning_rate

    def _run_epochs(self, X, y, weights, state, rng, max_iter, validation, score):
        """Epochs over ``(X, y)`` until the stopping rule holds; returns the epochs run."""
        n_samples = X.shape[0]
        loss, schedule = self._loop_loss_and_schedule()
        t0 = optimal_init(loss, self.alpha, self.epsilon) if schedule == "optimal" else 0.0
        eta = self.eta0
        best, stalled = np.inf, 0
        for epoch in range(max_iter):
            order = rng.permutation(n_samples) if self.shuffle else np.arange(n_samples)
            epoch_loop, rows = (
                (sgd_epoch_sparse, (X.data, X.indices, X.indptr, X.shape[1]))
                if hasattr(X, "indptr")
                else (sgd_epoch, (X,))
            )
            total = epoch_loop(
                *rows,
                y,
                weights,
                order,
                state.w,
                state.avg_w,
                state.l1_applied,
                state.scalars,
                LOSSES[loss],
                self.epsilon,
                PENALTIES[self.penalty],
                self.alpha,
                self.l1_ratio,
                self.fit_intercept,
                SCHEDULES[schedule],
                eta,
                self.power_t,
                t0,
                self._average_start,
            )
            if not (np.isfinite(state.scalars[0]) and np.all(np.isfinite(state.w))):
                raise ValueError(
                    f"Floating-point under-/overflow occurred at epoch #{epoch + 1}. Scaling "
                    "input data with StandardScaler or MinMaxScaler might help."
                )
            if validation is not None:  # minimise minus the validation score
                w, b = state.coef(self._average_start)
                current = -score(validation[0] @ w + b, validation[1], validation[2])
            else:
                current = total / n_samples
            if self.tol is not None and current > best - self.tol:
                stalled += 1
            else:
                stalled = 0
            best = min(best, current)
            if stalled >= self.n_iter_no_change:
                if schedule == "adaptive" and eta > 1e-6:
                    eta, stalled = eta / 5.0, 0
                else:
                    return epoch + 1
        if self.tol is not None and max_iter > 1:
            warnings.warn(
                "Maximum number of iteration reached before convergence. Consider increasing "
                "max_iter to improve the fit.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return max_iter

    def _random_for(self, full_fit):
        """A generator seeded from ``random_state`` for ``fit``; for ``partial_fit`` the one
        kept from the previous call, so that successive epochs are shuffled differently."""
        if full_fit or not hasattr(self, "_rng"):
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            self._rng = np.random.RandomState(seed)
        return self._rng

    def _validation_split(self, n_samples, strata, rng):
        """Boolean mask of the held-out samples (stratified by ``strata`` when given)."""
        mask = np.zeros(n_samples, dtype=bool)
        if not self.early_stopping:
            return mask
        groups = (
            [np.arange(n_samples)]
            if strata is None
            else [np.flatnonzero(strata == k) for k in np.unique(strata)]
        )
        for members in groups:
            n_val = int(round(self.validation_fraction * len(members)))
            mask[rng.permutation(members)[:n_val]] = True
        if mask.sum() == 0 or mask.sum() == n_samples:
            raise ValueError(
                f"The validation_fraction={self.validation_fraction} leaves an empty training "
                f"or validation set for {n_samples} samples; change validation_fraction or "
                "set early_stopping=False."
            )
        return mask

    def _train(self, X, target, weights, state, rng, max_iter, held_out, score):
        validation = None
        if held_out.any():
            validation = (X[held_out], target[held_out], weights[held_out])
            keep = ~held_out
            X, target, weights = X[keep], target[keep], weights[keep]
        return self._run_epochs(X, target, weights, state, rng, max_iter, validation, score)


def binary_accuracy(scores, y_signed, weights):
    """Weighted accuracy of ``scores > 0`` (predict the positive class) against ``y`` in {-1, 1}."""
    return np.average((scores > 0) == (y_signed > 0), weights=weights)


def r2(pred, y, weights):
    """Weighted coefficient of determination (the validation score of ``SGDRegressor``)."""
    total = weights @ (y - np.average(y, weights=weights)) ** 2
    return 1.0 - (weights @ (y - pred) ** 2) / total if total > 0 else 0.0
