"""Linear algebra shaped like ``torch.linalg``: norms (differentiable)."""

from homeml.ops.linalg import matrix_norm, norm, vector_norm

__all__ = ["matrix_norm", "norm", "vector_norm"]
