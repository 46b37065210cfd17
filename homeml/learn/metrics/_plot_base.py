"""What the binary-classifier curve displays share (ROC, precision-recall, DET): legend labels
"name (AUC = 0.93)", one label "mean +/- std" for the folds of ``from_cv_results``, axis labels
naming the positive class, and the checks of ``from_predictions``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from homeml.learn import _plotting
from homeml.learn.base import type_of_target


def _as_list(value):
    return None if value is None else value if isinstance(value, list) else [value]


def _legend_label(metric, name, metric_name):
    if metric is not None and name is not None:
        return f"{name} ({metric_name} = {metric:0.2f})"
    if metric is not None:
        return f"{metric_name} = {metric:0.2f}"
    return name


class _CurveDisplay:
    """Binary-classifier curves: one curve, or one per cross-validation fold."""

    _metric_name = ""
    _xy_names = ("", "")

    @staticmethod
    def _styles(n_curves, name, metric, metric_name, curve_kwargs, defaults, multi_defaults):
        if not isinstance(curve_kwargs, list) and n_curves > 1:  # one label for all curves
            mean = None if not metric else float(np.mean(metric))
            std = None if not metric else float(np.std(metric))
            aggregate = True
        else:
            metric = metric if metric is not None else [None] * n_curves
            aggregate = False
        if isinstance(curve_kwargs, list) and len(curve_kwargs) != n_curves:
            raise ValueError(
                f"`curve_kwargs` must be None, a dictionary or a list of length {n_curves}. "
                f"Got: {curve_kwargs}."
            )
        if isinstance(name, list) and len(name) != 1 and not isinstance(curve_kwargs, list):
            raise ValueError(
                "To avoid labeling individual curves that have the same appearance, "
                f"`curve_kwargs` should be a list of {n_curves} dictionaries. Alternatively, "
                "set `name` to `None` or a single string to label a single legend entry for "
                "all curves."
            )
        names = [name] if isinstance(name, str) else name
        names = names * n_curves if isinstance(names, list) and len(names) == 1 else names
        names = [None] * n_curves if names is None else names
        if isinstance(curve_kwargs, Mapping) or curve_kwargs is None:
            curve_kwargs = [curve_kwargs or {}] * n_curves
        defaults = {**defaults, **(multi_defaults if n_curves > 1 else {})}
        if aggregate:
            label = _legend_label(mean, names[0], metric_name)
            if std is not None:
                label = (
                    label[:-1] + f" +/- {std:0.2f})"
                    if names[0] is not None
                    else label + f" +/- {std:0.2f}"
                )
            labels = [label] + [None] * (n_curves - 1)
        else:
            labels = [_legend_label(m, n, metric_name) for m, n in zip(metric, names)]
        styles = [
            _plotting.style({"label": label, **defaults}, kwargs)
            for label, kwargs in zip(labels, curve_kwargs)
        ]
        return metric, styles

    def _axes_and_name(self, ax, name):
        self.ax_, self.figure_ = _plotting.axes(ax, f"{type(self).__name__}.plot")
        return getattr(self, "name", None) if name is None else name

    def _finish(self, styles, despine_axes, chance_label):
        info = f" (Positive label: {self.pos_label})" if self.pos_label is not None else ""
        self.ax_.set(
            xlabel=self._xy_names[0] + info,
            xlim=(-0.01, 1.01),
            ylabel=self._xy_names[1] + info,
            ylim=(-0.01, 1.01),
            aspect="equal",
        )
        if despine_axes:
            _plotting.despine(self.ax_)
        if styles[0].get("label") is not None or chance_label:
            self.ax_.legend(loc=self._legend_loc)

    @classmethod
    def _check_predictions(cls, y_true, y_score, sample_weight, pos_label, name):
        kind = type_of_target(y_true)
        if kind != "binary":
            raise ValueError(f"The target y is not binary. Got {kind} type of target.")
        from homeml.learn.base import check_consistent_length

        check_consistent_length(y_true, y_score, sample_weight)
        classes = np.unique(np.asarray(y_true))
        if pos_label is None:
            numeric = classes.dtype.kind in "biuf"
            if not numeric or not (
                set(classes.tolist()) <= {0, 1} or set(classes.tolist()) <= {-1, 1}
            ):
                raise ValueError(
                    f"y_true takes value in {{{', '.join(map(repr, classes.tolist()))}}} and "
                    "pos_label is not specified: either make y_true take value in {0, 1} or "
                    "{-1, 1} or pass pos_label explicitly."
                )
            pos_label = 1
        return pos_label, "Classifier" if name is None else name

    @classmethod
    def from_cv_results(cls, cv_results, X, y, *, sample_weight=None, drop_intermediate=True,
                        response_method="auto", pos_label=None, ax=None, name=None,
                        curve_kwargs=None, plot_chance_level=False, chance_level_kwargs=None,
                        despine=False):  # fmt: skip
        """One curve per fold of ``cross_validate(..., return_estimator=True,
        return_indices=True)``, each fold's estimator scored on its test samples.

        Parameters
        ----------
        cv_results : dict
            The output of ``cross_validate`` with ``estimator`` and ``indices``.
        X, y : array-like
            The data that was cross-validated.
        sample_weight, drop_intermediate, response_method, pos_label
            As in ``from_estimator``.
        ax, name, curve_kwargs, plot_chance_level, chance_level_kwargs, despine
            As in ``plot``; one legend entry "mean +/- std" unless ``curve_kwargs`` is a list.

        Returns
        -------
        display
        """
        if not all(key in cv_results for key in ("estimator", "indices")):
            raise ValueError(
                "`cv_results` does not contain one of the following required keys: "
                "{'estimator', 'indices'}. Set explicitly the parameters "
                "`return_estimator=True` and `return_indices=True` to the function"
                "`cross_validate`."
            )
        from homeml.learn.model_selection._split import index_rows

        kind = type_of_target(y)
        if kind != "binary":
            raise ValueError(f"The target `y` is not binary. Got {kind} type of target.")
        curves, label = [], pos_label
        for estimator, test in zip(cv_results["estimator"], cv_results["indices"]["test"]):
            scores, label = _plotting.binary_response_values(
                estimator, index_rows(X, test), response_method, pos_label
            )
            weight = None if sample_weight is None else index_rows(sample_weight, test)
            curves.append(cls._curve(index_rows(y, test), scores, label, weight, drop_intermediate))
        display = cls._from_curves(curves, name, label)
        return display.plot(
            ax=ax, curve_kwargs=curve_kwargs, plot_chance_level=plot_chance_level,
            chance_level_kw=chance_level_kwargs, despine=despine,
        )  # fmt: skip
