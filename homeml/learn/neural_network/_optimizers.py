"""The stochastic solvers of the multi-layer perceptron: SGD with (Nesterov) momentum and Adam.

Each keeps its state per parameter array and adds its update to the arrays in place.
``iteration_ends`` is called after each epoch (the learning-rate schedule) and
``trigger_stopping`` when the loss stops improving (True: stop; the adaptive schedule instead
divides the learning rate by 5 until it falls below 1e-6).
"""

from __future__ import annotations

import numpy as np


class SGDOptimizer:
    """Stochastic gradient descent: ``v = momentum * v - lr * g``; the step is ``v``, or with
    Nesterov momentum ``momentum * v - lr * g`` (the gradient taken at the look-ahead)."""

    def __init__(
        self,
        params,
        learning_rate_init=0.1,
        lr_schedule="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocities = [np.zeros_like(p) for p in params]

    def update_params(self, params, grads):
        self.velocities = [
            self.momentum * v - self.learning_rate * g for v, g in zip(self.velocities, grads)
        ]
        if self.nesterov:
            steps = [
                self.momentum * v - self.learning_rate * g for v, g in zip(self.velocities, grads)
            ]
        else:
            steps = self.velocities
        for param, step in zip(params, steps):
            param += step

    def iteration_ends(self, time_step):
        if self.lr_schedule == "invscaling":
            self.learning_rate = float(self.learning_rate_init) / (time_step + 1) ** self.power_t

    def trigger_stopping(self, message, verbose):
        if self.lr_schedule != "adaptive":
            if verbose:
                print(message + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(message + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(message + f" Setting learning rate to {self.learning_rate:f}")
        return False


class AdamOptimizer:
    """Adam (Kingma & Ba, 2015): bias-corrected first and second moments of the gradient."""

    def __init__(self, params, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.ms = [np.zeros_like(p) for p in params]
        self.vs = [np.zeros_like(p) for p in params]

    def update_params(self, params, grads):
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        self.ms = [b1 * m + (1 - b1) * g for m, g in zip(self.ms, grads)]
        self.vs = [b2 * v + (1 - b2) * (g**2) for v, g in zip(self.vs, grads)]
        self.learning_rate = self.learning_rate_init * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        for param, m, v in zip(params, self.ms, self.vs):
            param += -self.learning_rate * m / (np.sqrt(v) + self.epsilon)

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, message, verbose):
        if verbose:
            print(message + " Stopping.")
        return True
