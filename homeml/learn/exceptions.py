"""Errors and warnings of homeml.learn (scikit-learn's names, so code that catches them ports)."""

from __future__ import annotations

import functools
import sys

from homeml.exceptions import ConvergenceWarning, NotFittedError  # noqa: F401 (shared with rl)


class DataConversionWarning(UserWarning):
    """Warns that input data was converted (e.g. a column-vector ``y`` raveled to 1-D)."""


def not_fitted_error_type() -> type:
    """homeml's NotFittedError, also a scikit-learn NotFittedError when scikit-learn is loaded.

    Code that already imported scikit-learn (its checks, GridSearchCV) catches its own class;
    homeml itself never imports scikit-learn for this.
    """
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return NotFittedError
    return _both_not_fitted_errors(sklearn_exceptions.NotFittedError)


@functools.cache
def _both_not_fitted_errors(sklearn_error: type) -> type:
    return type("NotFittedError", (NotFittedError, sklearn_error), {"__module__": __name__})
