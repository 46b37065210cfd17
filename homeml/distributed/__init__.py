"""Dask integration: run homeml on a cluster (``pip install dask distributed``).

- **joblib**: every ``n_jobs`` of :mod:`homeml.learn` goes through ``joblib.Parallel``; with a
  ``distributed.Client`` open, ``with joblib.parallel_backend("dask"):`` runs forests, searches,
  cross-validation, ... on the cluster's workers.
- **dask-ml**: ``dask_ml.wrappers.Incremental`` (blocks into ``partial_fit``) and
  ``ParallelPostFit`` (predict block by block) work with homeml estimators.
- **data-parallel training**: :class:`DistributedDataParallel`, one model replica per worker
  with gradients all-reduced between the workers, passed to ``homeml.train.fit(...,
  data_parallel=)``.

Dask is imported only when something here is used: homeml itself does not need it.
"""

from homeml.distributed._cluster import connect
from homeml.distributed.data_parallel import DistributedDataParallel, WorkerLostError

__all__ = ["DistributedDataParallel", "WorkerLostError", "connect"]
