"""``set_output(transform="pandas")``: transformers that return DataFrames, as in scikit-learn.

A transformer class that defines ``transform`` or ``fit_transform`` gets them wrapped when the
class is created (:meth:`SetOutputMixin.__init_subclass__`). The wrapper does nothing until
``set_output(transform="pandas")`` was called on the instance (stored, as scikit-learn stores
it, in ``_sklearn_output_config``, which ``clone`` keeps); then the array the method returned
becomes a DataFrame whose columns are ``get_feature_names_out()`` and whose index is the input
DataFrame's (or the output's own, when it already is a DataFrame). ``set_output`` exists only on
transformers that have ``get_feature_names_out`` (the column names must come from somewhere).
Pipelines and column transformers pass the setting on to their steps.
"""

from __future__ import annotations

import functools

_WRAPPED = ("transform", "fit_transform")


def output_is_pandas(estimator) -> bool:
    """Whether ``set_output(transform="pandas")`` was called on ``estimator``."""
    return getattr(estimator, "_sklearn_output_config", {}).get("transform") == "pandas"


def to_pandas(output, original_input, columns):
    """``output`` as a DataFrame with ``columns`` (a callable; left as they are if it fails)
    and the index of ``output`` or, failing that, of ``original_input``."""
    import pandas as pd

    if hasattr(output, "toarray") and hasattr(output, "nnz"):
        raise ValueError(
            "The transformer outputs a scipy sparse matrix. Try to set the transformer output to "
            "a dense array or disable Pandas output with set_output(transform='default')."
        )
    try:
        names = columns() if callable(columns) else columns
    except Exception:  # no names (e.g. get_feature_names_out unsupported): keep 0, 1, ...
        names = None
    if isinstance(output, pd.DataFrame):
        output = output.copy(deep=False)
    else:
        index = original_input.index if isinstance(original_input, pd.DataFrame) else None
        if isinstance(original_input, pd.Series):
            index = original_input.index
        output = pd.DataFrame(output, index=index, copy=False)
    if names is not None:
        output.columns = list(names)
    return output


def wrap_output(method):
    """``method`` (transform or fit_transform), returning a DataFrame when so configured."""

    @functools.wraps(method)
    def wrapped(self, X, *args, **kwargs):
        output = method(self, X, *args, **kwargs)
        if not output_is_pandas(self) or not hasattr(self, "get_feature_names_out"):
            return output
        if isinstance(output, tuple):  # (Xt, ...): only the first array is the transform
            return (to_pandas(output[0], X, self.get_feature_names_out), *output[1:])
        return to_pandas(output, X, self.get_feature_names_out)

    wrapped._homeml_wraps_output = True
    return wrapped


WRAPPED = _WRAPPED


def check_transform_option(transform) -> None:
    if transform not in (None, "default", "pandas"):
        raise ValueError(
            f"set_output(transform=...) takes 'default', 'pandas' or None; got {transform!r} "
            "(homeml has no polars output)."
        )


def set_step_output(step, transform) -> None:
    """``step.set_output(transform=...)`` for a step of a pipeline or column transformer; a
    step that transforms without offering ``set_output`` cannot follow the choice."""
    if transform is None:
        return
    if hasattr(step, "set_output"):
        step.set_output(transform=transform)
    elif hasattr(step, "transform") or hasattr(step, "fit_transform"):
        raise ValueError(
            f"Unable to configure output for {step} because `set_output` is not available."
        )
