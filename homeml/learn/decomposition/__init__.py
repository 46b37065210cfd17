"""Matrix decompositions: PCA and its incremental, truncated and kernel forms, NMF, FastICA and
latent Dirichlet allocation.

- ``_svd.py``: the sign convention, randomized SVD and parameter checks shared by all of them
- ``_pca.py``: :class:`PCA` (and the projection / probabilistic-PCA base it shares)
- ``_incremental_pca.py``: :class:`IncrementalPCA`
- ``_truncated_svd.py``: :class:`TruncatedSVD`
- ``_kernel_pca.py``: :class:`KernelPCA`
- ``_nmf.py``: :class:`NMF` (coordinate descent; ``_nmf_mu.py``: multiplicative updates)
- ``_fastica.py``: :class:`FastICA`
- ``_lda.py``: :class:`LatentDirichletAllocation` (batch and online variational Bayes)
"""

from homeml.learn.decomposition._fastica import FastICA
from homeml.learn.decomposition._incremental_pca import IncrementalPCA
from homeml.learn.decomposition._kernel_pca import KernelPCA
from homeml.learn.decomposition._lda import LatentDirichletAllocation
from homeml.learn.decomposition._nmf import NMF
from homeml.learn.decomposition._pca import PCA
from homeml.learn.decomposition._truncated_svd import TruncatedSVD

__all__ = [
    "FastICA",
    "IncrementalPCA",
    "KernelPCA",
    "LatentDirichletAllocation",
    "NMF",
    "PCA",
    "TruncatedSVD",
]
