"""What runs on each Dask worker for data-parallel training: one model replica per worker.

A replica (the model, its optimizer and the loss) lives in this module's table on the worker,
under the run's key, between tasks. Each step is three kinds of task, all pinned to workers:
:func:`local_gradients` (forward and backward on this worker's shard), :func:`add_gradients`
(the pairwise sums of a reduction tree) and :func:`apply_gradients` (the averaged gradient
into every replica's optimizer). The gradients move from worker to worker; the client sends
the shards and gets back three numbers per worker.
"""

from __future__ import annotations

import numpy as np

from homeml.autograd import no_grad
from homeml.creation import manual_seed
from homeml.tensor import Tensor

_REPLICAS: dict[str, _Replica] = {}


class _Replica:
    def __init__(self, model, optimizer, loss_fn):
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.params = [p for group in optimizer.param_groups for p in group["params"]]
        self.stats: tuple[float, int | None, int] = (0.0, None, 0)


def _replica(key: str) -> _Replica:
    try:
        return _REPLICAS[key]
    except KeyError:
        raise RuntimeError(
            f"this worker holds no replica of the data-parallel run {key!r}: it was restarted "
            "or joined after the run started; resume the run from its last checkpoint"
        ) from None


def install(key: str, model, optimizer, loss_fn, seed: int) -> int:
    """Keep ``model`` (with ``optimizer`` over its parameters and ``loss_fn``) under ``key``;
    seed this worker's default generator (dropout masks) with ``seed``.
    """
    manual_seed(seed)
    _REPLICAS[key] = _Replica(model, optimizer, loss_fn)
    return len(_REPLICAS[key].params)


def remove(key: str) -> None:
    """Forget the replica of ``key`` (the run is over)."""
    _REPLICAS.pop(key, None)


def state(key: str) -> tuple[dict, dict]:
    """The replica's model and optimizer ``state_dict``s (the same on every worker)."""
    replica = _replica(key)
    model_state = {k: v.numpy().copy() for k, v in replica.model.state_dict().items()}
    return model_state, replica.optimizer.state_dict()


def local_gradients(key: str, x: np.ndarray, y: np.ndarray, weight: float) -> list[np.ndarray]:
    """``weight`` times the gradient of the loss on this shard, one array per parameter.

    ``weight`` is the shard's share of the batch, so the sum over workers is the gradient of the
    batch's mean loss. The shard's summed loss, correct count and size wait in the replica for
    :func:`apply_gradients` to report.
    """
    replica = _replica(key)
    replica.model.train()
    out = replica.model(Tensor._make(x))
    target = Tensor._make(y)
    loss = replica.loss_fn(out, target)
    replica.optimizer.zero_grad()
    loss.backward()
    hits = None
    with no_grad():
        scores = out.numpy()
        if scores.ndim == 2 and y.ndim == 1 and y.dtype.kind in "iu":
            hits = int((scores.argmax(axis=1) == y).sum())
    replica.stats = (float(loss.item()) * len(y), hits, len(y))
    return [
        weight * p.grad.numpy() if p.grad is not None else np.zeros_like(p.numpy())
        for p in replica.params
    ]


def add_gradients(a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
    """The parameter-wise sum of two workers' gradients (a node of the reduction tree)."""
    return [x + y for x, y in zip(a, b)]


def apply_gradients(key: str, lrs: list[float], *parts: list[np.ndarray]):
    """One optimizer step of the replica with the sum of the gradients ``parts`` (added in the
    order given, the same on every worker) and the client's learning rates ``lrs`` (one per
    parameter group); returns the shard's (loss sum, correct, count) from
    :func:`local_gradients`.
    """
    replica = _replica(key)
    grads = parts[0]
    for part in parts[1:]:
        grads = add_gradients(grads, part)
    for p, g in zip(replica.params, grads):
        p.grad = Tensor._make(np.array(g, dtype=p.numpy().dtype))
    for group, lr in zip(replica.optimizer.param_groups, lrs):
        group["lr"] = lr
    replica.optimizer.step()
    replica.optimizer.zero_grad()
    stats, replica.stats = replica.stats, (0.0, 0, 0)
    return stats
