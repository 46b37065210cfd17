"""Every ``n_jobs`` of homeml.learn goes through ``joblib.Parallel``.

So the usual joblib backends apply: processes (loky, the default), threads, or a Dask cluster
under ``with joblib.parallel_backend("dask"):`` (a ``distributed.Client`` must exist; see
``homeml.distributed``). As in scikit-learn, ``n_jobs=None`` means one job unless a
``parallel_backend`` context says otherwise, and results never depend on ``n_jobs``: the work is
split into tasks whose random seeds are drawn before anything is sent out.

Each task also gets its share of the cores: Numba's parallel kernels (neighbour queries, k-means
steps, t-SNE, ...) run with :func:`thread_budget` threads, the number the worker was given
(``OMP_NUM_THREADS``, which joblib's process workers and Dask's worker processes set), so a
worker with one thread runs them on one thread instead of all the machine's cores.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import joblib
import numba
import numpy as np

_BUDGET_VARIABLES = ("HOMEML_NUM_THREADS", "OMP_NUM_THREADS")


def effective_n_jobs(n_jobs) -> int:
    """How many jobs ``n_jobs`` means under the active joblib backend (at least 1)."""
    return max(1, int(joblib.effective_n_jobs(n_jobs)))


def thread_budget() -> int:
    """The threads a task here may use for Numba's parallel kernels.

    ``HOMEML_NUM_THREADS`` if set, else ``OMP_NUM_THREADS`` (set to the worker's share by
    joblib's process workers and to 1 by Dask's worker processes), capped by the threads Numba
    started with; Numba's own count when neither is set.
    """
    limit = int(numba.config.NUMBA_NUM_THREADS)
    for name in _BUDGET_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return min(int(value), limit)
    return limit


def call_with_budget(func: Callable[..., Any], *args: Any) -> Any:
    """Run ``func(*args)`` with Numba's thread count lowered to :func:`thread_budget` (then
    restored); a count already lower (``numba.set_num_threads``) is kept.

    The setting is per thread in Numba, so it holds for this call even on a worker whose other
    threads run other tasks.
    """
    budget = thread_budget()
    if budget >= int(numba.config.NUMBA_NUM_THREADS):  # nothing to lower: leave Numba alone
        return func(*args)
    before = numba.get_num_threads()  # (this starts Numba's threads if they were not running)
    numba.set_num_threads(min(before, budget))
    try:
        return func(*args)
    finally:
        numba.set_num_threads(before)


def parallel_map(
    func: Callable[..., Any], tasks: Iterable[Sequence[Any]], n_jobs, *, prefer: str | None = None
) -> list:
    """``[func(*task) for task in tasks]``, run by ``joblib.Parallel(n_jobs)``, in order.

    With one effective job the calls run here, one after the other; otherwise on joblib's
    workers. Either way each runs through :func:`call_with_budget`, so an estimator fitted inside
    a Dask task (``n_jobs=1``) keeps to its worker's threads too.
    """
    tasks = list(tasks)
    if len(tasks) <= 1 or effective_n_jobs(n_jobs) == 1:
        return [call_with_budget(func, *task) for task in tasks]
    parallel = joblib.Parallel(n_jobs=n_jobs, prefer=prefer)
    return list(parallel(joblib.delayed(call_with_budget)(func, *task) for task in tasks))


def split_rows(n_rows: int, n_jobs) -> list[np.ndarray]:
    """Row indices cut into at most ``effective_n_jobs(n_jobs)`` contiguous, non-empty chunks."""
    n_chunks = max(1, min(effective_n_jobs(n_jobs), n_rows))
    return [c for c in np.array_split(np.arange(n_rows), n_chunks) if len(c)]
