"""The unsupervised figures of homeml.plot: clusters, dendrograms (against SciPy), explained
variance (against scikit-learn's PCA) and embeddings, checked on the Axes they draw."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.offsetbox import AnnotationBbox  # noqa: E402

from homeml import plot  # noqa: E402
from homeml.learn import DBSCAN, PCA, AgglomerativeClustering, KMeans, NotFittedError  # noqa: E402

hierarchy = pytest.importorskip("scipy.cluster.hierarchy")
sk_decomposition = pytest.importorskip("sklearn.decomposition")
from sklearn.datasets import load_digits, load_iris, make_blobs  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def scatters(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def one_colour(collection):
    """The single face colour of a scatter (all its points share it)."""
    colours = collection.get_facecolors()
    assert np.allclose(colours, colours[0])
    return tuple(colours[0])


def agglomerative(n=30, linkage="ward", seed=0):
    X = np.random.RandomState(seed).normal(size=(n, 3))
    return X, AgglomerativeClustering(linkage=linkage, compute_distances=True).fit(X)


# -- clusters -----------------------------------------------------------------------------------


def test_clusters_draw_every_point_once_coloured_by_label_and_the_centres():
    X, _ = make_blobs(150, centers=3, random_state=0)
    km = KMeans(n_clusters=3, n_init=3, random_state=0).fit(X)
    ax = plot.plot_clusters(X, km.labels_, centers=km.cluster_centers_)
    assert isinstance(ax, Axes)
    *groups, centres = scatters(ax)
    assert len(groups) == 3
    for label, group in enumerate(groups):  # one scatter per label, holding its points
        np.testing.assert_array_equal(group.get_offsets(), X[km.labels_ == label])
    assert len({one_colour(g) for g in groups}) == 3
    np.testing.assert_array_equal(centres.get_offsets(), km.cluster_centers_)
    assert one_colour(centres) == to_rgba("black")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1", "2", "centres"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("feature 0", "feature 1")


def test_clusters_draw_noise_in_grey_first_and_take_any_label_values():
    X, _ = make_blobs(120, centers=2, cluster_std=0.6, random_state=3)
    X = np.vstack([X, [[30.0, 30.0], [-30.0, 30.0]]])  # two outliers
    labels = DBSCAN(eps=0.8, min_samples=5).fit(X).labels_
    assert (labels == -1).any() and len(set(labels) - {-1}) == 2
    ax = plot.plot_clusters(X, labels)
    noise, *groups = scatters(ax)
    np.testing.assert_array_equal(noise.get_offsets(), X[labels == -1])
    assert one_colour(noise) == to_rgba(plot._unsupervised.NOISE_COLOUR)
    assert sum(len(g.get_offsets()) for g in groups) == np.sum(labels != -1)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["noise", "0", "1"]
    names = np.array(["cat", "dog", "-1"])[np.arange(len(X)) % 3]  # "-1" as text is no noise
    ax = plot.plot_clusters(X, names)
    assert [len(c.get_offsets()) for c in scatters(ax)] == [
        np.sum(names == n) for n in ("-1", "cat", "dog")
    ]
    assert len({one_colour(c) for c in scatters(ax)}) == 3


def test_many_clusters_get_distinct_colours_and_no_crowded_legend():
    X = np.random.RandomState(0).normal(size=(300, 2))
    labels = np.arange(300) % 25
    ax = plot.plot_clusters(X, labels, centers=X[:25])
    groups = scatters(ax)[:-1]
    assert len(groups) == 25 and len({one_colour(g) for g in groups}) == 25
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["centres"]
    ax = plot.plot_clusters(X, None)  # no labels: one colour
    assert len(scatters(ax)) == 1 and ax.get_legend() is None


def test_clusters_refuse_bad_points_and_labels():
    X = np.zeros((5, 2))
    with pytest.raises(ValueError, match=r"shape \(n_samples >= 1, 2\)"):
        plot.plot_clusters(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match=r"shape \(n_samples >= 1, 2\)"):
        plot.plot_clusters(np.zeros((0, 2)), [])
    with pytest.raises(ValueError, match="one entry per point"):
        plot.plot_clusters(X, [0, 1])
    with pytest.raises(ValueError, match="centers"):
        plot.plot_clusters(X, np.zeros(5), centers=[1.0, 2.0])
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        plot.plot_clusters(X, np.zeros(5))
    with pytest.raises(ValueError, match="numeric"):
        plot.plot_clusters([["a", "b"]], [0])


# -- dendrogram ---------------------------------------------------------------------------------


@pytest.mark.parametrize("linkage", ["ward", "complete", "average", "single"])
def test_linkage_matrix_equals_scipy_linkage(linkage):
    X, model = agglomerative(linkage=linkage)
    Z = plot.linkage_matrix(model)
    reference = hierarchy.linkage(X, method=linkage)
    assert Z.shape == (29, 4)
    # SciPy lists the smaller id first in each row; the rows come in the same (merge) order, as
    # continuous random data has no tied distances
    np.testing.assert_array_equal(np.sort(Z[:, :2], axis=1), reference[:, :2])
    np.testing.assert_allclose(Z[:, 2], reference[:, 2], rtol=1e-12)
    np.testing.assert_array_equal(Z[:, 3], reference[:, 3])
    again = plot.linkage_matrix(children=model.children_, distances=model.distances_)
    np.testing.assert_array_equal(again, Z)


def test_dendrogram_draws_the_links_and_leaves_of_scipy_dendrogram():
    _, model = agglomerative()
    Z = plot.linkage_matrix(model)
    for mode, p in [(None, 30), ("lastp", 8), ("level", 2)]:
        ax = plot.plot_dendrogram(model, truncate_mode=mode, p=p)
        reference = hierarchy.dendrogram(Z, no_plot=True, truncate_mode=mode, p=p)
        ours = sorted((*line.get_xdata(), *line.get_ydata()) for line in ax.lines)
        theirs = sorted(
            (*x, *y) for x, y in zip(reference["icoord"], reference["dcoord"], strict=True)
        )
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
        assert [t.get_text() for t in ax.get_xticklabels()] == reference["ivl"]
        if mode is None:  # the full tree: one link per merge, at its merge height
            assert len(ax.lines) == 29
            np.testing.assert_allclose(
                sorted(line.get_ydata()[1] for line in ax.lines), np.sort(Z[:, 2])
            )
    assert len(plot.plot_dendrogram(model, truncate_mode="lastp", p=8).lines) == 7
    names = [f"s{i}" for i in range(30)]
    ax = plot.plot_dendrogram(model, labels=names)
    assert sorted(t.get_text() for t in ax.get_xticklabels()) == sorted(names)


def test_dendrogram_of_a_distance_threshold_model_saves_to_png(tmp_path):
    X, _ = make_blobs(40, centers=3, random_state=0)
    model = AgglomerativeClustering(n_clusters=None, distance_threshold=5.0).fit(X)
    ax = plot.plot_dendrogram(model)
    assert len(ax.lines) == 39
    assert ax.get_ylim()[1] >= model.distances_.max()
    ax.figure.savefig(tmp_path / "tree.png")
    assert (tmp_path / "tree.png").read_bytes()[:8] == PNG


def test_dendrogram_refuses_bad_models_and_trees():
    X = np.random.RandomState(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="compute_distances=True"):
        plot.plot_dendrogram(AgglomerativeClustering().fit(X))
    with pytest.raises(NotFittedError):
        plot.linkage_matrix(AgglomerativeClustering())
    with pytest.raises(ValueError, match="both children and distances"):
        plot.linkage_matrix(children=[[0, 1]])
    with pytest.raises(ValueError, match="shape"):
        plot.linkage_matrix(children=[[0, 1]], distances=[1.0, 2.0])
    with pytest.raises(ValueError, match="not a merge tree"):  # id 3 used before it exists
        plot.linkage_matrix(children=[[0, 3], [1, 2]], distances=[1.0, 2.0])
    with pytest.raises(ValueError, match="not a merge tree"):  # sample 0 merged twice
        plot.linkage_matrix(children=[[0, 1], [0, 3]], distances=[1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        plot.linkage_matrix(children=[[0, 1], [2, 3]], distances=[1.0, np.nan])
    with pytest.raises(ValueError, match="counts"):
        plot.linkage_matrix(children=[[0, 1], [2, 3]], distances=[1.0, 2.0], counts=[2])
    _, model = agglomerative(n=10)
    with pytest.raises(ValueError, match="truncate_mode"):
        plot.plot_dendrogram(model, truncate_mode="top")
    with pytest.raises(ValueError, match="p must be"):
        plot.plot_dendrogram(model, truncate_mode="lastp", p=-1)
    with pytest.raises(ValueError, match="name the 10 samples"):
        plot.plot_dendrogram(model, labels=["a", "b"])


# -- explained variance and embeddings ----------------------------------------------------------


def test_explained_variance_bars_and_cumulative_curve_match_scikit_learn_pca(tmp_path):
    X = load_iris().data
    pca = PCA().fit(X)
    reference = sk_decomposition.PCA().fit(X).explained_variance_ratio_
    ax = plot.plot_explained_variance(pca)
    np.testing.assert_allclose([bar.get_height() for bar in ax.patches], reference, atol=1e-12)
    (curve,) = ax.lines
    np.testing.assert_array_equal(curve.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(curve.get_ydata(), np.cumsum(reference), atol=1e-12)
    assert curve.get_ydata()[-1] == pytest.approx(1.0)
    ax = plot.plot_explained_variance([0.5, 0.3])  # the ratios themselves
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.5, 0.8])
    ax.figure.savefig(tmp_path / "variance.png")
    assert (tmp_path / "variance.png").read_bytes()[:8] == PNG


def test_explained_variance_refuses_unfitted_models_and_bad_ratios():
    with pytest.raises(NotFittedError):
        plot.plot_explained_variance(PCA())
    for bad in ([[0.5, 0.3]], [], [0.5, np.nan], "abc", object()):
        with pytest.raises(ValueError, match="1-D array of finite ratios"):
            plot.plot_explained_variance(bad)


def test_embedding_colours_by_label_and_draws_spaced_thumbnails(tmp_path):
    digits = load_digits()
    X, y, images = digits.data[:120], digits.target[:120], digits.images[:120]
    Y = PCA(n_components=2).fit_transform(X)
    ax = plot.plot_embedding(Y, y)
    groups = scatters(ax)
    assert len(groups) == len(np.unique(y))
    for label, group in zip(np.unique(y), groups, strict=True):
        np.testing.assert_allclose(group.get_offsets(), Y[y == label])
    assert len({one_colour(g) for g in groups}) == len(groups)
    # every thumbnail when spacing is 0, a single one when it spans the whole plot
    ax = plot.plot_embedding(Y, y, images=images, image_spacing=0.0)
    boxes = [a for a in ax.artists if isinstance(a, AnnotationBbox)]
    assert len(boxes) == 120
    np.testing.assert_array_equal(boxes[7].offsetbox.get_data(), images[7])
    np.testing.assert_allclose(boxes[7].xy, Y[7])
    assert len(plot.plot_embedding(Y, images=images, image_spacing=2.0).artists) == 1
    ax = plot.plot_embedding(Y, y, images=X)  # flat 8 x 8 images are reshaped
    shown = [a for a in ax.artists if isinstance(a, AnnotationBbox)]
    assert 1 < len(shown) < 120
    centres = np.array([box.xy for box in shown])  # no two closer than 5% of the diagonal
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2) + np.eye(len(centres)) * 1e9
    assert gaps.min() >= 0.05 * np.linalg.norm(Y.max(axis=0) - Y.min(axis=0))
    rgb = np.random.RandomState(0).uniform(size=(120, 6, 6, 3))
    ax = plot.plot_embedding(Y, images=rgb, image_spacing=0.0)
    assert ax.artists[0].offsetbox.get_data().shape == (6, 6, 3)
    ax.figure.savefig(tmp_path / "embedding.png")
    assert (tmp_path / "embedding.png").read_bytes()[:8] == PNG


def test_embedding_refuses_bad_points_labels_and_images():
    Y = np.random.RandomState(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="plot_embedding needs 2-D points"):
        plot.plot_embedding(np.zeros((10, 3)))
    with pytest.raises(ValueError, match="one entry per point"):
        plot.plot_embedding(Y, labels=np.zeros(9))
    with pytest.raises(ValueError, match="must be square"):
        plot.plot_embedding(Y, images=np.zeros((10, 60)))
    with pytest.raises(ValueError, match="n_samples=10"):
        plot.plot_embedding(Y, images=np.zeros((9, 8, 8)))
    with pytest.raises(ValueError, match="n_samples=10"):
        plot.plot_embedding(Y, images=np.zeros((10, 8, 8, 2)))
    Y[0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        plot.plot_embedding(Y)
