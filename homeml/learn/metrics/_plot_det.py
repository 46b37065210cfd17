"""DetCurveDisplay with scikit-learn's API: the detection error tradeoff curve on normal-deviate
axes (false positive against false negative rate, both through the inverse normal CDF)."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from homeml.learn import _plotting
from homeml.learn.metrics._curves import det_curve
from homeml.learn.metrics._plot_base import _CurveDisplay

_TICKS = [0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99, 0.999]


def normal_ppf(p) -> np.ndarray:
    """The standard normal quantile of each probability in (0, 1)."""
    inv_cdf = NormalDist().inv_cdf
    return np.array([inv_cdf(float(v)) for v in np.ravel(p)]).reshape(np.shape(p))


class DetCurveDisplay(_CurveDisplay):
    """Detection error tradeoff (DET) curve of a binary classifier.

    Parameters
    ----------
    fpr, fnr : ndarray
        False positive and false negative rates.
    estimator_name : str or None, default=None
        Name for the legend.
    pos_label : int, str or None, default=None
        The positive class, shown in the axis labels.

    Attributes
    ----------
    line_ : matplotlib Line2D
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, *, fpr, fnr, estimator_name=None, pos_label=None):
        self.fpr, self.fnr = fpr, fnr
        self.estimator_name, self.pos_label = estimator_name, pos_label

    def plot(self, ax=None, *, name=None, **kwargs):
        """Draw the curve on normal-deviate axes.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
        name : str or None, default=None
            Legend name (``estimator_name`` by default; no legend when both are None).
        **kwargs
            Line keywords.

        Returns
        -------
        self
        """
        self.ax_, self.figure_ = _plotting.axes(ax, "DetCurveDisplay.plot")
        name = self.estimator_name if name is None else name
        line_kwargs = {} if name is None else {"label": name}
        line_kwargs.update(**kwargs)
        eps = np.finfo(self.fpr.dtype).eps
        self.fpr = self.fpr.clip(eps, 1 - eps)
        self.fnr = self.fnr.clip(eps, 1 - eps)
        (self.line_,) = self.ax_.plot(normal_ppf(self.fpr), normal_ppf(self.fnr), **line_kwargs)
        info = f" (Positive label: {self.pos_label})" if self.pos_label is not None else ""
        self.ax_.set(xlabel="False Positive Rate" + info, ylabel="False Negative Rate" + info)
        if "label" in line_kwargs:
            self.ax_.legend(loc="lower right")
        locations = normal_ppf(_TICKS)
        labels = [f"{t:.0%}" if (100 * t).is_integer() else f"{t:.1%}" for t in _TICKS]
        self.ax_.set_xticks(locations)
        self.ax_.set_xticklabels(labels)
        self.ax_.set_xlim(-3, 3)
        self.ax_.set_yticks(locations)
        self.ax_.set_yticklabels(labels)
        self.ax_.set_ylim(-3, 3)
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y, *, sample_weight=None, drop_intermediate=True,
                       response_method="auto", pos_label=None, name=None, ax=None,
                       **kwargs):  # fmt: skip
        """The DET curve of a fitted binary classifier's scores on ``X``.

        Parameters
        ----------
        estimator : fitted binary classifier
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight, drop_intermediate, pos_label
            As in :func:`det_curve`.
        response_method : {"predict_proba", "decision_function", "auto"}, default="auto"
        name : str or None, default=None
            Legend name (the estimator's class name by default).
        ax : matplotlib Axes or None, default=None
        **kwargs
            Line keywords.

        Returns
        -------
        DetCurveDisplay
        """
        scores, pos_label = _plotting.binary_response_values(
            estimator, X, response_method, pos_label
        )
        return cls.from_predictions(
            y, scores, sample_weight=sample_weight, drop_intermediate=drop_intermediate,
            name=type(estimator).__name__ if name is None else name, ax=ax, pos_label=pos_label,
            **kwargs,
        )  # fmt: skip

    @classmethod
    def from_predictions(cls, y_true, y_score=None, *, sample_weight=None,
                         drop_intermediate=True, pos_label=None, name=None, ax=None,
                         **kwargs):  # fmt: skip
        """The DET curve of given scores.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
        y_score : array-like of shape (n_samples,)
            Scores of the positive class.
        sample_weight, drop_intermediate, pos_label
            As in :func:`det_curve`.
        name : str or None, default=None
            Legend name ("Classifier" by default).
        ax : matplotlib Axes or None, default=None
        **kwargs
            Line keywords.

        Returns
        -------
        DetCurveDisplay
        """
        validated, name = cls._check_predictions(y_true, y_score, sample_weight, pos_label, name)
        fpr, fnr, _ = det_curve(
            y_true, y_score, pos_label=pos_label, sample_weight=sample_weight,
            drop_intermediate=drop_intermediate,
        )  # fmt: skip
        display = cls(fpr=fpr, fnr=fnr, estimator_name=name, pos_label=validated)
        return display.plot(ax=ax, name=name, **kwargs)
