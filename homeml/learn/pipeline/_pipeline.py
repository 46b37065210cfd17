"""Pipeline: transformers chained in front of a final estimator, fitted and used as one."""

from __future__ import annotations

import time

import numpy as np

from homeml.learn._set_output import set_step_output
from homeml.learn.base import Bunch, available_if, check_is_fitted
from homeml.learn.exceptions import not_fitted_error_type
from homeml.learn.pipeline._composition import Composition, is_skipped, name_estimators


def _estimator_type(estimator):
    if hasattr(estimator, "_homeml_tags"):
        return estimator._homeml_tags()["estimator_type"]
    try:
        return estimator.__sklearn_tags__().estimator_type
    except AttributeError:
        return getattr(estimator, "_estimator_type", None)


def _final_has(name):
    return lambda self: (
        self._final_estimator == "passthrough"
        and name == "transform"
        or hasattr(self._final_estimator, name)
    )


class Pipeline(Composition):
    """A sequence of transformers and a final estimator, used as one estimator.

    ``fit`` fits each transformer on the output of the previous ones, then the final step;
    ``predict``/``transform``/... run the data through the fitted transformers first. A step may
    be ``"passthrough"`` or None (skipped). Parameters of a step are ``<step name>__<param>``,
    so a pipeline works in ``GridSearchCV`` (homeml's or scikit-learn's).

    Parameters
    ----------
    steps : list of (name, estimator) tuples
    transform_input : None
        Metadata routing is not supported; must be None.
    memory : None
        Caching of fitted transformers is not supported; must be None.
    verbose : bool
        Print the time each step took to fit.
    """

    _items_attribute = "steps"

    def __init__(self, steps, *, transform_input=None, memory=None, verbose=False):
        self.steps = steps
        self.transform_input = transform_input
        self.memory = memory
        self.verbose = verbose

    # -- structure -------------------------------------------------------------------------------

    def _validate_steps(self):
        if not isinstance(self.steps, (list, tuple)) or not all(
            isinstance(s, tuple) and len(s) == 2 for s in self.steps
        ):
            raise TypeError(
                f"steps must be a list of (name, estimator) tuples; got {self.steps!r}."
            )
        if not self.steps:
            raise ValueError("The pipeline is empty. Please add steps.")
        self._check_names([name for name, _ in self.steps])
        if self.memory is not None or self.transform_input is not None:
            raise ValueError(
                "memory and transform_input are not supported by homeml's "
                "Pipeline; leave them as None."
            )
        for _, step in self.steps[:-1]:
            if not is_skipped(step) and not (hasattr(step, "fit") and hasattr(step, "transform")):
                raise TypeError(
                    f"All intermediate steps should be transformers and implement "
                    f"fit and transform or be the string 'passthrough' '{step!r}' "
                    f"(type {type(step).__name__}) doesn't"
                )
        final = self.steps[-1][1]
        if not is_skipped(final) and not hasattr(final, "fit"):
            raise TypeError(
                f"Last step of Pipeline should implement fit or be the string "
                f"'passthrough'. '{final!r}' (type {type(final).__name__}) doesn't"
            )

    @property
    def named_steps(self) -> Bunch:
        """The steps by name: ``pipe.named_steps["scaler"]`` or ``pipe.named_steps.scaler``."""
        return Bunch(self.steps)

    @property
    def _final_estimator(self):
        final = self.steps[-1][1]
        return "passthrough" if final is None else final

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index):
        """A step by position or name, or a sub-pipeline for a slice."""
        if isinstance(index, slice):
            if index.step not in (None, 1):
                raise ValueError("Pipeline slicing only supports a step of 1")
            return type(self)(self.steps[index], memory=self.memory, verbose=self.verbose)
        if isinstance(index, str):
            return self.named_steps[index]
        return self.steps[index][1]

    def _transformers(self):
        """(index, name, transformer) of the steps before the last that are not skipped."""
        return [(i, n, t) for i, (n, t) in enumerate(self.steps[:-1]) if not is_skipped(t)]

    def _homeml_tags(self) -> dict:
        tags = super()._homeml_tags()
        steps = (
            [s for _, s in self.steps if not is_skipped(s)]
            if isinstance(self.steps, (list, tuple))
            else []
        )
        final = self.steps[-1][1] if steps else None
        if final is not None and not is_skipped(final):
            kind = _estimator_type(final)
            tags["estimator_type"] = kind
            tags["requires_y"] = kind in ("classifier", "regressor")
            if hasattr(final, "_homeml_tags"):
                final_tags = final._homeml_tags()
                for key in (
                    "requires_y",
                    "multi_output",
                    "single_output",
                    "multi_class",
                    "multi_label",
                    "poor_score",
                    "preserves_dtype",
                ):
                    tags[key] = final_tags[key]
        if steps and hasattr(steps[0], "_homeml_tags"):
            first = steps[0]._homeml_tags()
            for key in ("string", "categorical", "pairwise", "positive_only"):
                tags[key] = first[key]
        # NaN gets through only if every step lets it through
        tags["allow_nan"] = bool(steps) and all(
            hasattr(s, "_homeml_tags") and s._homeml_tags()["allow_nan"] for s in steps
        )
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        for _, step in reversed(self.steps):
            if not is_skipped(step):
                try:
                    check_is_fitted(step)
                    return True
                except not_fitted_error_type():
                    return False
                except Exception:  # noqa: BLE001 (scikit-learn's own NotFittedError)
                    return False
        return True

    # -- fitting -------------------------------------------------------------------------------

    def _route(self, params: dict) -> dict:
        """Check the steps, then split ``step__param`` fit parameters by step."""
        self._validate_steps()
        routed = {name: {} for name, _ in self.steps}
        for key, value in params.items():
            step, sep, param = key.partition("__")
            if not sep or step not in routed:
                raise ValueError(
                    f"Pipeline.fit does not accept the {key} parameter. You can "
                    "pass parameters to specific steps of your pipeline using the "
                    "stepname__parameter format, e.g. "
                    "`Pipeline.fit(X, y, logisticregression__sample_weight"
                    "=sample_weight)`."
                )
            routed[step][param] = value
        return routed

    def _fit_transformers(self, X, y, routed):
        for index, name, transformer in self._transformers():
            start = time.perf_counter()
            if hasattr(transformer, "fit_transform"):
                X = transformer.fit_transform(X, y, **routed[name])
            else:
                X = transformer.fit(X, y, **routed[name]).transform(X)
            self._log(index, name, start)
        return X

    def _log(self, index, name, start):
        if self.verbose:
            print(
                f"[Pipeline] ({index + 1} of {len(self.steps)}) Processing {name}, total="
                f"{time.perf_counter() - start:5.1f}s"
            )

    def fit(self, X, y=None, **params):
        """Fit the transformers one after the other, then the final estimator."""
        routed = self._route(params)
        Xt = self._fit_transformers(X, y, routed)
        name, final = self.steps[-1]
        if not is_skipped(final):
            start = time.perf_counter()
            final.fit(Xt, y, **routed[name])
            self._log(len(self.steps) - 1, name, start)
        return self

    @available_if(_final_has("transform"))
    def fit_transform(self, X, y=None, **params):
        """Fit every step and return the transformed ``X``."""
        routed = self._route(params)
        Xt = self._fit_transformers(X, y, routed)
        name, final = self.steps[-1]
        if is_skipped(final):
            return Xt
        if hasattr(final, "fit_transform"):
            return final.fit_transform(Xt, y, **routed[name])
        return final.fit(Xt, y, **routed[name]).transform(Xt)

    @available_if(_final_has("fit_predict"))
    def fit_predict(self, X, y=None, **params):
        """Fit the transformers, then ``fit_predict`` of the final estimator."""
        routed = self._route(params)
        Xt = self._fit_transformers(X, y, routed)
        name, final = self.steps[-1]
        return final.fit_predict(Xt, y, **routed[name])

    # -- using -----------------------------------------------------------------------------------

    def _through_transformers(self, X):
        for _, _, transformer in self._transformers():
            X = transformer.transform(X)
        return X

    def _final_call(self, method, X, **params):
        check_is_fitted(self)
        return getattr(self._final_estimator, method)(self._through_transformers(X), **params)

    @available_if(_final_has("predict"))
    def predict(self, X, **params):
        """Transform ``X`` and predict with the final estimator."""
        return self._final_call("predict", X, **params)

    @available_if(_final_has("predict_proba"))
    def predict_proba(self, X, **params):
        """Transform ``X`` and return the final estimator's class probabilities."""
        return self._final_call("predict_proba", X, **params)

    @available_if(_final_has("predict_log_proba"))
    def predict_log_proba(self, X, **params):
        """Transform ``X`` and return the final estimator's log-probabilities."""
        return self._final_call("predict_log_proba", X, **params)

    @available_if(_final_has("decision_function"))
    def decision_function(self, X, **params):
        """Transform ``X`` and return the final estimator's decision function."""
        return self._final_call("decision_function", X, **params)

    @available_if(_final_has("score_samples"))
    def score_samples(self, X):
        """Transform ``X`` and return the final estimator's ``score_samples``."""
        return self._final_call("score_samples", X)

    @available_if(_final_has("score"))
    def score(self, X, y=None, sample_weight=None, **params):
        """Transform ``X`` and score with the final estimator."""
        check_is_fitted(self)
        extra = {} if sample_weight is None else {"sample_weight": sample_weight}
        return self._final_estimator.score(self._through_transformers(X), y, **extra, **params)

    @available_if(_final_has("transform"))
    def transform(self, X, **params):
        """Apply every transformer (the final step too)."""
        check_is_fitted(self)
        Xt = self._through_transformers(X)
        final = self._final_estimator
        return Xt if is_skipped(final) else final.transform(Xt)

    @available_if(
        lambda self: all(is_skipped(s) or hasattr(s, "inverse_transform") for _, s in self.steps)
    )
    def inverse_transform(self, X, **params):
        """Apply ``inverse_transform`` of every step, last to first."""
        check_is_fitted(self)
        for _, step in reversed(self.steps):
            if not is_skipped(step):
                X = step.inverse_transform(X)
        return X

    # -- fitted attributes of the steps -----------------------------------------------------------

    @property
    def classes_(self):
        """The final estimator's classes."""
        return self.steps[-1][1].classes_

    @property
    def n_features_in_(self):
        """Number of features the first step saw in fit."""
        return next(s for _, s in self.steps if not is_skipped(s)).n_features_in_

    @property
    def feature_names_in_(self):
        """Feature names the first step saw in fit."""
        return next(s for _, s in self.steps if not is_skipped(s)).feature_names_in_

    def set_output(self, *, transform=None):
        """Choose the output container of every step that transforms (see
        ``StandardScaler.set_output``).

        Parameters
        ----------
        transform : {"default", "pandas"} or None, default=None

        Returns
        -------
        self
        """
        for _, step in self.steps:
            if not is_skipped(step):
                set_step_output(step, transform)
        return self

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output names, passing each step's output names on to the next."""
        names = input_features
        for _, step in self.steps:
            if is_skipped(step):
                continue
            if not hasattr(step, "get_feature_names_out"):
                raise AttributeError(
                    f"Estimator {step!r} does not provide "
                    "get_feature_names_out. Did you mean to call "
                    "pipeline[:-1].get_feature_names_out()?"
                )
            names = step.get_feature_names_out(names)
        return names


def make_pipeline(*steps, memory=None, transform_input=None, verbose=False) -> Pipeline:
    """A :class:`Pipeline` whose steps are named after their lower-cased class names."""
    return Pipeline(
        name_estimators(steps), transform_input=transform_input, memory=memory, verbose=verbose
    )
