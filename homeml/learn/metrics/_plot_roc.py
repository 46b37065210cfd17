"""RocCurveDisplay with scikit-learn's API (``from_estimator``, ``from_predictions``,
``from_cv_results``, ``plot``), drawing the same lines, labels and legend (matplotlib, imported
on first use)."""

from __future__ import annotations

from homeml.learn import _plotting
from homeml.learn.metrics._plot_base import _as_list, _CurveDisplay
from homeml.learn.metrics._ranking import auc, roc_curve


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
