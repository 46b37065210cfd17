"""Clustering: k-means, density, hierarchical, spectral and mean-shift clustering.

- ``_kmeans.py``: :class:`KMeans` (Lloyd and Elkan) and :func:`kmeans_plusplus`
- ``_minibatch_kmeans.py``: :class:`MiniBatchKMeans`
- ``_spectral.py``: :class:`SpectralClustering`
- ``_dbscan.py``: :class:`DBSCAN`
- ``_agglomerative.py``: :class:`AgglomerativeClustering` (ward, complete, average, single)
- ``_mean_shift.py``: :class:`MeanShift` and :func:`estimate_bandwidth`
"""

from homeml.learn.cluster._agglomerative import AgglomerativeClustering
from homeml.learn.cluster._dbscan import DBSCAN
from homeml.learn.cluster._kmeans import KMeans, kmeans_plusplus
from homeml.learn.cluster._mean_shift import MeanShift, estimate_bandwidth
from homeml.learn.cluster._minibatch_kmeans import MiniBatchKMeans
from homeml.learn.cluster._spectral import SpectralClustering

__all__ = [
    "AgglomerativeClustering",
    "DBSCAN",
    "KMeans",
    "MiniBatchKMeans",
    "kmeans_plusplus",
    "MeanShift",
    "estimate_bandwidth",
    "SpectralClustering",
]
