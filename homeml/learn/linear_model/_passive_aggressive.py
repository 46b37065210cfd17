"""``PassiveAggressiveClassifier`` and ``PassiveAggressiveRegressor`` (Crammer et al., 2006).

Online linear models: each sample whose loss (hinge, or epsilon-insensitive) is positive moves
the weights just enough to fix it, ``tau = loss / ||x||^2``, capped at ``C`` (PA-I) or softened
to ``loss / (||x||^2 + 1 / (2 C))`` (PA-II). They run in the SGD loop of ``_sgd_loop.py`` with
the "pa1"/"pa2" step rule, as scikit-learn's do (there they are ``SGDClassifier(loss="hinge",
penalty=None, learning_rate="pa1", eta0=C)``, and the same here).
"""

from __future__ import annotations

from homeml.learn._param_validation import Interval, Real, StrOptions
from homeml.learn.linear_model._sgd_loop import BaseSGD
from homeml.learn.linear_model._stochastic_gradient import SGDClassifier, SGDRegressor

_SHARED = {
    "C": [Interval(Real, 0, None, closed="neither")],
    "early_stopping": ["boolean"],
}


class _PassiveAggressive:
    """What both estimators fix: no penalty, step rule from ``loss``, ``C`` as ``eta0``."""

    penalty = None
    alpha = 1.0
    l1_ratio = 0.15
    power_t = 0.5

    @property
    def eta0(self) -> float:
        return self.C

    @property
    def learning_rate(self) -> str:
        return "pa1" if self.loss in ("hinge", "epsilon_insensitive") else "pa2"


class PassiveAggressiveClassifier(_PassiveAggressive, SGDClassifier):
    """Passive-aggressive linear classifier (one-vs-rest for several classes).

    Parameters
    ----------
    C : float, default=1.0
        The largest step (PA-I, ``loss="hinge"``) or the step's softening (PA-II,
        ``loss="squared_hinge"``).
    loss : {"hinge", "squared_hinge"}, default="hinge"
        Chooses PA-I or PA-II; the loss fixed at each step is the hinge in both.
    fit_intercept, max_iter, tol, early_stopping, validation_fraction, n_iter_no_change,
    shuffle, verbose, n_jobs, random_state, warm_start, class_weight, average
        As in :class:`SGDClassifier`.

    ``partial_fit(X, y, classes=...)`` runs one pass over a block, continuing from the weights
    (``classes`` on the first call).
    """

    epsilon = 0.1
    _homeml_constraints = {
        **BaseSGD._homeml_constraints,
        **_SHARED,
        "loss": [StrOptions({"hinge", "squared_hinge"})],
    }

    def __init__(
        self,
        *,
        C=1.0,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        shuffle=True,
        verbose=0,
        loss="hinge",
        n_jobs=None,
        random_state=None,
        warm_start=False,
        class_weight=None,
        average=False,
    ):
        self.C = C
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.verbose = verbose
        self.loss = loss
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.warm_start = warm_start
        self.class_weight = class_weight
        self.average = average

    def _loop_loss_and_schedule(self) -> tuple[str, str]:
        return "hinge", self.learning_rate


class PassiveAggressiveRegressor(_PassiveAggressive, SGDRegressor):
    """Passive-aggressive linear regression.

    Parameters
    ----------
    C : float, default=1.0
        The largest step (PA-I) or the step's softening (PA-II).
    loss : {"epsilon_insensitive", "squared_epsilon_insensitive"}, default="epsilon_insensitive"
        Chooses PA-I or PA-II; the loss fixed at each step is the epsilon-insensitive one.
    epsilon : float, default=0.1
        Errors smaller than this cost nothing.
    fit_intercept, max_iter, tol, early_stopping, validation_fraction, n_iter_no_change,
    shuffle, verbose, random_state, warm_start, average
        As in :class:`SGDRegressor`.
    """

    _homeml_constraints = {
        **BaseSGD._homeml_constraints,
        **_SHARED,
        "loss": [StrOptions({"epsilon_insensitive", "squared_epsilon_insensitive"})],
    }

    def __init__(
        self,
        *,
        C=1.0,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        shuffle=True,
        verbose=0,
        loss="epsilon_insensitive",
        epsilon=0.1,
        random_state=None,
        warm_start=False,
        average=False,
    ):
        self.C = C
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.verbose = verbose
        self.loss = loss
        self.epsilon = epsilon
        self.random_state = random_state
        self.warm_start = warm_start
        self.average = average

    def _loop_loss_and_schedule(self) -> tuple[str, str]:
        return "epsilon_insensitive", self.learning_rate
