"""DecisionBoundaryDisplay: an estimator's response over a grid spanning two features."""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn import _plotting

# matplotlib's "petroff10" colour sequence (scikit-learn's default for up to 10 classes)
PETROFF_COLORS = [
    "#3f90da",
    "#ffa90e",
    "#bd1f01",
    "#94a4a2",
    "#832db6",
    "#a96b59",
    "#e76300",
    "#b9ac70",
    "#717581",
    "#92dadd",
]

_PLOT_METHODS = ("contourf", "contour", "pcolormesh")


def _colors(mpl, multiclass_colors, n_classes):
    if multiclass_colors is None:
        multiclass_colors = PETROFF_COLORS[:n_classes] if n_classes <= 10 else "gist_rainbow"
    if isinstance(multiclass_colors, str):
        if multiclass_colors not in mpl.pyplot.colormaps():
            raise ValueError(
                "When 'multiclass_colors' is a string, it must be a valid Matplotlib colormap. "
                f"Got: {multiclass_colors}"
            )
        cmap = mpl.pyplot.get_cmap(multiclass_colors)
        if cmap.N < n_classes:
            raise ValueError(
                f"Colormap '{multiclass_colors}' only has {cmap.N} colors, but {n_classes} "
                "classes are to be displayed."
            )
        return cmap(np.linspace(0, 1, n_classes))
    if isinstance(multiclass_colors, list):
        if len(multiclass_colors) != n_classes:
            raise ValueError(
                "When 'multiclass_colors' is a list, it must be of the same length as the "
                f"classes or labels to plot ({n_classes}), got: {len(multiclass_colors)}."
            )
        return mpl.colors.to_rgba_array(multiclass_colors)
    raise TypeError("'multiclass_colors' must be a list or a str.")


class DecisionBoundaryDisplay:
    """An estimator's decisions (or scores) drawn over a grid of two features.

    Parameters
    ----------
    xx0, xx1 : ndarray of shape (grid_resolution, grid_resolution)
        The grid (``np.meshgrid`` of the two features).
    n_classes : int
        2 for binary classifiers, regressors and one class of interest.
    response : ndarray of shape (grid_resolution, grid_resolution[, n_classes])
        The response at each grid point: one value, or one per class.
    multiclass_colors : list of colors, str (a colormap) or None, default=None
    xlabel, ylabel : str or None, default=None

    Attributes
    ----------
    surface_ : matplotlib QuadContourSet or QuadMesh (a list of them per class)
    multiclass_colors_ : ndarray, for more than two classes
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, *, xx0, xx1, n_classes, response, multiclass_colors=None, xlabel=None,
                 ylabel=None):  # fmt: skip
        self.xx0, self.xx1, self.n_classes, self.response = xx0, xx1, n_classes, response
        self.multiclass_colors, self.xlabel, self.ylabel = multiclass_colors, xlabel, ylabel

    def plot(self, plot_method="contourf", ax=None, xlabel=None, ylabel=None, **kwargs):
        """Draw the response.

        Parameters
        ----------
        plot_method : {"contourf", "contour", "pcolormesh"}, default="contourf"
        ax : matplotlib Axes or None, default=None
        xlabel, ylabel : str or None, default=None
            Override the display's labels.
        **kwargs
            Passed to the plotting method.

        Returns
        -------
        self
        """
        import matplotlib as mpl

        if plot_method not in _PLOT_METHODS:
            raise ValueError(
                "plot_method must be 'contourf', 'contour', or 'pcolormesh'. Got "
                f"{plot_method} instead."
            )
        ax, _ = _plotting.axes(ax, "DecisionBoundaryDisplay.plot")
        draw = getattr(ax, plot_method)
        if self.n_classes == 2:
            self.surface_ = draw(self.xx0, self.xx1, self.response, **kwargs)
        else:
            for key in ("cmap", "colors"):
                if key in kwargs:
                    warnings.warn(
                        f"'{key}' is ignored in favor of 'multiclass_colors' in the multiclass "
                        "case.",
                        UserWarning,
                        stacklevel=2,
                    )
                    del kwargs[key]
            self.multiclass_colors_ = _colors(mpl, self.multiclass_colors, self.n_classes)
            kwargs.setdefault("zorder", -1)
            if self.response.ndim == 3:  # one masked surface per class, white to its colour
                winner = self.response.argmax(axis=2)
                self.surface_ = []
                for k, (r, g, b, _) in enumerate(self.multiclass_colors_):
                    cmap = mpl.colors.LinearSegmentedColormap.from_list(
                        f"colormap_{k}", [(1.0, 1.0, 1.0, 1.0), (r, g, b, 1.0)]
                    )
                    response = np.ma.array(self.response[:, :, k], mask=winner != k)
                    self.surface_.append(draw(self.xx0, self.xx1, response, cmap=cmap, **kwargs))
                if plot_method == "contour":
                    self.surface_.append(
                        draw(self.xx0, self.xx1, winner, colors="black", zorder=-1,
                             levels=np.arange(self.n_classes))
                    )  # fmt: skip
            else:  # predicted class codes
                if "levels" not in kwargs and plot_method == "contour":
                    kwargs["levels"] = np.arange(self.n_classes)
                elif "levels" not in kwargs and plot_method == "contourf":
                    kwargs["levels"] = np.arange(self.n_classes + 1) - 0.5
                if plot_method == "contour":
                    self.surface_ = draw(self.xx0, self.xx1, self.response, colors="black",
                                         **kwargs)  # fmt: skip
                else:
                    listed = mpl.colors.ListedColormap(self.multiclass_colors_)
                    self.surface_ = draw(self.xx0, self.xx1, self.response, cmap=listed, **kwargs)
        if xlabel is not None or not ax.get_xlabel():
            ax.set_xlabel(self.xlabel if xlabel is None else xlabel)
        if ylabel is not None or not ax.get_ylabel():
            ax.set_ylabel(self.ylabel if ylabel is None else ylabel)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X, *, grid_resolution=100, eps=1.0,
                       plot_method="contourf", response_method="auto", class_of_interest=None,
                       multiclass_colors=None, xlabel=None, ylabel=None, ax=None,
                       **kwargs):  # fmt: skip
        """Evaluate a fitted estimator on a grid spanning ``X``'s two features, and draw it.

        Parameters
        ----------
        estimator : fitted estimator
        X : array-like or DataFrame of shape (n_samples, 2)
        grid_resolution : int, default=100
            Points along each axis.
        eps : float, default=1.0
            Margin added around the data's range.
        plot_method : {"contourf", "contour", "pcolormesh"}, default="contourf"
        response_method : {"auto", "decision_function", "predict_proba", "predict"}
            "auto" tries ``decision_function``, then ``predict_proba``, then ``predict``
            (``predict`` for regressors).
        class_of_interest : label or None, default=None
            Draw the response of this class only.
        multiclass_colors, xlabel, ylabel, ax, **kwargs
            As in :meth:`plot`; the labels default to a DataFrame's column names.

        Returns
        -------
        DecisionBoundaryDisplay
        """
        from homeml.learn.validation import check_is_fitted

        check_is_fitted(estimator)
        if not grid_resolution > 1:
            raise ValueError(
                f"grid_resolution must be greater than 1. Got {grid_resolution} instead."
            )
        if not eps >= 0:
            raise ValueError(f"eps must be greater than or equal to 0. Got {eps} instead.")
        if plot_method not in _PLOT_METHODS:
            raise ValueError(
                f"plot_method must be one of {', '.join(_PLOT_METHODS)}. Got {plot_method} instead."
            )
        values = np.asarray(X)
        if values.ndim != 2 or values.shape[1] != 2:
            raise ValueError(f"n_features must be equal to 2. Got {values.shape[-1]} instead.")
        x0, x1 = values[:, 0], values[:, 1]
        xx0, xx1 = np.meshgrid(
            np.linspace(x0.min() - eps, x0.max() + eps, grid_resolution),
            np.linspace(x1.min() - eps, x1.max() + eps, grid_resolution),
        )
        X_grid = np.c_[xx0.ravel(), xx1.ravel()]
        if hasattr(X, "columns"):
            X_grid = type(X)(X_grid, columns=X.columns)
        classifier = _plotting.is_classifier(estimator)
        if response_method == "auto":
            response_method = (
                ["decision_function", "predict_proba", "predict"] if classifier else "predict"
            )
        classes = getattr(estimator, "classes_", None)
        if class_of_interest is not None and classes is not None:
            if class_of_interest not in classes.tolist():
                raise ValueError(
                    f"class_of_interest={class_of_interest} is not a valid label: It should be "
                    f"one of {classes}"
                )
        methods = [response_method] if isinstance(response_method, str) else response_method
        used = next((m for m in methods if hasattr(estimator, m)), methods[0])
        response, _ = _plotting.response_values(estimator, X_grid, methods, class_of_interest)
        response = np.asarray(response)
        if used == "predict" and classes is not None:
            response = np.searchsorted(classes, response)  # class codes
        if class_of_interest is not None or not classifier:
            n_classes = 2
        else:
            n_classes = len(np.asarray(classes))
        if response.ndim == 1:
            response = response.reshape(*xx0.shape)
        elif not classifier:
            raise ValueError("Multi-output regressors are not supported")
        elif class_of_interest is not None:
            column = int(np.flatnonzero(classes == class_of_interest)[0])
            response = response[:, column].reshape(*xx0.shape)
        else:
            response = response.reshape(*xx0.shape, response.shape[-1])
        xlabel = (X.columns[0] if hasattr(X, "columns") else "") if xlabel is None else xlabel
        ylabel = (X.columns[1] if hasattr(X, "columns") else "") if ylabel is None else ylabel
        display = cls(
            xx0=xx0,
            xx1=xx1,
            n_classes=n_classes,
            response=response,
            multiclass_colors=multiclass_colors,
            xlabel=xlabel,
            ylabel=ylabel,
        )
        return display.plot(ax=ax, plot_method=plot_method, **kwargs)
