"""ColumnTransformer: different transformers on different columns, outputs side by side."""

from __future__ import annotations

import numbers

import numpy as np

from homeml.learn._parallel import parallel_map
from homeml.learn._set_output import output_is_pandas, set_step_output
from homeml.learn.base import (
    Bunch,
    SetOutputMixin,
    _num_samples,
    check_array,
    check_is_fitted,
    clone,
)
from homeml.learn.pipeline._composition import Composition, name_estimators


def _is_dataframe(X) -> bool:
    return hasattr(X, "iloc") and hasattr(X, "columns")


def _column_indices(X, columns, n_features: int, names) -> np.ndarray:
    """Positions selected by ints, a slice, a boolean mask, names or a callable."""
    if callable(columns):
        columns = columns(X)
    if isinstance(columns, slice):
        if isinstance(columns.start, str) or isinstance(columns.stop, str):
            if names is None:
                raise ValueError("Selecting columns by name needs a DataFrame input.")
            start = 0 if columns.start is None else list(names).index(columns.start)
            stop = n_features if columns.stop is None else list(names).index(columns.stop) + 1
            return np.arange(start, stop)
        return np.arange(n_features)[columns]
    selection = np.atleast_1d(
        np.asarray(
            columns,
            dtype=object
            if isinstance(columns, list) and columns and isinstance(columns[0], str)
            else None,
        )
    )
    if selection.size == 0:
        return np.array([], dtype=np.int64)
    if selection.dtype.kind == "b":
        if len(selection) != n_features:
            raise ValueError(
                f"A boolean column mask must have {n_features} entries; got {len(selection)}."
            )
        return np.flatnonzero(selection)
    if selection.dtype.kind in "iu":
        if selection.max() >= n_features or selection.min() < -n_features:
            raise ValueError(
                f"Column index out of range: {columns!r} for X with {n_features} feature(s)."
            )
        return selection % n_features
    if all(isinstance(c, str) for c in selection):
        if names is None:
            raise ValueError(
                "Specifying the columns using strings is only supported for dataframes."
            )
        position = {n: i for i, n in enumerate(names)}
        missing = [c for c in selection if c not in position]
        if missing:
            raise ValueError(f"A given column is not a column of the dataframe: {missing}")
        return np.array([position[c] for c in selection], dtype=np.int64)
    raise ValueError(
        f"No valid specification of the columns. Only a scalar, list or slice of "
        f"all integers or all strings, or boolean mask is allowed; got {columns!r}."
    )


def _take(X, indices, scalar: bool):
    if _is_dataframe(X):
        return X.iloc[:, indices[0]] if scalar else X.iloc[:, indices]
    return X[:, indices[0]] if scalar else X[:, indices]


def _as_2d(output, name):
    output = output.to_numpy() if hasattr(output, "to_numpy") else np.asarray(output)
    if hasattr(output, "toarray"):
        output = output.toarray()
    if output.ndim == 1:
        raise ValueError(
            f"The output of the '{name}' transformer should be 2D (numpy array, "
            "or pandas DataFrame)."
        )
    return output


class ColumnTransformer(SetOutputMixin, Composition):
    """Apply transformers to subsets of columns and put their outputs side by side (dense).

    Parameters
    ----------
    transformers : list of (name, transformer, columns)
        ``transformer`` is an estimator, ``"drop"`` or ``"passthrough"``; ``columns`` are
        integer positions, a slice, a boolean mask, DataFrame column names, or a callable
        ``X -> columns``. A scalar int or name hands the transformer a 1-D column.
    remainder : "drop", "passthrough" or estimator
        What happens to the columns no transformer names.
    sparse_threshold : float
        Accepted for compatibility; the output is always dense.
    n_jobs : int or None
        Jobs fitting the transformers (through joblib, so ``parallel_backend("dask")``
        applies); the result does not depend on it.
    transformer_weights : dict or None
        Multiply a transformer's output by a weight.
    verbose : bool
    verbose_feature_names_out : bool
        Prefix output names with the transformer's name (``"scale__age"``).

    Attributes
    ----------
    transformers_ : list of (name, fitted transformer, columns)
        With the remainder last when there are remaining columns.
    named_transformers_ : Bunch
    output_indices_ : dict of name -> slice of the output columns
    """

    _items_attribute = "transformers"

    def __init__(
        self,
        transformers,
        *,
        remainder="drop",
        sparse_threshold=0.3,
        n_jobs=None,
        transformer_weights=None,
        verbose=False,
        verbose_feature_names_out=True,
    ):
        self.transformers = transformers
        self.remainder = remainder
        self.sparse_threshold = sparse_threshold
        self.n_jobs = n_jobs
        self.transformer_weights = transformer_weights
        self.verbose = verbose
        self.verbose_feature_names_out = verbose_feature_names_out

    def _homeml_tags(self) -> dict:
        return {
            **super()._homeml_tags(),
            "allow_nan": True,
            "string": True,
            "categorical": True,
            "preserves_dtype": [],
        }

    def _check_X(self, X, reset: bool):
        self._check_feature_names(X, reset=reset)
        if not _is_dataframe(X):
            X = check_array(X, dtype=None, allow_nan=True, estimator=self)
        elif X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(
                f"Found array with shape {X.shape}; ColumnTransformer needs at "
                "least one sample and one feature."
            )
        self._check_n_features(np.empty((0, X.shape[1])), reset=reset)
        return X

    def _validate(self):
        if not isinstance(self.transformers, (list, tuple)) or not all(
            isinstance(t, tuple) and len(t) == 3 for t in self.transformers
        ):
            raise TypeError(
                "transformers must be a list of (name, transformer, columns) "
                f"tuples; got {self.transformers!r}."
            )
        self._check_names([t[0] for t in self.transformers])
        for _, transformer, _ in self.transformers:
            if isinstance(transformer, str):
                if transformer not in ("drop", "passthrough"):
                    raise ValueError(
                        f"A transformer given as a string must be 'drop' or "
                        f"'passthrough'; got {transformer!r}."
                    )
            elif not (
                hasattr(transformer, "fit") or hasattr(transformer, "fit_transform")
            ) or not hasattr(transformer, "transform"):
                raise TypeError(
                    f"All estimators should implement fit and transform, or can be "
                    f"'drop' or 'passthrough' specifiers. '{transformer!r}' (type "
                    f"{type(transformer).__name__}) doesn't."
                )
        remainder = self.remainder
        if not (
            remainder in ("drop", "passthrough")
            if isinstance(remainder, str)
            else hasattr(remainder, "fit") and hasattr(remainder, "transform")
        ):
            raise ValueError(
                f"The remainder keyword needs to be one of 'drop', 'passthrough', "
                f"or estimator. '{remainder!r}' was passed instead"
            )

    def _plan(self, X):
        """(name, transformer, columns as given, column positions, scalar?) for each part."""
        names = getattr(self, "feature_names_in_", None)
        plan, used = [], set()
        for name, transformer, columns in self.transformers:
            indices = _column_indices(X, columns, self.n_features_in_, names)
            scalar = isinstance(columns, (numbers.Integral, str))
            plan.append((name, transformer, columns, indices, scalar))
            used.update(indices.tolist())
        rest = np.array([i for i in range(self.n_features_in_) if i not in used], dtype=np.int64)
        if len(rest):
            plan.append(("remainder", self.remainder, rest, rest, False))
        return plan

    def fit(self, X, y=None, **params):
        """Fit every transformer on its columns."""
        self.fit_transform(X, y, **params)
        return self

    def fit_transform(self, X, y=None, **params):
        """Fit every transformer on its columns and return the outputs side by side."""
        self._validate()
        X = self._check_X(X, reset=True)
        fitted, outputs, tasks = [], [], []  # an int in fitted/outputs: the task's position
        for name, transformer, columns, indices, scalar in self._plan(X):
            if isinstance(transformer, str) or len(indices) == 0:
                fitted.append((name, transformer, columns))
                if transformer == "passthrough" and len(indices):
                    outputs.append((name, _take(X, indices, False)))
                continue
            fitted.append((name, len(tasks), columns))
            outputs.append((name, len(tasks)))
            tasks.append((clone(transformer), _take(X, indices, scalar), y))
        # the transformers are independent: joblib tasks (parallel_backend("dask") applies)
        results = parallel_map(_fit_transform_one, tasks, self.n_jobs)
        fitted = [(n, results[e][0] if isinstance(e, int) else e, c) for n, e, c in fitted]
        outputs = [(n, results[o][1] if isinstance(o, int) else o) for n, o in outputs]
        self.transformers_ = fitted
        self._indices = {name: idx for name, _, _, idx, _ in self._plan(X)}
        return self._stack(outputs, X)

    def _stack(self, outputs, X):
        """The parts side by side: an array, or with ``set_output(transform="pandas")`` a
        DataFrame keeping each part's column dtypes (named by the output wrapper)."""
        frames = [(name, o) for name, o in outputs if _is_dataframe(o)]
        outputs = [(name, _as_2d(output, name)) for name, output in outputs]
        self.output_indices_ = {name: slice(0, 0) for name, _, _ in self.transformers_}
        self.output_indices_.setdefault("remainder", slice(0, 0))
        start = 0
        for name, output in outputs:
            self.output_indices_[name] = slice(start, start + output.shape[1])
            start += output.shape[1]
        weights = self.transformer_weights or {}
        if output_is_pandas(self):
            import pandas as pd

            kept = dict(frames)
            parts = []
            for name, output in outputs:
                part = kept[name] if name in kept else pd.DataFrame(output)
                part = part.reset_index(drop=True)
                parts.append(part if weights.get(name) is None else part * weights[name])
            n_samples = _num_samples(X)
            result = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=range(n_samples))
            if _is_dataframe(X):
                result.index = X.index
            return result
        arrays = []
        for name, output in outputs:
            weight = weights.get(name)
            arrays.append(output if weight is None else output * weight)
        if not arrays:
            return np.zeros((_num_samples(X), 0))
        if any(a.dtype.kind in "OUS" for a in arrays):
            arrays = [a.astype(object) for a in arrays]
        return np.hstack(arrays)

    def transform(self, X, **params):
        """Transform each column subset with its fitted transformer; outputs side by side."""
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        outputs = []
        for (name, transformer, _), (_, _, _, indices, scalar) in zip(
            self.transformers_, self._plan(X)
        ):
            if transformer == "drop" or len(indices) == 0:
                continue
            if transformer == "passthrough":
                outputs.append((name, _take(X, indices, False)))
            else:
                outputs.append((name, transformer.transform(_take(X, indices, scalar))))
        return self._stack(outputs, X)

    def set_output(self, *, transform=None):
        """Choose the output container, here and for every transformer (and the remainder).

        Parameters
        ----------
        transform : {"default", "pandas"} or None, default=None
            "pandas": a DataFrame named by ``get_feature_names_out()``, each part keeping its
            column dtypes; "default": a NumPy array; None: unchanged.

        Returns
        -------
        self
        """
        super().set_output(transform=transform)
        steps = [t for _, t, _ in self.transformers] + [
            t for _, t, _ in getattr(self, "transformers_", [])
        ]
        for step in [*steps, self.remainder]:
            if not isinstance(step, str):
                set_step_output(step, transform)
        return self

    @property
    def named_transformers_(self) -> Bunch:
        """The fitted transformers by name."""
        return Bunch({name: t for name, t, _ in self.transformers_})

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Each transformer's output names, prefixed ``name__`` (``verbose_feature_names_out``)."""
        from homeml.learn.preprocessing._common import input_feature_names

        check_is_fitted(self)
        names = input_feature_names(self, input_features)
        out = []
        for name, transformer, _ in self.transformers_:
            indices = self._indices[name]
            if transformer == "drop" or len(indices) == 0:
                continue
            if transformer == "passthrough":
                produced = names[indices]
            elif hasattr(transformer, "get_feature_names_out"):
                produced = transformer.get_feature_names_out(names[indices])
            else:
                raise AttributeError(
                    f"Transformer {name} (type {type(transformer).__name__}) "
                    "does not provide get_feature_names_out."
                )
            out.extend(
                f"{name}__{p}" if self.verbose_feature_names_out else str(p) for p in produced
            )
        if not self.verbose_feature_names_out and len(set(out)) != len(out):
            raise ValueError(
                f"Output feature names: {out} are not unique. Please set "
                "verbose_feature_names_out=True to add prefixes to feature names"
            )
        return np.asarray(out, dtype=object)


def make_column_transformer(
    *transformers,
    remainder="drop",
    sparse_threshold=0.3,
    n_jobs=None,
    verbose=False,
    verbose_feature_names_out=True,
) -> ColumnTransformer:
    """A :class:`ColumnTransformer` from ``(transformer, columns)`` pairs, named automatically."""
    named = name_estimators([t for t, _ in transformers])
    return ColumnTransformer(
        [(name, t, cols) for (name, t), (_, cols) in zip(named, transformers)],
        remainder=remainder,
        sparse_threshold=sparse_threshold,
        n_jobs=n_jobs,
        verbose=verbose,
        verbose_feature_names_out=verbose_feature_names_out,
    )


def _fit_transform_one(estimator, part, y):
    """One transformer fitted on its columns (a joblib task): ``(estimator, output)``."""
    if hasattr(estimator, "fit_transform"):
        return estimator, estimator.fit_transform(part, y)
    return estimator, estimator.fit(part, y).transform(part)
