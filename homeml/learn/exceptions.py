"""Errors and warnings of homeml.learn (scikit-learn's names, so code that catches them ports).

When scikit-learn is loaded (before or after homeml), homeml's warning classes become subclasses
of scikit-learn's classes of the same name, so that a filter set for scikit-learn's warnings,
``warnings.filterwarnings("ignore", category=sklearn.exceptions.ConvergenceWarning)``, also
applies to homeml's. homeml never imports scikit-learn for this: if scikit-learn is not loaded
yet, a one-shot import hook links the classes right after ``sklearn.exceptions`` is executed.
"""

from __future__ import annotations

import functools
import importlib.util
import sys

from homeml.exceptions import (  # noqa: F401 (shared with rl)
    ConvergenceWarning,
    LinkableRuntimeWarning,
    LinkableUserWarning,
    NotFittedError,
)


class DataConversionWarning(LinkableUserWarning):
    """Warns that input data was converted (e.g. a column-vector ``y`` raveled to 1-D)."""


class UndefinedMetricWarning(LinkableUserWarning):
    """Warns that a metric is ill-defined (e.g. precision with no predicted samples)."""


class FitFailedWarning(LinkableRuntimeWarning):
    """Warns that fitting an estimator failed on a fold; its score is ``error_score``."""


# homeml's warnings, each linked to scikit-learn's class of the same name
LINKED_WARNINGS = (
    ConvergenceWarning,
    DataConversionWarning,
    UndefinedMetricWarning,
    FitFailedWarning,
)


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


def link_to_sklearn(sklearn_exceptions) -> None:
    """Make each of homeml's warning classes a subclass of scikit-learn's class of that name.

    The class keeps its identity (``homeml.learn.ConvergenceWarning`` is the same object); only
    its base changes, from ``LinkableUserWarning`` (or ``LinkableRuntimeWarning``) to
    scikit-learn's class, which derives from the same built-in warning.
    """
    for ours in LINKED_WARNINGS:
        theirs = getattr(sklearn_exceptions, ours.__name__, None)
        if not isinstance(theirs, type) or issubclass(ours, theirs):
            continue
        builtin = ours.__bases__[0].__bases__[0]  # UserWarning or RuntimeWarning
        if ours.__bases__[0] in (LinkableUserWarning, LinkableRuntimeWarning) and issubclass(
            theirs, builtin
        ):
            ours.__bases__ = (theirs,)


class _LinkWhenLoaded:
    """A one-shot meta-path finder: lets the normal finders locate ``sklearn.exceptions`` and
    wraps its loader so that :func:`link_to_sklearn` runs right after the module executes."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "sklearn.exceptions":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            link_to_sklearn(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _link_now_or_later() -> None:
    loaded = sys.modules.get("sklearn.exceptions")
    if loaded is not None:
        link_to_sklearn(loaded)
    elif not any(isinstance(finder, _LinkWhenLoaded) for finder in sys.meta_path):
        sys.meta_path.insert(0, _LinkWhenLoaded())


_link_now_or_later()
