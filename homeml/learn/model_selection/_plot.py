"""LearningCurveDisplay and ValidationCurveDisplay: mean train/test scores with their spread,
drawn as scikit-learn draws them (matplotlib, imported on first use)."""

from __future__ import annotations

import numpy as np

from homeml.learn import _plotting
from homeml.learn.model_selection._validation import _DEFAULT_TRAIN_SIZES, learning_curve
from homeml.learn.model_selection._validation_curve import validation_curve


def _interval_ratio(values) -> float:
    gaps = np.diff(np.sort(values))
    return gaps.max() / gaps.min()


class _BaseCurveDisplay:
    def _plot_curve(self, x_data, *, ax=None, negate_score=False, score_name=None,
                    score_type="test", std_display_style="fill_between", line_kw=None,
                    fill_between_kw=None, errorbar_kw=None):  # fmt: skip
        ax, _ = _plotting.axes(ax, f"{type(self).__name__}.plot")
        train, test = self.train_scores, self.test_scores
        if negate_score:
            train, test = -train, -test
        if std_display_style not in ("errorbar", "fill_between", None):
            raise ValueError(
                f"Unknown std_display_style: {std_display_style}. Should be one of "
                "'errorbar', 'fill_between', or None."
            )
        if score_type not in ("test", "train", "both"):
            raise ValueError(
                f"Unknown score_type: {score_type}. Should be one of 'test', 'train', or 'both'."
            )
        scores = {"train": {"Train": train}, "test": {"Test": test}}.get(
            score_type, {"Train": train, "Test": test}
        )
        self.lines_, self.errorbar_, self.fill_between_ = None, None, None
        if std_display_style in ("fill_between", None):
            self.lines_ = [
                ax.plot(x_data, s.mean(axis=1), label=label, **(line_kw or {}))[0]
                for label, s in scores.items()
            ]
        if std_display_style == "errorbar":
            self.errorbar_ = [
                ax.errorbar(
                    x_data, s.mean(axis=1), s.std(axis=1), label=label, **(errorbar_kw or {})
                )  # fmt: skip
                for label, s in scores.items()
            ]
        elif std_display_style == "fill_between":
            kwargs = {"alpha": 0.5, **(fill_between_kw or {})}
            self.fill_between_ = [
                ax.fill_between(
                    x_data, s.mean(axis=1) - s.std(axis=1), s.mean(axis=1) + s.std(axis=1), **kwargs
                )  # fmt: skip
                for s in scores.values()
            ]
        ax.legend()
        if _interval_ratio(x_data) > 5:
            ax.set_xscale("symlog" if x_data.min() <= 0 else "log")
        else:
            ax.set_xscale("linear")
        ax.set_ylabel(f"{self.score_name if score_name is None else score_name}")
        self.ax_, self.figure_ = ax, ax.figure


class LearningCurveDisplay(_BaseCurveDisplay):
    """A learning curve: scores against the number of training samples.

    Parameters
    ----------
    train_sizes : ndarray of shape (n_ticks,)
    train_scores, test_scores : ndarray of shape (n_ticks, n_splits)
    score_name : str or None, default=None
        The y-axis label.

    Attributes
    ----------
    lines_, errorbar_, fill_between_ : lists of matplotlib artists (or None)
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, *, train_sizes, train_scores, test_scores, score_name=None):
        self.train_sizes, self.train_scores = train_sizes, train_scores
        self.test_scores, self.score_name = test_scores, score_name

    def plot(self, ax=None, *, negate_score=False, score_name=None, score_type="both",
             std_display_style="fill_between", line_kw=None, fill_between_kw=None,
             errorbar_kw=None):  # fmt: skip
        """Draw the mean scores and their spread across splits.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
        negate_score : bool, default=False
            Draw ``-score`` (for ``neg_*`` scorers).
        score_name : str or None, default=None
        score_type : {"test", "train", "both"}, default="both"
        std_display_style : {"errorbar", "fill_between"} or None, default="fill_between"
        line_kw, fill_between_kw, errorbar_kw : dict or None, default=None

        Returns
        -------
        self
        """
        self._plot_curve(self.train_sizes, ax=ax, negate_score=negate_score,
                         score_name=score_name, score_type=score_type,
                         std_display_style=std_display_style, line_kw=line_kw,
                         fill_between_kw=fill_between_kw, errorbar_kw=errorbar_kw)  # fmt: skip
        self.ax_.set_xlabel("Number of samples in the training set")
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y, *, groups=None, train_sizes=_DEFAULT_TRAIN_SIZES,
                       cv=None, scoring=None, exploit_incremental_learning=False, n_jobs=None,
                       pre_dispatch="all", verbose=0, shuffle=False, random_state=None,
                       error_score=np.nan, fit_params=None, ax=None, negate_score=False,
                       score_name=None, score_type="both", std_display_style="fill_between",
                       line_kw=None, fill_between_kw=None, errorbar_kw=None):  # fmt: skip
        """Compute a learning curve (:func:`learning_curve`) and draw it.

        Parameters
        ----------
        estimator, X, y, groups, train_sizes, cv, scoring, exploit_incremental_learning,
        n_jobs, pre_dispatch, verbose, shuffle, random_state, error_score
            As in :func:`learning_curve`.
        fit_params : dict or None, default=None
            Fit parameters.
        ax, negate_score, score_name, score_type, std_display_style, line_kw,
        fill_between_kw, errorbar_kw
            As in :meth:`plot`.

        Returns
        -------
        LearningCurveDisplay
        """
        score_name = _plotting.score_name(score_name, scoring, negate_score)
        sizes, train, test = learning_curve(
            estimator, X, y, groups=groups, train_sizes=train_sizes, cv=cv, scoring=scoring,
            exploit_incremental_learning=exploit_incremental_learning, shuffle=shuffle,
            random_state=random_state, error_score=error_score, params=fit_params,
        )  # fmt: skip
        display = cls(train_sizes=sizes, train_scores=train, test_scores=test,
                      score_name=score_name)  # fmt: skip
        return display.plot(ax=ax, negate_score=negate_score, score_type=score_type,
                            std_display_style=std_display_style, line_kw=line_kw,
                            fill_between_kw=fill_between_kw,
                            errorbar_kw=errorbar_kw)  # fmt: skip


class ValidationCurveDisplay(_BaseCurveDisplay):
    """A validation curve: scores against the values of one parameter.

    Parameters
    ----------
    param_name : str
    param_range : ndarray of shape (n_values,)
    train_scores, test_scores : ndarray of shape (n_values, n_splits)
    score_name : str or None, default=None
        The y-axis label.

    Attributes
    ----------
    lines_, errorbar_, fill_between_ : lists of matplotlib artists (or None)
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, *, param_name, param_range, train_scores, test_scores, score_name=None):
        self.param_name, self.param_range = param_name, param_range
        self.train_scores, self.test_scores = train_scores, test_scores
        self.score_name = score_name

    def plot(self, ax=None, *, negate_score=False, score_name=None, score_type="both",
             std_display_style="fill_between", line_kw=None, fill_between_kw=None,
             errorbar_kw=None):  # fmt: skip
        """Draw the mean scores and their spread across splits.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
        negate_score : bool, default=False
            Draw ``-score`` (for ``neg_*`` scorers).
        score_name : str or None, default=None
        score_type : {"test", "train", "both"}, default="both"
        std_display_style : {"errorbar", "fill_between"} or None, default="fill_between"
        line_kw, fill_between_kw, errorbar_kw : dict or None, default=None

        Returns
        -------
        self
        """
        self._plot_curve(self.param_range, ax=ax, negate_score=negate_score,
                         score_name=score_name, score_type=score_type,
                         std_display_style=std_display_style, line_kw=line_kw,
                         fill_between_kw=fill_between_kw, errorbar_kw=errorbar_kw)  # fmt: skip
        self.ax_.set_xlabel(f"{self.param_name}")
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y, *, param_name, param_range, groups=None, cv=None,
                       scoring=None, n_jobs=None, pre_dispatch="all", verbose=0,
                       error_score=np.nan, fit_params=None, ax=None, negate_score=False,
                       score_name=None, score_type="both", std_display_style="fill_between",
                       line_kw=None, fill_between_kw=None, errorbar_kw=None):  # fmt: skip
        """Compute a validation curve (:func:`validation_curve`) and draw it.

        Parameters
        ----------
        estimator, X, y, param_name, param_range, groups, cv, scoring, n_jobs, pre_dispatch,
        verbose, error_score
            As in :func:`validation_curve`.
        fit_params : dict or None, default=None
            Fit parameters.
        ax, negate_score, score_name, score_type, std_display_style, line_kw,
        fill_between_kw, errorbar_kw
            As in :meth:`plot`.

        Returns
        -------
        ValidationCurveDisplay
        """
        score_name = _plotting.score_name(score_name, scoring, negate_score)
        train, test = validation_curve(
            estimator, X, y, param_name=param_name, param_range=param_range, groups=groups,
            cv=cv, scoring=scoring, error_score=error_score, params=fit_params,
        )  # fmt: skip
        display = cls(param_name=param_name, param_range=np.asarray(param_range),
                      train_scores=train, test_scores=test, score_name=score_name)  # fmt: skip
        return display.plot(ax=ax, negate_score=negate_score, score_type=score_type,
                            std_display_style=std_display_style, line_kw=line_kw,
                            fill_between_kw=fill_between_kw,
                            errorbar_kw=errorbar_kw)  # fmt: skip
