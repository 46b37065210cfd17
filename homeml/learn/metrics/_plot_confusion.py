"""ConfusionMatrixDisplay with scikit-learn's API (``from_estimator``, ``from_predictions``,
``plot``), drawing the same image, cell texts and ticks as scikit-learn's (matplotlib, imported
on first use)."""

from __future__ import annotations

import itertools

import numpy as np

from homeml.learn import _plotting
from homeml.learn.metrics._classification import confusion_matrix


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
