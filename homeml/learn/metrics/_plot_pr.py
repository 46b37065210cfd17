"""PrecisionRecallDisplay with scikit-learn's API (``from_estimator``, ``from_predictions``,
``from_cv_results``, ``plot``), drawing the same step curves, chance level and legend
(matplotlib, imported on first use)."""

from __future__ import annotations

import numpy as np

from homeml.learn import _plotting
from homeml.learn.metrics._curves import average_precision_score, precision_recall_curve
from homeml.learn.metrics._plot_base import _as_list, _CurveDisplay


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
