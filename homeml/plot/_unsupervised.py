"""Figures for unsupervised models: clusters with their centres, dendrograms, PCA's explained
variance, 2-D embeddings (t-SNE, MDS, ...) coloured by label with optional image thumbnails.
"""

from __future__ import annotations

import numbers

import numpy as np

from homeml.plot._supervised import _axes

NOISE_COLOUR = "0.6"  # grey, for the label -1 of DBSCAN-like clusterings


def _points_2d(X, name: str) -> np.ndarray:
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} needs numeric points; got {error}") from None
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
        raise ValueError(
            f"{name} needs 2-D points of shape (n_samples >= 1, 2); got shape {X.shape}."
        )
    if not np.isfinite(X).all():  # matplotlib would silently drop these points
        raise ValueError(f"{name} got NaN or infinite coordinates.")
    return X


def _fitted(model, attribute: str):
    """``model.<attribute>`` with a NotFittedError (not an AttributeError) when it is missing."""
    from homeml.learn.validation import check_is_fitted  # on use: keeps `homeml.plot` light

    check_is_fitted(model, attribute)
    return getattr(model, attribute)


def _group_colours(n_groups: int):
    """One distinct colour per group: tab10 / tab20 while they last, then evenly spaced viridis."""
    import matplotlib

    if n_groups <= 10:
        return [matplotlib.colormaps["tab10"](i) for i in range(n_groups)]
    if n_groups <= 20:
        return [matplotlib.colormaps["tab20"](i) for i in range(n_groups)]
    return [matplotlib.colormaps["viridis"](v) for v in np.linspace(0, 1, n_groups)]


def _scatter_groups(ax, points, labels, size):
    """One scatter (PathCollection) per label, noise (-1) in grey and drawn first, underneath."""
    if labels is None:
        ax.scatter(points[:, 0], points[:, 1], s=size, color="C0")
        return
    labels = np.asarray(labels)
    if labels.shape != (points.shape[0],):
        raise ValueError(
            f"labels must have one entry per point, shape ({points.shape[0]},); got {labels.shape}."
        )
    groups = np.unique(labels)
    is_noise = np.array([isinstance(g, numbers.Number) and g == -1 for g in groups], dtype=bool)
    # a legend of more than 20 entries hides the plot: the groups then go unnamed (a leading
    # underscore keeps an artist out of any legend, e.g. the one plot_clusters adds for centres)
    named = len(groups) <= 20
    if is_noise.any():
        mask = labels == groups[is_noise][0]
        ax.scatter(
            points[mask, 0],
            points[mask, 1],
            s=size,
            color=NOISE_COLOUR,
            label="noise" if named else "_noise",
        )
    groups = groups[~is_noise]
    for group, colour in zip(groups, _group_colours(len(groups)), strict=True):
        mask = labels == group
        ax.scatter(
            points[mask, 0],
            points[mask, 1],
            s=size,
            color=colour,
            label=str(group) if named else f"_{group}",
        )
    if named:
        ax.legend(loc="best", fontsize=8, markerscale=1.5)


def plot_clusters(X, labels, centers=None, ax=None, size: float = 12):
    """2-D points coloured by cluster (noise, label -1, in grey), centres marked with a cross.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    labels : array-like of shape (n_samples,)
        Cluster of each point, e.g. ``model.labels_`` or ``model.fit_predict(X)``.
    centers : array-like of shape (n_clusters, 2) or None
        Drawn as black crosses (e.g. ``KMeans.cluster_centers_``).
    ax : matplotlib Axes or None
    size : float
        Marker area of the points.

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    X = _points_2d(X, "plot_clusters")
    _scatter_groups(ax, X, labels, size)
    if centers is not None:
        centers = _points_2d(centers, "plot_clusters centers")
        ax.scatter(
            centers[:, 0],
            centers[:, 1],
            marker="X",
            s=160,
            color="black",
            edgecolor="white",
            linewidth=1.2,
            label="centres",
            zorder=3,
        )
        ax.legend(loc="best", fontsize=8, markerscale=1.0)
    ax.set(xlabel="feature 0", ylabel="feature 1", title="clusters")
    return ax


# -- dendrogram ---------------------------------------------------------------------------------


def linkage_matrix(model=None, *, children=None, distances=None, counts=None) -> np.ndarray:
    """SciPy-style linkage matrix (n_samples - 1, 4) from a fitted AgglomerativeClustering.

    Row ``i`` is ``[child a, child b, merge distance, size of the merged cluster]``; ids below
    ``n_samples`` are samples, id ``n_samples + i`` is the cluster made by row ``i``.

    Parameters
    ----------
    model : fitted estimator with ``children_`` and ``distances_``, or None
    children : array-like of shape (n_samples - 1, 2), optional
        Instead of ``model``.
    distances : array-like of shape (n_samples - 1,), optional
        Merge heights; required with ``children``.
    counts : array-like of shape (n_samples - 1,), optional
        Cluster sizes; computed from ``children`` when None.

    Returns
    -------
    ndarray of shape (n_samples - 1, 4)
    """
    if model is not None:
        children = _fitted(model, "children_")
        distances = getattr(model, "distances_", None)
        if distances is None:
            raise ValueError(
                "The model has no distances_: fit AgglomerativeClustering with "
                "compute_distances=True or a distance_threshold to draw its dendrogram."
            )
    if children is None or distances is None:
        raise ValueError("Pass a fitted model, or both children and distances.")
    children = np.asarray(children)
    distances = np.asarray(distances, dtype=np.float64)
    n_merges = children.shape[0] if children.ndim else 0
    if children.shape != (n_merges, 2) or distances.shape != (n_merges,) or n_merges == 0:
        raise ValueError(
            f"children must have shape (n_merges >= 1, 2) and distances (n_merges,); got "
            f"{children.shape} and {distances.shape}."
        )
    if children.dtype.kind not in "iu" or not np.isfinite(distances).all():
        raise ValueError("children must hold integer ids and distances finite numbers.")
    n_samples = n_merges + 1
    # a tree: row i merges two distinct, not yet merged ids made before it (< n_samples + i)
    made_before = n_samples + np.arange(n_merges)[:, None]
    ids = children.ravel()
    if (children < 0).any() or (children >= made_before).any() or len(np.unique(ids)) != ids.size:
        raise ValueError(
            "children is not a merge tree: row i must join two different ids, each below "
            "n_samples + i and used once (ids < n_samples are samples)."
        )
    children = children.astype(np.int64)
    if counts is None:
        sizes = np.ones(n_samples + n_merges)
        for i, (a, b) in enumerate(children):  # children always come before their parent
            sizes[n_samples + i] = sizes[a] + sizes[b]
        counts = sizes[n_samples:]
    counts = np.asarray(counts, dtype=np.float64)
    if counts.shape != (n_merges,):
        raise ValueError(f"counts must have shape ({n_merges},); got {counts.shape}.")
    return np.column_stack([children, distances, counts])


def plot_dendrogram(
    model=None,
    *,
    children=None,
    distances=None,
    counts=None,
    ax=None,
    truncate_mode=None,
    p: int = 30,
    labels=None,
    color="C0",
):
    """The merge tree of a hierarchical clustering: one U-shaped link per merge, at its height.

    Leaves are placed at x = 5, 15, 25, ... in the order of a left-first walk of the tree (as
    SciPy's ``dendrogram`` does), a link sits at the height of its merge distance.

    Parameters
    ----------
    model : fitted AgglomerativeClustering (``children_`` and ``distances_``), or None
    children, distances, counts : array-like, optional
        The tree itself instead of ``model`` (see :func:`linkage_matrix`).
    ax : matplotlib Axes or None
    truncate_mode : {None, "lastp", "level"}
        "lastp": show only the last ``p`` clusters formed as leaves; "level": show the root
        merge and ``p`` levels of merges below it. A collapsed cluster's leaf is labelled
        ``(size)``. Same leaves and links as SciPy's ``dendrogram`` with these options.
    p : int
        Parameter of the truncation (0: no truncation).
    labels : sequence of str or None
        Names of the samples for the leaf labels (default: their indices).
    color : matplotlib colour
        Colour of the links.

    Returns
    -------
    matplotlib Axes
    """
    if truncate_mode not in (None, "lastp", "level"):
        raise ValueError(f"truncate_mode must be None, 'lastp' or 'level'; got {truncate_mode!r}.")
    if not isinstance(p, numbers.Integral) or p < 0:
        raise ValueError(f"p must be an integer >= 0; got {p!r}.")
    Z = linkage_matrix(model, children=children, distances=distances, counts=counts)
    n = Z.shape[0] + 1
    if labels is not None and len(labels) != n:
        raise ValueError(f"labels must name the {n} samples; got {len(labels)} names.")
    ax = _axes(ax)

    if p == 0:
        truncate_mode = None

    def expanded(node: int, depth: int) -> bool:
        if node < n:
            return False
        if truncate_mode == "lastp":
            return node >= 2 * n - p
        if truncate_mode == "level":
            return depth <= p
        return True

    leaf_names: list[str] = []
    # iterative post-order walk: a node's position is known once both children are placed
    position: dict[int, tuple[float, float]] = {}
    stack = [(2 * n - 2, 0, False)]
    while stack:
        node, depth, children_done = stack.pop()
        if not expanded(node, depth):
            position[node] = (10.0 * len(leaf_names) + 5.0, 0.0)
            if node < n:
                leaf_names.append(str(labels[node]) if labels is not None else str(node))
            else:
                leaf_names.append(f"({int(Z[node - n, 3])})")
            continue
        a, b = (int(c) for c in Z[node - n, :2])
        if not children_done:
            stack.extend([(node, depth, True), (b, depth + 1, False), (a, depth + 1, False)])
            continue
        (xa, ya), (xb, yb), height = position[a], position[b], Z[node - n, 2]
        ax.plot([xa, xa, xb, xb], [ya, height, height, yb], color=color, linewidth=1.0)
        position[node] = ((xa + xb) / 2.0, height)
    ticks = 10.0 * np.arange(len(leaf_names)) + 5.0
    ax.set_xticks(ticks, leaf_names, rotation=90, fontsize=7 if len(leaf_names) > 30 else 9)
    ax.set_xlim(0, 10.0 * len(leaf_names))
    ax.set_ylim(0, 1.05 * max(Z[:, 2].max(), 1e-12))
    ax.set(ylabel="merge distance", title="dendrogram")
    return ax


# -- decomposition and embeddings ---------------------------------------------------------------


def plot_explained_variance(pca, ax=None):
    """Explained variance ratio per component (bars) and its running total (line).

    Parameters
    ----------
    pca : fitted PCA-like estimator with ``explained_variance_ratio_``, or the ratios themselves
    ax : matplotlib Axes or None

    Returns
    -------
    matplotlib Axes
    """
    if hasattr(pca, "fit"):  # an estimator, fitted or not
        pca = _fitted(pca, "explained_variance_ratio_")
    try:
        ratios = np.asarray(pca, dtype=np.float64)
    except (TypeError, ValueError):
        ratios = None
    if ratios is None or ratios.ndim != 1 or ratios.size == 0 or not np.isfinite(ratios).all():
        got = f"shape {ratios.shape}" if ratios is not None else type(pca).__name__
        raise ValueError(
            "plot_explained_variance needs a fitted PCA (explained_variance_ratio_) or a 1-D "
            f"array of finite ratios; got {got}."
        )
    ax = _axes(ax)
    components = np.arange(1, ratios.size + 1)
    ax.bar(components, ratios, color="C0", alpha=0.7, label="per component")
    ax.plot(components, np.cumsum(ratios), "-o", color="C1", markersize=3, label="cumulative")
    ax.set(
        xlabel="principal component",
        ylabel="explained variance ratio",
        title="explained variance",
        ylim=(0, 1.05),
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="center right")
    return ax


def plot_embedding(
    Y,
    labels=None,
    images=None,
    ax=None,
    size: float = 8,
    image_spacing: float = 0.05,
    image_zoom: float = 0.6,
):
    """2-D embedding (t-SNE, MDS, Isomap, PCA...) coloured by label, with optional thumbnails.

    Parameters
    ----------
    Y : array-like of shape (n_samples, 2)
        The embedded points, e.g. ``TSNE().fit_transform(X)``.
    labels : array-like of shape (n_samples,) or None
        One colour per label (-1 is drawn in grey as noise).
    images : array-like of shape (n_samples, height, width), (n_samples, height * width) or
        (n_samples, height, width, 3 or 4)
        Optional thumbnails drawn at some of the points (flat square images are reshaped; grey
        ones are drawn dark on white, RGB(A) ones as they are).
    ax : matplotlib Axes or None
    size : float
        Marker area of the points.
    image_spacing : float
        A thumbnail is drawn only where no other thumbnail lies within this fraction of the
        plot's diagonal, so they do not pile up.
    image_zoom : float
        Scale of the thumbnails.

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    ax = _axes(ax)
    Y = _points_2d(Y, "plot_embedding")
    _scatter_groups(ax, Y, labels, size)
    if images is not None:
        images = np.asarray(images)
        if images.ndim == 2:
            side = int(round(np.sqrt(images.shape[1])))
            if side * side != images.shape[1]:
                raise ValueError(
                    f"Flat images must be square (height * width = {images.shape[1]} is not a "
                    "square); pass them as (n_samples, height, width)."
                )
            images = images.reshape(len(images), side, side)
        rgb = images.ndim == 4 and images.shape[-1] in (3, 4)
        if (images.ndim != 3 and not rgb) or len(images) != len(Y):
            raise ValueError(
                f"images must have shape (n_samples={len(Y)}, height, width) or (n_samples, "
                f"height, width, 3 or 4); got {images.shape}."
            )
        min_distance = image_spacing * np.linalg.norm(Y.max(axis=0) - Y.min(axis=0))
        shown = np.empty((0, 2))
        for point, image in zip(Y, images, strict=True):
            if len(shown) and np.min(np.linalg.norm(shown - point, axis=1)) < min_distance:
                continue
            shown = np.vstack([shown, point])
            # grey images: dark ink on white, as digits are usually shown; RGB(A) as they are
            thumbnail = OffsetImage(image, cmap=None if rgb else "gray_r", zoom=image_zoom)
            ax.add_artist(AnnotationBbox(thumbnail, point, frameon=False, pad=0.0))
    ax.set(xlabel="dimension 1", ylabel="dimension 2", title="embedding")
    return ax
