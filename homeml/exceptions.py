"""Errors and warnings shared by homeml's estimators and agents (scikit-learn's names).

``homeml.learn.exceptions`` re-exports them with the rest of the estimator errors, so
``except homeml.learn.exceptions.NotFittedError`` also catches an untrained agent's error.
"""


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a fitted estimator (or trained agent) is called first."""


class LinkableUserWarning(UserWarning):
    """Base of homeml's user warnings: a class of the same layout as scikit-learn's warnings,
    which ``homeml.learn.exceptions`` swaps for scikit-learn's class of the same name when
    scikit-learn is loaded (a class cannot be re-based directly from a built-in warning).
    """


class LinkableRuntimeWarning(RuntimeWarning):
    """Base of homeml's runtime warnings (see :class:`LinkableUserWarning`)."""


class ConvergenceWarning(LinkableUserWarning):
    """Warns that an iterative solver stopped at its iteration limit before converging."""
