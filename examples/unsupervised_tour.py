"""The unsupervised pictures in the README: t-SNE of MNIST digits, and four views of one data set.

    python examples/unsupervised_tour.py [--n 5000] [--out runs/examples]

MNIST is read from $HOMEML_DATA/mnist/ (default ~/.cache/homeml), downloaded there if missing.

Writes ``tsne-mnist.png`` (5,000 test digits embedded in 2-D by t-SNE after PCA to 50
dimensions, coloured by their true label, with some digits drawn in place) and
``unsupervised.png`` (k-means clusters with their centres, a ward dendrogram, the PCA
explained-variance curve and Isomap of four Gaussian blobs in 5-D) to --out (the README's
pictures are ``--out docs``).
"""

import argparse
import time
from pathlib import Path

import matplotlib
import numpy as np

import homeml.learn as hl
from homeml.datasets import load_mnist
from homeml.plot import (
    plot_clusters,
    plot_dendrogram,
    plot_embedding,
    plot_explained_variance,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the file backend)


def tsne_of_mnist(n: int, out: Path) -> None:
    _, (images, labels) = load_mnist()
    images, labels = images[:n], labels[:n]
    X = images.reshape(n, -1).astype(np.float64) / 255.0
    start = time.perf_counter()
    X50 = hl.PCA(50, random_state=0).fit_transform(X)
    Y = hl.TSNE(n_components=2, init="pca", random_state=0).fit_transform(X50)
    seconds = time.perf_counter() - start
    trust = hl.trustworthiness(X50, Y, n_neighbors=5)
    print(f"t-SNE of {n} MNIST test digits: {seconds:.1f} s, trustworthiness {trust:.3f}")

    fig, ax = plt.subplots(figsize=(9, 9))
    plot_embedding(Y, labels, images=images, ax=ax, size=4, image_spacing=0.06, image_zoom=0.5)
    ax.set_title(f"t-SNE of {n} MNIST test digits (homeml.learn.TSNE after PCA to 50)")
    ax.legend(*ax.get_legend_handles_labels(), loc="upper right", fontsize=8, markerscale=3)
    fig.tight_layout()
    fig.savefig(out / "tsne-mnist.png", dpi=80)
    plt.close(fig)


def four_views(out: Path) -> None:
    rng = np.random.default_rng(0)
    centres = rng.uniform(-8, 8, (4, 5))
    X = np.vstack([c + rng.standard_normal((60, 5)) for c in centres])

    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    kmeans = hl.KMeans(4, n_init=10, random_state=0).fit(X)
    plot_clusters(X[:, :2], kmeans.labels_, kmeans.cluster_centers_[:, :2], ax=axes[0])
    axes[0].set_title("KMeans (k=4): clusters and centres")
    ward = hl.AgglomerativeClustering(distance_threshold=0, n_clusters=None).fit(X)
    plot_dendrogram(ward, ax=axes[1], truncate_mode="level", p=4)
    axes[1].set_title("AgglomerativeClustering (ward)")
    plot_explained_variance(hl.PCA().fit(X), ax=axes[2])
    embedding = hl.Isomap(n_neighbors=10).fit_transform(X)
    plot_embedding(embedding, kmeans.labels_, ax=axes[3])
    axes[3].set_title("Isomap, coloured by k-means label")
    fig.tight_layout()
    fig.savefig(out / "unsupervised.png", dpi=70)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="MNIST test digits to embed")
    parser.add_argument("--out", type=Path, default=Path("runs/examples"), help="picture folder")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    four_views(args.out)
    tsne_of_mnist(args.n, args.out)


if __name__ == "__main__":
    main()
