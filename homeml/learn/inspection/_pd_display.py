"""PartialDependenceDisplay: partial dependence (PD) and individual conditional expectation (ICE)
plots, laid out as scikit-learn lays them out (one panel per feature or pair, deciles as ticks).

One-way PD/ICE lines (``kind`` "average", "individual", "both", ``centered``) and two-way PD
contours for numerical features; bars and heatmaps for categorical ones.
"""

from __future__ import annotations

import numbers

import numpy as np

from homeml.learn import _plotting
from homeml.learn.base import Bunch, check_random_state
from homeml.learn.inspection._partial_dependence import (
    categorical_mask,
    feature_index,
    feature_names_of,
    mquantiles,
    partial_dependence,
)


def _check_categorical(X, is_categorical, panels, kinds, grid_resolution) -> None:
    for cats, kind in zip(is_categorical, kinds):
        if len(cats) == 2 and cats[0] != cats[1]:
            raise ValueError(
                "Two-way partial dependence plots are not supported for pairs of continuous "
                "and categorical features."
            )
        if any(cats) and kind != "average":
            raise ValueError(
                "It is not possible to display individual effects for categorical features."
            )
    targeted = {j for fxs, cats in zip(panels, is_categorical) for j, c in zip(fxs, cats) if c}
    if targeted:
        fewest = min(
            len(np.unique(np.asarray(X.iloc[:, j] if hasattr(X, "iloc") else X[:, j])))
            for j in targeted
        )
        if grid_resolution < fewest:
            raise ValueError(
                "The resolution of the computed grid is less than the minimum number of "
                "categories in the targeted categorical features. Expect the "
                f"`grid_resolution` to be greater than {fewest}. Got {grid_resolution} instead."
            )


class PartialDependenceDisplay:
    """Partial dependence plots.

    Parameters
    ----------
    pd_results : list of Bunch
        One :func:`partial_dependence` result per panel.
    features : list of tuple of int
        The feature index (or pair of indices) of each panel.
    feature_names : list of str
    target_idx : int
        Which output (class or regression target) is drawn.
    deciles : dict
        ``{feature index: deciles}``, drawn as ticks on the x (and y) axis.
    kind : {"average", "individual", "both"} or list of them, default="average"
    subsample : float, int or None, default=1000
        ICE lines drawn: a fraction or a count of the samples.
    random_state : int, RandomState instance or None, default=None
        Chooses the ICE lines drawn.
    is_categorical : list of tuple of bool or None, default=None
        Which feature of each panel is categorical (drawn as bars, or a heatmap for a pair).

    Attributes
    ----------
    bounding_ax_, axes_, lines_, contours_, deciles_vlines_, deciles_hlines_, figure_
        As in scikit-learn.
    """

    def __init__(self, pd_results, *, features, feature_names, target_idx, deciles,
                 kind="average", subsample=1000, random_state=None,
                 is_categorical=None):  # fmt: skip
        self.pd_results, self.features, self.feature_names = pd_results, features, feature_names
        self.target_idx, self.deciles, self.kind = target_idx, deciles, kind
        self.subsample, self.random_state = subsample, random_state
        self.is_categorical = is_categorical

    @classmethod
    def from_estimator(cls, estimator, X, features, *, sample_weight=None,
                       categorical_features=None, feature_names=None, target=None,
                       response_method="auto", n_cols=3, grid_resolution=100,
                       percentiles=(0.05, 0.95), custom_values=None, method="auto", n_jobs=None,
                       verbose=0, line_kw=None, ice_lines_kw=None, pd_line_kw=None,
                       contour_kw=None, ax=None, kind="average", centered=False, subsample=1000,
                       random_state=None):  # fmt: skip
        """Compute partial dependence for each entry of ``features`` and draw it.

        Parameters
        ----------
        estimator : fitted classifier or regressor
        X : ndarray or DataFrame of shape (n_samples, n_features)
        features : list of int, str, or pairs of them
            One panel per entry; a pair gives a two-way contour plot.
        sample_weight, categorical_features, feature_names, response_method, grid_resolution,
        percentiles, custom_values, method
            As in :func:`partial_dependence`.
        target : label or int or None, default=None
            The class (multiclass) or output (multi-output regression) drawn.
        n_cols : int, default=3
            Panels per row when ``ax`` is one Axes.
        n_jobs, verbose
            Accepted and ignored.
        line_kw, ice_lines_kw, pd_line_kw, contour_kw, ax, centered
            As in :meth:`plot`.
        kind : {"average", "individual", "both"} or list of them, default="average"
        subsample : float, int or None, default=1000
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        PartialDependenceDisplay
        """
        classes = getattr(estimator, "classes_", None)
        target_idx = 0
        if classes is not None and np.size(classes) > 2:
            if target is None:
                raise ValueError("target must be specified for multi-class")
            target_idx = int(np.searchsorted(classes, target))
            if not 0 <= target_idx < len(classes) or classes[target_idx] != target:
                raise ValueError(f"target not in est.classes_, got {target}")
        if not hasattr(X, "iloc"):
            X = np.asarray(X)
        names = feature_names_of(X, feature_names)
        kinds = [kind] * len(features) if isinstance(kind, str) else list(kind)
        if len(kinds) != len(features):
            raise ValueError(
                "When `kind` is provided as a list of strings, it should contain as many "
                f"elements as `features`. `kind` contains {len(kinds)} element(s) and "
                f"`features` contains {len(features)} element(s)."
            )
        panels = []
        for kind_plot, fxs in zip(kinds, features):
            fxs = (fxs,) if isinstance(fxs, (numbers.Integral, str)) else tuple(fxs)
            if not 1 <= len(fxs) <= 2:
                raise ValueError(
                    "Each entry in features must be either an int, a string, or an iterable "
                    "of size at most 2."
                )
            if kind_plot != "average" and len(fxs) > 1:
                raise ValueError(
                    "ICE plot cannot be rendered for 2-way feature interactions. 2-way "
                    "feature interactions mandates PD plots using the 'average' kind."
                )
            panels.append(tuple(feature_index(f, names) for f in fxs))
        for j in (j for fxs in panels for j in fxs):
            if j >= len(names):
                raise ValueError(
                    f"All entries of features must be less than len(feature_names) = "
                    f"{len(names)}, got {j}."
                )
        is_categorical = [
            tuple(categorical_mask(categorical_features, fxs, names, X.shape[1])) for fxs in panels
        ]
        _check_categorical(X, is_categorical, panels, kinds, grid_resolution)
        results = [
            partial_dependence(
                estimator,
                X,
                fxs,
                sample_weight=sample_weight,
                feature_names=names,
                response_method=response_method,
                method=method,
                grid_resolution=grid_resolution,
                percentiles=percentiles,
                kind=kind_plot,
                custom_values=custom_values,
                categorical_features=categorical_features,
            )  # fmt: skip
            for kind_plot, fxs in zip(kinds, panels)
        ]
        first = results[0].average if kinds[0] == "average" else results[0].individual
        if not _plotting.is_classifier(estimator) and first.shape[0] > 1:
            if target is None:
                raise ValueError("target must be specified for multi-output regressors")
            target_idx = target
        deciles = {}
        for fxs, cats in zip(panels, is_categorical):
            for j in (j for j, cat in zip(fxs, cats) if not cat and j not in deciles):
                column = X.iloc[:, j] if hasattr(X, "iloc") else X[:, j]
                deciles[j] = mquantiles(column, np.arange(0.1, 1.0, 0.1))
        display = cls(results, features=panels, feature_names=names, target_idx=target_idx,
                      deciles=deciles, kind=kind, subsample=subsample,
                      random_state=random_state, is_categorical=is_categorical)  # fmt: skip
        return display.plot(ax=ax, n_cols=n_cols, line_kw=line_kw, ice_lines_kw=ice_lines_kw,
                            pd_line_kw=pd_line_kw, contour_kw=contour_kw,
                            centered=centered)  # fmt: skip

    def _n_ice(self, n_samples):
        if isinstance(self.subsample, numbers.Integral):
            return min(self.subsample, n_samples)
        if isinstance(self.subsample, numbers.Real):
            return int(np.ceil(n_samples * self.subsample))
        return n_samples

    def _centered(self, kinds):
        out = []
        for kind_plot, result in zip(kinds, self.pd_results):
            current = Bunch(grid_values=result["grid_values"])
            if kind_plot in ("individual", "both"):
                preds = result.individual
                current["individual"] = preds - preds[self.target_idx, :, 0, None]
            if kind_plot in ("average", "both"):
                avg = result.average
                current["average"] = avg - avg[self.target_idx, 0, None]
            out.append(current)
        return out

    def _limits(self, kinds, results):
        limits: dict = {}
        for kind_plot, result in zip(kinds, results):
            preds = result.average if kind_plot == "average" else result.individual
            low, high = preds[self.target_idx].min(), preds[self.target_idx].max()
            span = high - low
            low, high = low - 0.05 * span, high + 0.05 * span
            n_fx = len(result["grid_values"])
            old_low, old_high = limits.get(n_fx, (low, high))
            limits[n_fx] = (min(low, old_low), max(high, old_high))
        return limits

    def plot(self, *, ax=None, n_cols=3, line_kw=None, ice_lines_kw=None, pd_line_kw=None,
             contour_kw=None, bar_kw=None, heatmap_kw=None, pdp_lim=None,
             centered=False):  # fmt: skip
        """Draw the panels.

        Parameters
        ----------
        ax : matplotlib Axes, array of Axes or None, default=None
            One Axes is split into a grid of panels; an array gives one Axes per panel.
        n_cols : int, default=3
        line_kw, ice_lines_kw, pd_line_kw : dict or None, default=None
            Keywords of all lines, of the ICE lines and of the PD lines.
        contour_kw : dict or None, default=None
            Keywords of the two-way ``contourf``.
        bar_kw, heatmap_kw : dict or None, default=None
            Keywords of the bars (one-way) and the heatmap (two-way) of categorical features.
        pdp_lim : dict or None, default=None
            ``{1: (ymin, ymax), 2: (zmin, zmax)}``; by default the range of the results.
        centered : bool, default=False
            Start every curve at 0.

        Returns
        -------
        self
        """
        plt = _plotting.pyplot("PartialDependenceDisplay.plot")
        from matplotlib import transforms
        from matplotlib.gridspec import GridSpecFromSubplotSpec

        kinds = [self.kind] * len(self.features) if isinstance(self.kind, str) else self.kind
        if len(kinds) != len(self.features):
            raise ValueError("`kind` should contain as many elements as `features`.")
        if any(k not in ("average", "individual", "both") for k in kinds):
            raise ValueError(
                "Values provided to `kind` must be one of: {'average', 'individual', 'both'} "
                f"or a list of such values. Currently, kind={self.kind!r}"
            )
        is_categorical = self.is_categorical or [(False,) * len(f) for f in self.features]
        results = self._centered(kinds) if centered else self.pd_results
        pdp_lim = self._limits(kinds, results) if pdp_lim is None else pdp_lim
        ax = plt.subplots()[1] if ax is None else ax
        contour_kw = _plotting.style({"alpha": 0.75}, contour_kw)
        n_features = len(self.features)
        all_average = all(k == "average" for k in kinds)
        n_ice, n_lines = 0, 1
        if not all_average:
            first_ice = [k == "average" for k in kinds].index(False)
            n_ice = self._n_ice(len(results[first_ice].individual[0]))
            n_lines = n_ice + 1 if "both" in kinds else n_ice
        if isinstance(ax, plt.Axes):
            if not ax.axison:
                raise ValueError(
                    "The ax was already used in another plot function, please set "
                    "ax=display.axes_ instead"
                )
            ax.set_axis_off()
            self.bounding_ax_, self.figure_ = ax, ax.figure
            n_cols = min(n_cols, n_features)
            n_rows = int(np.ceil(n_features / float(n_cols)))
            self.axes_ = np.empty((n_rows, n_cols), dtype=object)
            shape = (n_rows, n_cols) if all_average else (n_rows, n_cols, n_lines)
            self.lines_ = np.empty(shape, dtype=object)
            self.contours_ = np.empty((n_rows, n_cols), dtype=object)
            grid = GridSpecFromSubplotSpec(n_rows, n_cols, subplot_spec=ax.get_subplotspec())
            flat = self.axes_.ravel()
            for i in range(n_features):
                flat[i] = self.figure_.add_subplot(grid[i // n_cols, i % n_cols])
        else:
            ax = np.asarray(ax, dtype=object)
            if ax.size != n_features:
                raise ValueError(f"Expected ax to have {n_features} axes, got {ax.size}")
            n_cols = ax.shape[1] if ax.ndim == 2 else None
            self.bounding_ax_, self.figure_, self.axes_ = None, ax.ravel()[0].figure, ax
            shape = ax.shape if all_average else ax.shape + (n_lines,)
            self.lines_ = np.empty(shape, dtype=object)
            self.contours_ = np.empty_like(ax, dtype=object)
        self.bars_ = np.empty_like(self.axes_, dtype=object)
        self.heatmaps_ = np.empty_like(self.axes_, dtype=object)
        self.deciles_vlines_ = np.empty_like(self.axes_, dtype=object)
        self.deciles_hlines_ = np.empty_like(self.axes_, dtype=object)
        levels = np.linspace(pdp_lim[2][0], pdp_lim[2][1], num=8) if 2 in pdp_lim else None
        bar_kw = _plotting.style({"color": "C0"}, bar_kw)
        heatmap_kw = _plotting.style({}, heatmap_kw)
        for index, (axi, fxs, cats, result, kind_plot) in enumerate(
            zip(self.axes_.ravel(), self.features, is_categorical, results, kinds)
        ):
            trans = transforms.blended_transform_factory(axi.transData, axi.transAxes)
            values = result["grid_values"]
            if len(values) == 1:
                base = {"color": "C0", "label": "average" if kind_plot == "both" else None}
                ice_defaults: dict = {}
                pd_defaults: dict = {}
                if kind_plot == "individual":
                    ice_defaults = {"alpha": 0.3, "linewidth": 0.5}
                elif kind_plot == "both":
                    ice_defaults = {"alpha": 0.3, "linewidth": 0.5, "color": "tab:blue"}
                    pd_defaults = {"color": "tab:orange", "linestyle": "--"}
                line_kw = _plotting.style(base, line_kw)
                ice_lines_kw = _plotting.style(
                    _plotting.style({**base, **ice_defaults}, line_kw), ice_lines_kw
                )
                del ice_lines_kw["label"]
                pd_line_kw = _plotting.style(
                    _plotting.style({**base, **pd_defaults}, line_kw), pd_line_kw
                )
                self._one_way(kind_plot, result, values[0], fxs, n_ice, axi, n_cols, index,
                              n_lines, ice_lines_kw, pd_line_kw, pdp_lim, trans,
                              cats[0], bar_kw)  # fmt: skip
            elif cats[0] and cats[1]:
                self._heatmap(result, values, fxs, axi, index, heatmap_kw)
            else:
                self._two_way(result, values, fxs, axi, index, levels, contour_kw, trans)
        return self

    def _one_way(self, kind, result, xs, fxs, n_ice, ax, n_cols, index, n_lines, ice_kw, pd_kw,
                 pdp_lim, trans, categorical, bar_kw):  # fmt: skip
        if kind in ("individual", "both"):
            preds = result.individual[self.target_idx]
            rng = check_random_state(self.random_state)
            chosen = preds[rng.choice(preds.shape[0], n_ice, replace=False), :]
            for k, ice in enumerate(chosen):
                where = np.unravel_index(index * n_lines + k, self.lines_.shape)
                self.lines_[where] = ax.plot(xs, ice.ravel(), **ice_kw)[0]
        if kind in ("average", "both") and categorical:
            where = np.unravel_index(index, self.bars_.shape)
            self.bars_[where] = ax.bar(xs, result.average[self.target_idx].ravel(), **bar_kw)[0]
            ax.tick_params(axis="x", rotation=90)
        elif kind in ("average", "both"):
            line = index if kind == "average" else index * n_lines + n_ice
            where = np.unravel_index(line, self.lines_.shape)
            self.lines_[where] = ax.plot(xs, result.average[self.target_idx].ravel(), **pd_kw)[0]
        where = np.unravel_index(index, self.deciles_vlines_.shape)
        if self.deciles.get(fxs[0]) is not None:
            self.deciles_vlines_[where] = ax.vlines(
                self.deciles[fxs[0]], 0, 0.05, transform=trans, color="k"
            )
        ax.set_ylim([min(v[0] for v in pdp_lim.values()), max(v[1] for v in pdp_lim.values())])
        if not ax.get_xlabel():
            ax.set_xlabel(self.feature_names[fxs[0]])
        if n_cols is None or index % n_cols == 0:
            if not ax.get_ylabel():
                ax.set_ylabel("Partial dependence")
        else:
            ax.set_yticklabels([])
        if pd_kw.get("label", None) and kind != "individual" and not categorical:
            ax.legend()

    def _heatmap(self, result, values, fxs, ax, index, heatmap_kw):
        """Two categorical features: the averages as an image with each value written in."""
        plt = _plotting.pyplot("PartialDependenceDisplay.plot")
        data = result.average[self.target_idx]
        image = ax.imshow(data, **{"interpolation": "nearest", "cmap": "viridis", **heatmap_kw})
        cmap_min, cmap_max = image.cmap(0), image.cmap(1.0)
        threshold = (data.max() + data.min()) / 2.0
        for row, col in np.ndindex(*data.shape):
            color = cmap_max if data[row, col] < threshold else cmap_min
            ax.text(col, row, format(data[row, col], ".2f"), ha="center", va="center", color=color)
        ax.figure.colorbar(image, ax=ax)
        ax.set(
            xticks=np.arange(len(values[1])),
            yticks=np.arange(len(values[0])),
            xticklabels=values[1],
            yticklabels=values[0],
            xlabel=self.feature_names[fxs[1]],
            ylabel=self.feature_names[fxs[0]],
        )
        plt.setp(ax.get_xticklabels(), rotation="vertical")
        self.heatmaps_[np.unravel_index(index, self.heatmaps_.shape)] = image

    def _two_way(self, result, values, fxs, ax, index, levels, contour_kw, trans):
        XX, YY = np.meshgrid(values[0], values[1])
        Z = result.average[self.target_idx].T
        lines = ax.contour(XX, YY, Z, levels=levels, linewidths=0.5, colors="k")
        where = np.unravel_index(index, self.contours_.shape)
        self.contours_[where] = ax.contourf(
            XX, YY, Z, levels=levels, vmax=levels[-1], vmin=levels[0], **contour_kw
        )
        ax.clabel(lines, fmt="%2.2f", colors="k", fontsize=10, inline=True)
        xlim, ylim = ax.get_xlim(), ax.get_ylim()
        where = np.unravel_index(index, self.deciles_vlines_.shape)
        self.deciles_vlines_[where] = ax.vlines(
            self.deciles[fxs[0]], 0, 0.05, transform=trans, color="k"
        )
        self.deciles_hlines_[where] = ax.hlines(
            self.deciles[fxs[1]], 0, 0.05, transform=trans, color="k"
        )
        ax.set_xlim(xlim)
        ax.set_ylim(ylim)
        if not ax.get_xlabel():
            ax.set_xlabel(self.feature_names[fxs[0]])
        ax.set_ylabel(self.feature_names[fxs[1]])
