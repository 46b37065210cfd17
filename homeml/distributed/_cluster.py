"""Reaching a Dask cluster: ``connect("tcp://host:8786")`` or ``connect("local:2")``."""

from __future__ import annotations

import importlib
from typing import Any


def require_distributed() -> Any:
    """The ``distributed`` module, or an ImportError saying how to install it.

    homeml runs without Dask; only ``homeml.distributed`` needs it, and imports it here, lazily.
    """
    try:
        return importlib.import_module("distributed")
    except ImportError as error:  # pragma: no cover - CI installs dask
        raise ImportError(
            "homeml.distributed needs Dask: pip install 'dask[array,dataframe]' distributed"
        ) from error


def connect(address: Any, *, timeout: float = 30.0) -> Any:
    """A ``distributed.Client`` for ``address``.

    Parameters
    ----------
    address : str or distributed.Client
        ``"tcp://host:8786"`` (a running ``dask scheduler``), ``"local:N"`` (start a
        ``LocalCluster`` of N one-thread worker processes on this machine, closed with the
        client), or a Client, returned as it is.
    timeout : float
        Seconds to wait for the scheduler (and, for ``local:N``, the N workers).

    Returns
    -------
    distributed.Client
    """
    distributed = require_distributed()
    if isinstance(address, distributed.Client):
        return address
    if not isinstance(address, str) or not address:
        raise ValueError(
            f"expected a scheduler address like 'tcp://host:8786' or 'local:N', got {address!r}"
        )
    if address.startswith("local:"):
        count = address.partition(":")[2]
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"expected 'local:N' with N a positive integer, got {address!r}")
        client = distributed.Client(  # owns its LocalCluster: closing the client closes it
            n_workers=int(count),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            timeout=timeout,
        )
        client.wait_for_workers(int(count), timeout=timeout)
        return client
    return distributed.Client(address, timeout=timeout)
