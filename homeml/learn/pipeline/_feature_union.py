"""FeatureUnion: several transformers on the same columns, outputs side by side."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from homeml.learn._set_output import output_is_pandas, set_step_output
from homeml.learn.base import Bunch, SetOutputMixin, _num_samples, check_is_fitted, clone
from homeml.learn.pipeline._composition import Composition, name_estimators


class FeatureUnion(SetOutputMixin, Composition):
    """Concatenate the outputs of several transformers fitted on the same input.

    Parameters
    ----------
    transformer_list : list of (name, transformer)
        ``transformer`` is an estimator, ``"drop"`` or ``"passthrough"`` (the input itself).
    n_jobs : ignored
        Transformers run one after the other in this process.
    transformer_weights : dict or None
        Multiply a transformer's output by a weight.
    verbose : bool
    verbose_feature_names_out : bool
        Prefix output names with the transformer's name (``"pca__pca0"``).

    Attributes
    ----------
    named_transformers : Bunch
        The transformers by name (the fitted ones after fit: fit replaces each transformer of
        ``transformer_list`` by its fitted clone, as scikit-learn does).
    """

    _items_attribute = "transformer_list"

    def __init__(
        self,
        transformer_list,
        *,
        n_jobs=None,
        transformer_weights=None,
        verbose=False,
        verbose_feature_names_out=True,
    ):
        self.transformer_list = transformer_list
        self.n_jobs = n_jobs
        self.transformer_weights = transformer_weights
        self.verbose = verbose
        self.verbose_feature_names_out = verbose_feature_names_out

    def _homeml_tags(self) -> dict:
        sparse, nan = True, True
        for _, t in self.transformer_list:
            if isinstance(t, str):
                continue
            tags = t._homeml_tags() if hasattr(t, "_homeml_tags") else {}
            sparse &= tags.get("sparse", False)
            nan &= tags.get("allow_nan", False)
        return {**super()._homeml_tags(), "sparse": sparse, "allow_nan": nan}

    def _validate(self):
        names = [name for name, _ in self.transformer_list]
        self._check_names(names)
        if self.transformer_weights:
            unknown = set(self.transformer_weights) - set(names)
            if unknown:
                raise ValueError(
                    f'Attempting to weight transformer "{sorted(unknown)[0]}", but it is not '
                    f"present in transformer_list."
                )
        for _, t in self.transformer_list:
            if t in ("drop", "passthrough"):
                continue
            if not (hasattr(t, "fit") or hasattr(t, "fit_transform")) or not hasattr(
                t, "transform"
            ):
                raise TypeError(
                    "All estimators should implement fit and transform. "
                    f"'{t}' (type {type(t)}) doesn't"
                )

    @property
    def named_transformers(self) -> Bunch:
        """The transformers by name."""
        return Bunch(dict(self.transformer_list))

    def _active(self):
        weights = self.transformer_weights or {}
        for name, t in self.transformer_list:
            if t == "drop":
                continue
            yield name, t, weights.get(name)

    def fit(self, X, y=None, **fit_params):
        """Fit every transformer on ``X``."""
        self._validate()
        self._check_input(X, reset=True)
        fitted = []
        for name, t in self.transformer_list:
            if isinstance(t, str):
                fitted.append((name, t))
                continue
            fitted.append((name, clone(t).fit(X, y, **fit_params)))
        self.transformer_list = fitted
        self._is_fitted = True
        return self

    def fit_transform(self, X, y=None, **fit_params):
        """Fit every transformer on ``X`` and return their outputs side by side."""
        self._validate()
        self._check_input(X, reset=True)
        fitted, outputs = [], []
        weights = self.transformer_weights or {}
        for name, t in self.transformer_list:
            if isinstance(t, str):
                fitted.append((name, t))
                if t == "passthrough":
                    outputs.append((X, weights.get(name)))
                continue
            estimator = clone(t)
            if hasattr(estimator, "fit_transform"):
                out = estimator.fit_transform(X, y, **fit_params)
            else:
                out = estimator.fit(X, y, **fit_params).transform(X)
            fitted.append((name, estimator))
            outputs.append((out, weights.get(name)))
        self.transformer_list = fitted
        self._is_fitted = True
        return self._stack(outputs, X)

    def _check_input(self, X, reset: bool):
        self._check_feature_names(X, reset=reset)
        if reset:
            shape = X.shape if hasattr(X, "shape") else np.shape(np.asarray(X, dtype=object))
            if len(shape) == 2:
                self.n_features_in_ = shape[1]

    def transform(self, X):
        """The transformers' outputs on ``X``, side by side."""
        check_is_fitted(self)
        outputs = []
        for _, t, weight in self._active():
            outputs.append((X if t == "passthrough" else t.transform(X), weight))
        return self._stack(outputs, X)

    def _stack(self, outputs, X):
        parts = [out if w is None else out * w for out, w in outputs]
        if not parts:
            return np.zeros((_num_samples(X), 0))
        if output_is_pandas(self) and all(hasattr(p, "iloc") for p in parts):
            import pandas as pd

            return pd.concat(parts, axis=1)
        if any(sp.issparse(p) for p in parts):
            return sp.hstack(parts).tocsr()
        arrays = [p.to_numpy() if hasattr(p, "to_numpy") else np.asarray(p) for p in parts]
        return np.hstack(arrays)

    def __sklearn_is_fitted__(self) -> bool:
        # not n_features_in_: text input (a list of documents) has no feature count
        return getattr(self, "_is_fitted", False)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Each transformer's output names, prefixed ``name__`` (``verbose_feature_names_out``)."""
        from homeml.learn.preprocessing._common import input_feature_names

        out = []
        for name, t, _ in self._active():
            if t == "passthrough":
                produced = input_feature_names(self, input_features)
            elif hasattr(t, "get_feature_names_out"):
                produced = t.get_feature_names_out(input_features)
            else:
                raise AttributeError(
                    f"Transformer {name} (type {type(t).__name__}) does not provide "
                    "get_feature_names_out."
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

    def set_output(self, *, transform=None):
        """Choose the output container, here and for every transformer."""
        super().set_output(transform=transform)
        for _, t in self.transformer_list:
            if not isinstance(t, str):
                set_step_output(t, transform)
        return self


def make_union(*transformers, n_jobs=None, verbose=False) -> FeatureUnion:
    """A :class:`FeatureUnion` of ``transformers``, named by their lower-cased class names."""
    return FeatureUnion(name_estimators(transformers), n_jobs=n_jobs, verbose=verbose)
