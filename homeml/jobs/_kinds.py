"""What kind of run made a model file, from its metadata alone.

The server checks every kind before it picks the one to serve. The checks of the jobs that are
heavy to import (the text classifiers pull in scipy.sparse and Numba, the generative jobs the
image jobs) live here, so that telling the kinds apart does not load them: a server process
keeps what it imports for its whole life.
"""

from __future__ import annotations

TEXT_CLASSIFICATION_TASK = "text-classification"  # metadata["task"] of sms-spam and sentiment runs
GENERATOR_KINDS = ("gan", "vae")  # metadata["kind"] of mnist-gan and mnist-vae runs


def is_text_classifier(metadata: dict) -> bool:
    """Whether a model file's metadata describes a ``homeml train sms-spam|sentiment`` model."""
    return isinstance(metadata, dict) and metadata.get("task") == TEXT_CLASSIFICATION_TASK


def is_generator(metadata: dict) -> bool:
    """Whether a model file's metadata is that of a ``homeml train mnist-gan|mnist-vae`` run."""
    return isinstance(metadata, dict) and metadata.get("kind") in GENERATOR_KINDS
