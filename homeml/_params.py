"""The parameter protocol shared by homeml's estimators and agents.

An object that takes part lists its hyper-parameters as explicit keyword arguments of
``__init__`` (no ``*args``, no ``**kwargs``) and stores each one unchanged under its own name.
:class:`ParamsMixin` then gives it scikit-learn's protocol, which scikit-learn's own ``clone``,
``GridSearchCV`` and ``Pipeline`` rely on:

- ``get_params(deep=True)`` and ``set_params(**params)`` (``step__param`` reaches nested objects);
- a ``repr`` that shows only the parameters that differ from their defaults;
- :func:`clone`: a new, unfitted object with the same parameters.

``homeml.learn.base.BaseEstimator`` (estimators) and ``homeml.rl.agent.Agent`` (agents) both build
on it, as siblings: an agent is not an estimator.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np


class ParamsMixin:
    """``get_params``/``set_params``/``repr`` read from the parameters of ``__init__``."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        parameters = inspect.signature(init).parameters.values()
        for p in parameters:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(
                    f"{cls.__name__}.__init__ must list its parameters explicitly; "
                    f"found {p} (scikit-learn's contract forbids *args and **kwargs)"
                )
        return sorted(p.name for p in parameters if p.name != "self")

    def get_params(self, deep: bool = True) -> dict:
        """Return the parameters (and, with ``deep``, those of nested estimators)."""
        out = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for sub_name, sub_value in value.get_params().items():
                    out[f"{name}__{sub_name}"] = sub_value
            out[name] = value
        return out

    def set_params(self, **params):
        """Set parameters; ``step__param`` sets a parameter of a nested estimator."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: dict[str, dict] = {}
        for key, value in params.items():
            name, _, sub_name = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {sorted(self._get_param_names())!r}."
                )
            if sub_name:
                nested.setdefault(name, {})[sub_name] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        # Like scikit-learn: show only the parameters that differ from their defaults.
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
            if name != "self"
        }
        changed = []
        for name in self._get_param_names():
            value = getattr(self, name, None)
            default = defaults.get(name, inspect.Parameter.empty)
            if not _same_value(value, default):
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"


def clone(estimator, *, safe: bool = True):
    """A new unfitted estimator (or agent) with the same parameters, nested ones cloned too.

    Parameters
    ----------
    estimator : object with ``get_params``, or a list/tuple/set of them
    safe : bool
        When False, objects without ``get_params`` are deep-copied instead of refused.
    """
    if isinstance(estimator, (list, tuple, set, frozenset)):
        return type(estimator)(clone(e, safe=safe) for e in estimator)
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        if not safe:
            return copy.deepcopy(estimator)
        raise TypeError(
            f"Cannot clone {estimator!r} (type {type(estimator).__name__}): it is not an "
            "estimator (it has no get_params method)."
        )
    params = {k: clone(v, safe=False) for k, v in estimator.get_params(deep=False).items()}
    new = type(estimator)(**params)
    if hasattr(estimator, "_sklearn_output_config"):  # set_output's choice, as scikit-learn
        new._sklearn_output_config = copy.deepcopy(estimator._sklearn_output_config)
    return new


def _same_value(a, b) -> bool:
    if a is b:
        return True
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except (ValueError, TypeError):  # arrays and other non-scalar defaults
        return False
