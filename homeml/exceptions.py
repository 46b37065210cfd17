"""Errors and warnings shared by homeml's estimators and agents (scikit-learn's names).

``homeml.learn.exceptions`` re-exports them with the rest of the estimator errors, so
``except homeml.learn.exceptions.NotFittedError`` also catches an untrained agent's error.
"""


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a fitted estimator (or trained agent) is called first."""


class ConvergenceWarning(UserWarning):
    """Warns that an iterative solver stopped at its iteration limit before converging."""
