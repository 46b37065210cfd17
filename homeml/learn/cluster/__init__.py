"""Clustering: k-means, density, hierarchical, spectral and mean-shift clustering.

- ``_kmeans.py``: :class:`KMeans` (Lloyd and Elkan), :class:`MiniBatchKMeans`,
  :func:`kmeans_plusplus`
- ``_spectral.py``: :class:`SpectralClustering`
- ``_dbscan.py``: :class:`DBSCAN`
- ``_agglomerative.py``: :class:`AgglomerativeClustering` (ward, complete, average, single)
- ``_mean_shift.py``: :class:`MeanShift` and :func:`estimate_bandwidth`
"""

from homeml.learn.cluster._agglomerative import AgglomerativeClustering
from homeml.learn.cluster._dbscan import DBSCAN
from homeml.learn.cluster._kmeans import KMeans, MiniBatchKMeans, kmeans_plusplus
from homeml.learn.cluster._mean_shift import MeanShift, estimate_bandwidth
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
