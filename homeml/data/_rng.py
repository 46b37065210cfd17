"""Turning a ``generator=`` argument into the NumPy generator that draws the numbers."""

from __future__ import annotations

import numpy as np

from homeml import creation


def resolve_rng(generator, owner: str) -> np.random.Generator:
    """The ``numpy.random.Generator`` behind ``generator``, read at call time.

    ``None`` means ``homeml``'s default generator (so ``homeml.manual_seed`` applies);
    a :class:`homeml.Generator` gives its ``.rng``; a NumPy generator is used as it is.
    """
    if generator is None:
        return creation.default_generator.rng
    if isinstance(generator, creation.Generator):
        return generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(
        f"{owner}: generator must be a homeml.Generator (or None for the default one), "
        f"got {type(generator).__name__}"
    )
