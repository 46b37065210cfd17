"""Computer vision helpers shaped like torchvision: box operations (:mod:`homeml.vision.ops`)
and detection and segmentation metrics (:mod:`homeml.vision.metrics`).
"""

from homeml.vision import metrics, ops

__all__ = ["metrics", "ops"]
