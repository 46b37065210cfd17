"""Data-parallel training on a Dask cluster, like ``torch.nn.parallel.DistributedDataParallel``.

One model replica per Dask worker. Each step the client cuts the batch into one shard per worker;
each worker computes the gradient of its shard's loss (weighted by the shard's share of the
batch); then every replica's optimizer takes the same step with the sum of those gradients.
The sum is an all-reduce through the workers, by tasks that run on them: up to
``gather_below`` (4) workers, each worker fetches the others' gradients and adds them all in the
same order (an all-gather: one hop, the least latency, which is what a step on a few workers
waits for); beyond, a reduction tree sums them pairwise (worker 1's gradient goes to worker 0,
..., ``ceil(log2 n)`` levels) and the root's sum goes to every worker. The gradients never
pass through the client, which only sends the shards and receives three numbers per worker
(loss, correct predictions, count).

Why a task graph rather than actors or Pub/Sub: the scheduler already moves a task's inputs
from the worker that holds them to the one that needs them, peer to peer; pinning each task to
its worker (``workers=[address]``) keeps every replica's state in place; and a lost worker shows
up as a missing address that the client checks while it waits, so the run stops with a clear
error instead of hanging (actors would tie the replica's life to an actor handle and Pub/Sub
would need a hand-written protocol for the same exchange).

The client's own model and optimizer are brought up to date from worker 0 at the end of every
epoch (:meth:`DistributedDataParallel.sync`), so checkpoints, validation and exact resume in
:func:`homeml.train.fit` work as in one process.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import numpy as np

from homeml.distributed import _replica
from homeml.distributed._cluster import connect, require_distributed


class WorkerLostError(RuntimeError):
    """A worker holding a replica left the cluster mid-run: the replicas are out of step."""


class DistributedDataParallel:
    """Train one model on several Dask workers at once (pass to ``homeml.train.fit``).

    Parameters
    ----------
    client : distributed.Client or str
        The cluster: a Client, ``"tcp://host:8786"`` or ``"local:N"`` (see
        :func:`homeml.distributed.connect`).
    workers : int or sequence of str, optional
        The workers that hold replicas: their addresses, or how many of the cluster's workers
        (sorted by address) to use; default all of them.
    gather_below : int
        Up to this many replicas, each worker fetches every other worker's gradient and adds
        them all itself (an all-gather: one hop between workers per step); above it, a
        reduction tree sums them (``2 ceil(log2 n)`` hops, each moving one gradient).
    poll_seconds : float
        How often, while waiting for a step, the client checks that every worker is still there.
    seed : int
        Replica ``r`` seeds its worker's default generator with ``seed + r`` when training
        starts (or resumes): its dropout masks.

    Notes
    -----
    The loss must be a mean over the batch (homeml's losses are, by default): the gradient of the
    batch is then the shard gradients weighted by the shards' sizes. As in PyTorch, batch
    normalisation uses each shard's statistics, and dropout in the replicas draws from each
    worker's own generator (seeded by ``seed``): a run with dropout repeats on the same number
    of workers, but does not equal one process, and a resumed one draws fresh masks.

    Examples
    --------
    >>> ddp = DistributedDataParallel("local:2")  # doctest: +SKIP
    >>> fit(model, optimizer, loss_fn, loader, data_parallel=ddp)  # doctest: +SKIP
    """

    def __init__(
        self,
        client: Any,
        workers: Any = None,
        *,
        gather_below: int = 4,
        poll_seconds: float = 1.0,
        seed: int = 0,
    ):
        self._distributed = require_distributed()
        self.client = connect(client)
        available = sorted(self.client.nthreads())
        if workers is None:
            workers = available
        elif isinstance(workers, int):
            if not 1 <= workers <= len(available):
                raise ValueError(
                    f"asked for {workers} workers; the cluster has {len(available)}: {available}"
                )
            workers = available[:workers]
        workers = list(workers)
        missing = [w for w in workers if w not in available]
        if not workers or missing:
            raise ValueError(
                f"expected the addresses of running workers {available}, got {workers!r}"
            )
        self.workers: list[str] = workers
        self.poll_seconds = poll_seconds
        self.gather_below = gather_below
        self.seed = seed
        self.key = f"homeml-ddp-{uuid.uuid4().hex}"
        self.steps = 0
        self.gradient_bytes = 0  # one replica's gradient, in bytes (set by start)
        self.step_seconds = 0.0  # time spent in step(), summed

    @property
    def world_size(self) -> int:
        """The number of replicas (``torch.distributed.get_world_size``)."""
        return len(self.workers)

    # -- the protocol homeml.train.fit calls -------------------------------------------------

    def start(self, model, optimizer, loss_fn) -> None:
        """Send a copy of ``model``, ``optimizer`` (state included) and ``loss_fn`` to every
        worker; every replica starts from the same state.
        """
        self.gradient_bytes = sum(
            p.numpy().nbytes for g in optimizer.param_groups for p in g["params"]
        )
        futures = [
            self._submit(_replica.install, w, self.key, model, optimizer, loss_fn, self.seed + r)
            for r, w in enumerate(self.workers)
        ]
        self._results(futures)

    def step(self, x: np.ndarray, y: np.ndarray, lrs: list[float]) -> tuple[float, Any, int]:
        """One training step on the batch ``(x, y)`` with learning rates ``lrs`` (one per
        parameter group); returns the batch's (mean loss, correct predictions or None, size).
        """
        started = time.perf_counter()
        n = len(y)
        shards = [s for s in np.array_split(np.arange(n), self.world_size)]
        grads = [
            (w, self._submit(_replica.local_gradients, w, self.key, x[s], y[s], len(s) / n))
            for w, s in zip(self.workers, shards)
            if len(s)
        ]
        if len(grads) <= self.gather_below:  # all-gather: one hop, each worker sums them all
            parts = [g for _, g in grads]
        else:  # a reduction tree: pairwise sums on the first worker of each pair
            while len(grads) > 1:
                pairs = [grads[i : i + 2] for i in range(0, len(grads), 2)]
                grads = [
                    (p[0][0], self._submit(_replica.add_gradients, p[0][0], p[0][1], p[1][1]))
                    if len(p) == 2
                    else p[0]
                    for p in pairs
                ]
            parts = [grads[0][1]]
        applied = [
            self._submit(_replica.apply_gradients, w, self.key, list(lrs), *parts)
            for w in self.workers
        ]
        stats = self._results(applied)
        self.steps += 1
        self.step_seconds += time.perf_counter() - started
        loss = sum(s[0] for s in stats) / max(n, 1)
        hits = None if any(s[1] is None for s in stats if s[2]) else sum(s[1] or 0 for s in stats)
        return loss, hits, n

    def sync(self, model, optimizer) -> None:
        """Copy the replicas' state (worker 0's; every replica holds the same) into ``model``
        and ``optimizer``.
        """
        (model_state, optimizer_state) = self._results(
            [self._submit(_replica.state, self.workers[0], self.key)]
        )[0]
        model.load_state_dict(model_state)
        optimizer.load_state_dict(optimizer_state)

    def close(self) -> None:
        """Drop the replicas from the workers still there (best effort)."""
        alive = [w for w in self.workers if w in self._alive()]
        if alive:
            try:
                self.client.run(_replica.remove, self.key, workers=alive)
            except Exception:  # noqa: BLE001 - the run is over; a worker going away is fine
                pass

    # -- helpers --------------------------------------------------------------------------

    def _submit(self, func, worker: str, *args):
        return self.client.submit(
            func, *args, workers=[worker], allow_other_workers=False, pure=False
        )

    def _alive(self) -> set:
        return set(self.client.nthreads())

    def _check_workers(self, futures) -> None:
        lost = [w for w in self.workers if w not in self._alive()]
        if lost:
            self.client.cancel(futures)
            raise WorkerLostError(
                f"worker(s) {lost} left the cluster during data-parallel step {self.steps + 1}; "
                "the other replicas cannot go on without them. Start a new "
                "DistributedDataParallel on the workers there now and call fit again with "
                "resume=True and the same checkpoint= to continue from the last checkpoint."
            )

    def _results(self, futures) -> list:
        distributed = self._distributed
        while True:
            try:
                distributed.wait(futures, timeout=self.poll_seconds)
                break
            except (TimeoutError, distributed.TimeoutError):
                self._check_workers(futures)
        if any(f.status == "error" for f in futures):
            self._check_workers(futures)
        return self.client.gather(futures)
