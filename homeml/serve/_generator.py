"""A GAN generator or a VAE behind the server: ``POST /v1/generate/images`` draws images.

The path is not the language models' ``/v1/generate`` (a prompt in, text out): one path, one
request shape, whatever the server serves. ``{"num": 16, "label": 7, "seed": 1}`` answers one PNG
of the images in a grid (``"format": "grid"``, the default) or JSON with one base64 PNG per image
(``"format": "images"``); ``num`` beyond ``MAX_IMAGES``, a label for an unconditional model or out
of its classes get 422.

The routes are in :mod:`homeml.serve._generator_routes` (FastAPI is imported only there).
"""

from __future__ import annotations

import threading

from homeml.jobs._kinds import is_generator
from homeml.serve._inputs import InputError, ModelCheckError

__all__ = ["ServedGenerator", "is_generator"]


class ServedGenerator:
    """The model of a generative run (GAN generator or VAE), used read-only.

    Parameters
    ----------
    model : homeml.nn.Module
        A :class:`homeml.models.DCGANGenerator` or a VAE.
    metadata : dict
        Its run's metadata: kind ("gan" or "vae"), dataset, classes, num_classes.
    format_version : int, optional
        The file format version it was read from.
    """

    kind = "image-generator"
    supports_images = False

    def __init__(self, model, metadata: dict, format_version: int | None = None):
        self.model = model.eval()
        self.metadata = dict(metadata)
        self.format_version = format_version
        self.num_classes = int(self.metadata.get("num_classes", 0))
        self.lock = threading.Lock()  # BatchNorm's mode is switched while drawing
        try:
            self.generate(1, seed=0)
        except Exception as error:  # a broken model: refuse it with the reason
            raise ModelCheckError(
                f"this {type(model).__name__} fails to draw an image: {type(error).__name__}: "
                f"{error}"
            ) from None

    def expected(self) -> str:
        """What a request must hold, in the words error answers use."""
        label = f"an optional label 0..{self.num_classes - 1}" if self.num_classes else "no label"
        return f'"num" 1..{_max_images()}, {label}, an optional "seed" and "format" grid or images'

    def generate(self, num: int, label: int | None = None, seed: int | None = None):
        """Images (num, 28, 28) in [0, 1]; InputError (422) naming a bad request."""
        try:
            with self.lock:
                from homeml.jobs._generative import generate_images  # only when serving one

                return generate_images(self.model, self.metadata, num, label=label, seed=seed)
        except ValueError as error:
            raise InputError(str(error)) from None

    def describe(self) -> dict:
        """What /v1/model answers."""
        keep = ("classifier_score", "frechet_distance", "label_accuracy", "test_loss", "epochs")
        metrics = self.metadata.get("metrics", {})
        return {
            "kind": self.kind,
            "class": type(self.model).__name__,
            "family": self.metadata.get("kind"),
            "dataset": self.metadata.get("dataset"),
            "classes": self.metadata.get("classes") if self.num_classes else None,
            "image_shape": [1, 28, 28],
            "limits": {"num": _max_images()},
            "format_version": self.format_version,
            "metrics": {k: metrics[k] for k in keep if k in metrics},
        }


def _max_images() -> int:
    """The most images a request may ask for (the job's limit, imported only when serving)."""
    from homeml.jobs._generative import MAX_IMAGES

    return MAX_IMAGES
