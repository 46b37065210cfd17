"""Manifold learning: non-linear embeddings that keep the neighbourhoods of the data.

- ``_utils.py``: pairwise distances for the supported metrics and :func:`trustworthiness`
- ``_t_sne.py``: :class:`TSNE` (exact and Barnes-Hut gradients, the optimiser)
- ``_barnes_hut.py``: the space-partitioning tree and the Barnes-Hut gradient (Numba)
- ``_mds.py``: :class:`MDS` (SMACOF, metric and non-metric with isotonic regression)
- ``_isomap.py``: :class:`Isomap` (graph shortest paths, centred-kernel eigenvectors)
"""

from homeml.learn.manifold._isomap import Isomap
from homeml.learn.manifold._mds import MDS
from homeml.learn.manifold._t_sne import TSNE
from homeml.learn.manifold._utils import trustworthiness

__all__ = ["MDS", "TSNE", "Isomap", "trustworthiness"]
