"""The training loop of the stochastic solvers (sgd, adam): epochs of shuffled minibatches,
the loss curve, early stopping on a held-out split or on the training loss, and the adaptive
learning rate. ``est`` is the MLPClassifier or MLPRegressor being fitted."""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn.base import ConvergenceWarning
from homeml.learn.neural_network._optimizers import AdamOptimizer, SGDOptimizer
from homeml.learn.neural_network._split import validation_indices


def _batches(n_samples, batch_size):
    """Consecutive slices of ``batch_size`` rows (the last one shorter)."""
    for start in range(0, n_samples, batch_size):
        yield slice(start, min(start + batch_size, n_samples))


def fit_stochastic(est, X, y, sample_weight, buffers, incremental):
    """Run the epochs of ``est.solver`` (one, for ``partial_fit``), updating ``est`` in place."""
    params = est.coefs_ + est.intercepts_
    if not incremental or not hasattr(est, "_optimizer"):
        if est.solver == "sgd":
            est._optimizer = SGDOptimizer(
                params,
                est.learning_rate_init,
                est.learning_rate,
                est.momentum,
                est.nesterovs_momentum,
                est.power_t,
            )
        else:
            est._optimizer = AdamOptimizer(
                params, est.learning_rate_init, est.beta_1, est.beta_2, est.epsilon
            )
    if est.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    if est.early_stopping:
        X_train, y_train, sw_train, X_val, y_val, sw_val = _validation_split(
            est, X, y, sample_weight
        )
    else:
        X_train, y_train, sw_train = X, y, sample_weight
        X_val = y_val = sw_val = None

    n_samples = X_train.shape[0]
    order = np.arange(n_samples, dtype=int)
    if est.batch_size == "auto":
        batch_size = min(200, n_samples)
    else:
        if est.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to be "
                "clipped",
                stacklevel=4,
            )
        batch_size = int(np.clip(est.batch_size, 1, n_samples))
    activations, deltas, coef_grads, intercept_grads = buffers
    est.n_iter_ = 0
    for _ in range(est.max_iter):
        if est.shuffle:  # a fresh permutation of the current order (utils.shuffle's draws)
            permutation = np.arange(n_samples)
            est._random_state.shuffle(permutation)
            order = order[permutation]
        accumulated_loss = 0.0
        for batch in _batches(n_samples, batch_size):
            rows = order[batch] if est.shuffle else batch
            X_batch = X_train[rows]
            activations[0] = X_batch
            batch_loss, coef_grads, intercept_grads = est._backprop(
                X_batch,
                y_train[rows],
                None if sw_train is None else sw_train[rows],
                activations,
                deltas,
                coef_grads,
                intercept_grads,
            )
            accumulated_loss += batch_loss * (batch.stop - batch.start)
            est._optimizer.update_params(params, coef_grads + intercept_grads)
        est.n_iter_ += 1
        est.loss_ = accumulated_loss / n_samples
        est.t_ += n_samples
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        _update_no_improvement_count(est, X_val, y_val, sw_val)
        est._optimizer.iteration_ends(est.t_)
        if est._no_improvement_count > est.n_iter_no_change:
            what = "Validation score" if est.early_stopping else "Training loss"
            message = (
                f"{what} did not improve more than tol={est.tol:f} for "
                f"{est.n_iter_no_change} consecutive epochs."
            )
            if est._optimizer.trigger_stopping(message, est.verbose):
                break
            est._no_improvement_count = 0
        if incremental:
            break
        if est.n_iter_ == est.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,
            )
    if est.early_stopping:
        est.coefs_ = est._best_coefs
        est.intercepts_ = est._best_intercepts


def _validation_split(est, X, y, sample_weight):
    train, test = validation_indices(
        y, est.validation_fraction, est._random_state, est._stratify_validation()
    )
    if len(test) < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' or the size of "
            "your dataset."
        )
    sw_train, sw_val = (
        (None, None) if sample_weight is None else (sample_weight[train], sample_weight[test])
    )
    return X[train], y[train], sw_train, X[test], est._decode(y[test]), sw_val


def _update_no_improvement_count(est, X_val, y_val, sw_val):
    if est.early_stopping:
        score = est._score(X_val, y_val, sw_val)
        est.validation_scores_.append(score)
        if est.verbose:
            print(f"Validation score: {score:f}")
        if score < est.best_validation_score_ + est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if score > est.best_validation_score_:
            est.best_validation_score_ = score
            est._best_coefs = [c.copy() for c in est.coefs_]
            est._best_intercepts = [b.copy() for b in est.intercepts_]
    else:
        if est.loss_curve_[-1] > est.best_loss_ - est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if est.loss_curve_[-1] < est.best_loss_:
            est.best_loss_ = est.loss_curve_[-1]
