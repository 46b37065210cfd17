"""Clustering: k-means, density, hierarchical, spectral and mean-shift clustering.

- ``_kmeans.py``: :class:`KMeans` (Lloyd and Elkan) and :class:`MiniBatchKMeans`
- ``_spectral.py``: :class:`SpectralClustering`
- ``_dbscan.py``: :class:`DBSCAN`
- ``_agglomerative.py``: :class:`AgglomerativeClustering` (ward, complete, average, single)
- ``_mean_shift.py``: :class:`MeanShift` and :func:`estimate_bandwidth`
"""

from importlib import import_module

_MODULE_OF = {
    "KMeans": "_kmeans",
    "MiniBatchKMeans": "_kmeans",
    "SpectralClustering": "_spectral",
    "DBSCAN": "_dbscan",
    "AgglomerativeClustering": "_agglomerative",
    "MeanShift": "_mean_shift",
    "estimate_bandwidth": "_mean_shift",
}

__all__ = list(_MODULE_OF)


def __getattr__(name: str):
    if name in _MODULE_OF:
        value = getattr(import_module(f"homeml.learn.cluster.{_MODULE_OF[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'homeml.learn.cluster' has no attribute {name!r}")
