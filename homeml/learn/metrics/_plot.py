"""Displays of classification results with scikit-learn's API: ConfusionMatrixDisplay,
RocCurveDisplay and PrecisionRecallDisplay (``from_estimator``, ``from_predictions``, ``plot``;
the ROC and precision-recall ones also ``from_cv_results``).

Each draws with matplotlib (imported on first use) exactly what scikit-learn's draws: the same
image, lines, labels, limits and legend, so tests compare the plotted data with scikit-learn's.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np

from homeml.learn import _plotting
from homeml.learn.base import type_of_target
from homeml.learn.metrics._classification import confusion_matrix
from homeml.learn.metrics._curves import average_precision_score, precision_recall_curve
from homeml.learn.metrics._ranking import auc, roc_curve


class ConfusionMatrixDisplay:
    """A confusion matrix drawn as an image, with each count written in its cell.

    Parameters
    ----------
    confusion_matrix : ndarray of shape (n_classes, n_classes)
        Rows are true classes, columns predicted ones.
    display_labels : array-like of shape (n_classes,) or None, default=None
        Tick labels; ``0 .. n_classes - 1`` when None.

    Attributes
    ----------
    im_ : matplotlib AxesImage
    text_ : ndarray of matplotlib Text, or None
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    """

    def __init__(self, confusion_matrix, *, display_labels=None):
        self.confusion_matrix = confusion_matrix
        self.display_labels = display_labels

    def plot(
        self,
        *,
        include_values=True,
        cmap="viridis",
        xticks_rotation="horizontal",
        values_format=None,
        ax=None,
        colorbar=True,
        im_kw=None,
        text_kw=None,
    ):
        """Draw the matrix.

        Parameters
        ----------
        include_values : bool, default=True
            Write each value in its cell.
        cmap : str or matplotlib Colormap, default="viridis"
        xticks_rotation : {"vertical", "horizontal"} or float, default="horizontal"
        values_format : str or None, default=None
            Format of the values ("d" or ".2g", whichever is shorter, when None).
        ax : matplotlib Axes or None, default=None
        colorbar : bool, default=True
        im_kw, text_kw : dict or None, default=None
            Keywords for ``imshow`` and ``text``.

        Returns
        -------
        self
        """
        plt = _plotting.pyplot("ConfusionMatrixDisplay.plot")
        ax, fig = _plotting.axes(ax, "ConfusionMatrixDisplay.plot")
        cm = self.confusion_matrix
        n_classes = cm.shape[0]
        im_kw = _plotting.style({"interpolation": "nearest", "cmap": cmap}, im_kw)
        self.im_ = ax.imshow(cm, **im_kw)
        self.text_ = None
        cmap_min, cmap_max = self.im_.cmap(0), self.im_.cmap(1.0)
        if include_values:
            self.text_ = np.empty_like(cm, dtype=object)
            threshold = (cm.max() + cm.min()) / 2.0
            for i, j in itertools.product(range(n_classes), range(n_classes)):
                color = cmap_max if cm[i, j] < threshold else cmap_min
                if values_format is None:
                    text = format(cm[i, j], ".2g")
                    if cm.dtype.kind != "f":
                        whole = format(cm[i, j], "d")
                        text = whole if len(whole) < len(text) else text
                else:
                    text = format(cm[i, j], values_format)
                kwargs = _plotting.style({"ha": "center", "va": "center", "color": color}, text_kw)
                self.text_[i, j] = ax.text(j, i, text, **kwargs)
        labels = np.arange(n_classes) if self.display_labels is None else self.display_labels
        if colorbar:
            fig.colorbar(self.im_, ax=ax)
        ax.set(
            xticks=np.arange(n_classes),
            yticks=np.arange(n_classes),
            xticklabels=labels,
            yticklabels=labels,
            ylabel="True label",
            xlabel="Predicted label",
        )
        ax.set_ylim((n_classes - 0.5, -0.5))
        plt.setp(ax.get_xticklabels(), rotation=xticks_rotation)
        self.figure_, self.ax_ = fig, ax
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y, *, labels=None, sample_weight=None, normalize=None,
                       display_labels=None, include_values=True, xticks_rotation="horizontal",
                       values_format=None, cmap="viridis", ax=None, colorbar=True, im_kw=None,
                       text_kw=None):  # fmt: skip
        """The confusion matrix of a fitted classifier's predictions on ``X``.

        Parameters
        ----------
        estimator : fitted classifier
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            True labels.
        labels, sample_weight, normalize
            As in :func:`confusion_matrix`.
        display_labels, include_values, xticks_rotation, values_format, cmap, ax, colorbar,
        im_kw, text_kw
            As in :meth:`plot`; ``display_labels`` defaults to the labels present.

        Returns
        -------
        ConfusionMatrixDisplay
        """
        if not _plotting.is_classifier(estimator):
            raise ValueError(f"{type(estimator).__name__} should be a classifier")
        return cls.from_predictions(
            y, estimator.predict(X), labels=labels, sample_weight=sample_weight,
            normalize=normalize, display_labels=display_labels, include_values=include_values,
            cmap=cmap, ax=ax, xticks_rotation=xticks_rotation, values_format=values_format,
            colorbar=colorbar, im_kw=im_kw, text_kw=text_kw,
        )  # fmt: skip

    @classmethod
    def from_predictions(cls, y_true, y_pred, *, labels=None, sample_weight=None, normalize=None,
                         display_labels=None, include_values=True, xticks_rotation="horizontal",
                         values_format=None, cmap="viridis", ax=None, colorbar=True, im_kw=None,
                         text_kw=None):  # fmt: skip
        """The confusion matrix of given predictions.

        Parameters
        ----------
        y_true, y_pred : array-like of shape (n_samples,)
        labels, sample_weight, normalize
            As in :func:`confusion_matrix`.
        display_labels, include_values, xticks_rotation, values_format, cmap, ax, colorbar,
        im_kw, text_kw
            As in :meth:`plot`; ``display_labels`` defaults to the labels present.

        Returns
        -------
        ConfusionMatrixDisplay
        """
        if display_labels is None:
            display_labels = (
                np.unique(np.r_[np.asarray(y_true), np.asarray(y_pred)])
                if labels is None
                else labels
            )
        cm = confusion_matrix(
            y_true, y_pred, sample_weight=sample_weight, labels=labels, normalize=normalize
        )
        return cls(cm, display_labels=display_labels).plot(
            include_values=include_values, cmap=cmap, ax=ax, xticks_rotation=xticks_rotation,
            values_format=values_format, colorbar=colorbar, im_kw=im_kw, text_kw=text_kw,
        )  # fmt: skip


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


class RocCurveDisplay(_CurveDisplay):
    """Receiver operating characteristic curve(s) of a binary classifier.

    Parameters
    ----------
    fpr, tpr : ndarray, or list of ndarrays (one per curve)
        False and true positive rates.
    roc_auc : float, list of floats or None, default=None
        Area under each curve, shown in the legend.
    name : str, list of str or None, default=None
        Curve name(s) for the legend.
    pos_label : int, str or None, default=None
        The positive class, shown in the axis labels.

    Attributes
    ----------
    line_ : matplotlib Line2D, or a list of them
    chance_level_ : matplotlib Line2D or None
    ax_, figure_ : matplotlib Axes and Figure
    """

    _xy_names = ("False Positive Rate", "True Positive Rate")
    _legend_loc = "lower right"

    def __init__(self, *, fpr, tpr, roc_auc=None, name=None, pos_label=None):
        self.fpr, self.tpr, self.roc_auc = fpr, tpr, roc_auc
        self.name, self.pos_label = name, pos_label

    def plot(self, ax=None, *, name=None, curve_kwargs=None, plot_chance_level=False,
             chance_level_kw=None, despine=False):  # fmt: skip
        """Draw the curve(s).

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
        name : str, list of str or None, default=None
            Overrides ``self.name`` in the legend.
        curve_kwargs : dict, list of dicts or None, default=None
            Line keywords (one dict per curve to label each curve).
        plot_chance_level : bool, default=False
            Draw the diagonal.
        chance_level_kw : dict or None, default=None
        despine : bool, default=False

        Returns
        -------
        self
        """
        name = _as_list(self._axes_and_name(ax, name))
        fpr, tpr = _as_list(self.fpr), _as_list(self.tpr)
        roc_auc, styles = self._styles(
            len(fpr), name, _as_list(self.roc_auc), "AUC", curve_kwargs, {},
            {"alpha": 0.5, "linestyle": "--", "color": "blue"},
        )  # fmt: skip
        chance = _plotting.style(
            {"label": "Chance level (AUC = 0.5)", "color": "k", "linestyle": "--"},
            chance_level_kw,
        )
        lines = [line for x, y, s in zip(fpr, tpr, styles) for line in self.ax_.plot(x, y, **s)]
        self.line_ = lines[0] if len(lines) == 1 else lines
        self.chance_level_ = (
            self.ax_.plot((0, 1), (0, 1), **chance)[0] if plot_chance_level else None
        )
        self._finish(styles, despine, plot_chance_level and chance.get("label") is not None)
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y, *, sample_weight=None, drop_intermediate=True,
                       response_method="auto", pos_label=None, name=None, ax=None,
                       curve_kwargs=None, plot_chance_level=False, chance_level_kw=None,
                       despine=False):  # fmt: skip
        """The ROC curve of a fitted binary classifier's scores on ``X``.

        Parameters
        ----------
        estimator : fitted binary classifier
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like or None, default=None
        drop_intermediate : bool, default=True
        response_method : {"predict_proba", "decision_function", "auto"}, default="auto"
        pos_label : int, str or None, default=None
        name : str or None, default=None
            Legend name (the estimator's class name by default).
        ax, curve_kwargs, plot_chance_level, chance_level_kw, despine
            As in :meth:`plot`.

        Returns
        -------
        RocCurveDisplay
        """
        scores, pos_label = _plotting.binary_response_values(
            estimator, X, response_method, pos_label
        )
        return cls.from_predictions(
            y, scores, sample_weight=sample_weight, drop_intermediate=drop_intermediate,
            pos_label=pos_label, name=type(estimator).__name__ if name is None else name, ax=ax,
            curve_kwargs=curve_kwargs, plot_chance_level=plot_chance_level,
            chance_level_kw=chance_level_kw, despine=despine,
        )  # fmt: skip

    @classmethod
    def from_predictions(cls, y_true, y_score=None, *, sample_weight=None,
                         drop_intermediate=True, pos_label=None, name=None, ax=None,
                         curve_kwargs=None, plot_chance_level=False, chance_level_kw=None,
                         despine=False):  # fmt: skip
        """The ROC curve of given scores.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
        y_score : array-like of shape (n_samples,)
            Scores of the positive class.
        sample_weight, drop_intermediate, pos_label
            As in :func:`roc_curve`.
        name : str or None, default=None
            Legend name ("Classifier" by default).
        ax, curve_kwargs, plot_chance_level, chance_level_kw, despine
            As in :meth:`plot`.

        Returns
        -------
        RocCurveDisplay
        """
        validated, name = cls._check_predictions(y_true, y_score, sample_weight, pos_label, name)
        fpr, tpr, roc_auc = cls._curve(y_true, y_score, pos_label, sample_weight, drop_intermediate)
        return cls(fpr=fpr, tpr=tpr, roc_auc=roc_auc, name=name, pos_label=validated).plot(
            ax=ax, curve_kwargs=curve_kwargs, plot_chance_level=plot_chance_level,
            chance_level_kw=chance_level_kw, despine=despine,
        )  # fmt: skip

    @staticmethod
    def _curve(y_true, y_score, pos_label, sample_weight, drop_intermediate):
        fpr, tpr, _ = roc_curve(
            y_true, y_score, pos_label=pos_label, sample_weight=sample_weight,
            drop_intermediate=drop_intermediate,
        )  # fmt: skip
        return fpr, tpr, auc(fpr, tpr)

    @classmethod
    def _from_curves(cls, curves, name, pos_label):
        fpr, tpr, roc_auc = (list(column) for column in zip(*curves))
        return cls(fpr=fpr, tpr=tpr, roc_auc=roc_auc, name=name, pos_label=pos_label)


class PrecisionRecallDisplay(_CurveDisplay):
    """Precision-recall curve(s) of a binary classifier, drawn as steps.

    Parameters
    ----------
    precision, recall : ndarray, or list of ndarrays (one per curve)
    average_precision : float, list of floats or None, default=None
        Shown in the legend as "AP".
    name : str, list of str or None, default=None
        Curve name(s) for the legend.
    pos_label : int, str or None, default=None
        The positive class, shown in the axis labels.
    prevalence_pos_label : float, list of floats or None, default=None
        Share of positives: the chance level.

    Attributes
    ----------
    line_ : matplotlib Line2D, or a list of them
    chance_level_ : matplotlib Line2D (list for several curves) or None
    ax_, figure_ : matplotlib Axes and Figure
    """

    _xy_names = ("Recall", "Precision")
    _legend_loc = "lower left"

    def __init__(self, precision, recall, *, average_precision=None, name=None, pos_label=None,
                 prevalence_pos_label=None):  # fmt: skip
        self.precision, self.recall = precision, recall
        self.average_precision, self.name = average_precision, name
        self.pos_label, self.prevalence_pos_label = pos_label, prevalence_pos_label

    def plot(self, ax=None, *, name=None, curve_kwargs=None, plot_chance_level=False,
             chance_level_kw=None, despine=False):  # fmt: skip
        """Draw the curve(s).

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
        name : str, list of str or None, default=None
            Overrides ``self.name`` in the legend.
        curve_kwargs : dict, list of dicts or None, default=None
            Line keywords (one dict per curve to label each curve).
        plot_chance_level : bool, default=False
            Draw the prevalence of the positive class as a horizontal line.
        chance_level_kw : dict or None, default=None
        despine : bool, default=False

        Returns
        -------
        self
        """
        name = _as_list(self._axes_and_name(ax, name))
        precision, recall = _as_list(self.precision), _as_list(self.recall)
        prevalence = _as_list(self.prevalence_pos_label)
        n_curves = len(precision)
        _, styles = self._styles(
            n_curves, name, _as_list(self.average_precision), "AP", curve_kwargs,
            {"drawstyle": "steps-post"}, {"alpha": 0.5, "linestyle": "--", "color": "blue"},
        )  # fmt: skip
        lines = [l for r, p, s in zip(recall, precision, styles) for l in self.ax_.plot(r, p, **s)]
        self.line_ = lines[0] if len(lines) == 1 else lines
        chance_label = False
        self.chance_level_ = None
        if plot_chance_level:
            if prevalence is None:
                raise ValueError(
                    "You must provide prevalence_pos_label when constructing the "
                    "PrecisionRecallDisplay object in order to plot the chance level line. "
                    "Alternatively, you may use PrecisionRecallDisplay.from_estimator or "
                    "PrecisionRecallDisplay.from_predictions to automatically set "
                    "prevalence_pos_label"
                )
            defaults = {"color": "k", "linestyle": "--", **({"alpha": 0.3} if n_curves > 1 else {})}
            kwargs = _plotting.style(defaults, chance_level_kw)
            chance = [l for p in prevalence for l in self.ax_.plot((0, 1), (p, p), **kwargs)]
            if "label" not in kwargs:
                chance[0].set_label(
                    f"Chance level (AP = {prevalence[0]:0.2f})"
                    if n_curves == 1
                    else f"Chance level (AP = {np.mean(prevalence):0.2f} +/- "
                    f"{np.std(prevalence):0.2f})"
                )
                kwargs["label"] = chance[0].get_label()
            chance_label = kwargs.get("label") is not None
            self.chance_level_ = chance[0] if n_curves == 1 else chance
        self._finish(styles, despine, chance_label)
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y, *, sample_weight=None, drop_intermediate=False,
                       response_method="auto", pos_label=None, name=None, ax=None,
                       curve_kwargs=None, plot_chance_level=False, chance_level_kw=None,
                       despine=False):  # fmt: skip
        """The precision-recall curve of a fitted binary classifier's scores on ``X``.

        Parameters
        ----------
        estimator : fitted binary classifier
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like or None, default=None
        drop_intermediate : bool, default=False
        response_method : {"predict_proba", "decision_function", "auto"}, default="auto"
        pos_label : int, str or None, default=None
        name : str or None, default=None
            Legend name (the estimator's class name by default).
        ax, curve_kwargs, plot_chance_level, chance_level_kw, despine
            As in :meth:`plot`.

        Returns
        -------
        PrecisionRecallDisplay
        """
        scores, pos_label = _plotting.binary_response_values(
            estimator, X, response_method, pos_label
        )
        return cls.from_predictions(
            y, scores, sample_weight=sample_weight, drop_intermediate=drop_intermediate,
            pos_label=pos_label, name=type(estimator).__name__ if name is None else name, ax=ax,
            curve_kwargs=curve_kwargs, plot_chance_level=plot_chance_level,
            chance_level_kw=chance_level_kw, despine=despine,
        )  # fmt: skip

    @classmethod
    def from_predictions(cls, y_true, y_score=None, *, sample_weight=None,
                         drop_intermediate=False, pos_label=None, name=None, ax=None,
                         curve_kwargs=None, plot_chance_level=False, chance_level_kw=None,
                         despine=False):  # fmt: skip
        """The precision-recall curve of given scores.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
        y_score : array-like of shape (n_samples,)
            Scores of the positive class.
        sample_weight, drop_intermediate, pos_label
            As in :func:`precision_recall_curve`.
        name : str or None, default=None
            Legend name ("Classifier" by default).
        ax, curve_kwargs, plot_chance_level, chance_level_kw, despine
            As in :meth:`plot`.

        Returns
        -------
        PrecisionRecallDisplay
        """
        y_true = np.asarray(y_true)
        validated, name = cls._check_predictions(y_true, y_score, sample_weight, pos_label, name)
        curve = cls._curve(y_true, y_score, validated, sample_weight, drop_intermediate)
        display = cls._from_curves([curve], name, validated)
        display.precision, display.recall = display.precision[0], display.recall[0]
        display.average_precision = display.average_precision[0]
        display.prevalence_pos_label = display.prevalence_pos_label[0]
        return display.plot(
            ax=ax, name=name, curve_kwargs=curve_kwargs, plot_chance_level=plot_chance_level,
            chance_level_kw=chance_level_kw, despine=despine,
        )  # fmt: skip

    @staticmethod
    def _curve(y_true, y_score, pos_label, sample_weight, drop_intermediate):
        y_true = np.asarray(y_true)
        precision, recall, _ = precision_recall_curve(
            y_true, y_score, pos_label=pos_label, sample_weight=sample_weight,
            drop_intermediate=drop_intermediate,
        )  # fmt: skip
        ap = average_precision_score(
            y_true, y_score, pos_label=1 if pos_label is None else pos_label,
            sample_weight=sample_weight,
        )  # fmt: skip
        label = 1 if pos_label is None else pos_label
        return precision, recall, ap, np.count_nonzero(y_true == label) / len(y_true)

    @classmethod
    def _from_curves(cls, curves, name, pos_label):
        precision, recall, ap, prevalence = (list(column) for column in zip(*curves))
        return cls(precision, recall, average_precision=ap, name=name, pos_label=pos_label,
                   prevalence_pos_label=prevalence)  # fmt: skip
