"""``torch.backends``: flags scripts read or set; homeml has no GPU backend."""

from __future__ import annotations

from types import SimpleNamespace

mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cuda = SimpleNamespace(is_built=lambda: False, matmul=SimpleNamespace(allow_tf32=False))
# set by scripts (torch.backends.cudnn.benchmark = True); they change nothing here
cudnn = SimpleNamespace(
    is_available=lambda: False,
    enabled=False,
    benchmark=False,
    deterministic=False,
    allow_tf32=False,
)
