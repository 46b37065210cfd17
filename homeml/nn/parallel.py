"""Multi-device wrappers: homeml computes on one CPU process, so they refuse clearly."""

from __future__ import annotations

from homeml.nn.module import Module


class DataParallel(Module):
    """Not supported: homeml runs on the CPU in one process. Use the module itself
    (``model = MyNet()`` rather than ``model = nn.DataParallel(MyNet())``).
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        raise RuntimeError(
            f"{type(self).__name__} is not supported: homeml runs on the CPU in one process; "
            "use the module directly (drop the nn.DataParallel wrapper)"
        )


class DistributedDataParallel(DataParallel):
    """Not supported (see :class:`DataParallel`); ``homeml.distributed`` trains with Dask."""
