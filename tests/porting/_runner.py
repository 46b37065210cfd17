"""Runs a PyTorch script twice, once as written (``import torch``) and once ported by changing
only its imports (``import homeml as torch``), and compares what it recorded.

A script in ``scripts/`` is ordinary PyTorch code that fills a dict ``RESULTS`` (losses,
gradients, predictions) and may call ``init_weights(model)``: the runner provides that function,
which gives every parameter the same values in both runs, drawn from NumPy.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

SCRIPTS = Path(__file__).parent / "scripts"

# ``import torch`` -> ``import homeml as torch``; ``import torch.nn as nn`` -> ``import
# homeml.nn as nn``; ``from torch.utils.data import X`` -> ``from homeml.utils.data import X``;
# ``import torch.utils.data`` (which binds ``torch``) -> ``import homeml.utils.data`` and
# ``import homeml as torch``
_IMPORTS = [
    (re.compile(r"^(\s*)import torch\s*$", re.M), r"\1import homeml as torch"),
    (
        re.compile(r"^(\s*)import torch(\.[\w.]+)\s*$", re.M),
        r"\1import homeml\2\n\1import homeml as torch",
    ),
    (re.compile(r"^(\s*)import torch(\.[\w.]+)? as ", re.M), r"\1import homeml\2 as "),
    (re.compile(r"^(\s*)from torch(\.[\w.]+)? import ", re.M), r"\1from homeml\2 import "),
]


def port(source: str) -> str:
    """The script with its torch imports changed to homeml's, and nothing else."""
    for pattern, replacement in _IMPORTS:
        source = pattern.sub(replacement, source)
    left = re.search(r"^\s*(import|from) torch\b.*$", source, re.M)
    if left:
        raise ValueError(f"an import of torch the port does not handle: {left.group(0)!r}")
    return source


def script_names() -> list[str]:
    return sorted(p.stem for p in SCRIPTS.glob("*.py"))


def run(name: str, library: str) -> dict:
    """Execute ``scripts/<name>.py`` with ``library`` ("torch" or "homeml"); its RESULTS."""
    source = (SCRIPTS / f"{name}.py").read_text()
    if library == "homeml":
        source = port(source)
        import homeml as lib
    else:
        lib = pytest.importorskip("torch")
    namespace = {"__name__": f"porting_{name}", "init_weights": _init_weights(lib)}
    exec(compile(source, str(SCRIPTS / f"{name}.py"), "exec"), namespace)  # noqa: S102
    return namespace["RESULTS"]


def _init_weights(lib):
    def init_weights(model, seed=0, scale=0.3):
        """Give every parameter of ``model`` values drawn from NumPy (the same in both runs)."""
        rng = np.random.default_rng(seed)
        with lib.no_grad():
            for p in model.parameters():
                values = rng.uniform(-scale, scale, tuple(p.shape))
                p.copy_(lib.from_numpy(values.astype(np.asarray(p.detach().numpy()).dtype)))
        return model

    return init_weights


def _as_array(value):
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return np.asarray(value)


def compare(ours, theirs, path="RESULTS", rtol=1e-5, atol=1e-6):
    """Assert two recorded structures (dicts, lists, tensors, numbers) agree to ``rtol``."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and ours.keys() == theirs.keys(), (
            f"{path}: keys {sorted(ours)} != {sorted(theirs)}"
        )
        for key in theirs:
            compare(ours[key], theirs[key], f"{path}[{key!r}]", rtol, atol)
    elif isinstance(theirs, (list, tuple)) and not np.isscalar(theirs):
        assert len(ours) == len(theirs), f"{path}: length {len(ours)} != {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            compare(a, b, f"{path}[{i}]", rtol, atol)
    elif isinstance(theirs, (str, bool)) or theirs is None:
        assert ours == theirs, f"{path}: {ours!r} != {theirs!r}"
    else:
        a, b = _as_array(ours), _as_array(theirs)
        assert a.shape == b.shape, f"{path}: shape {a.shape} != {b.shape}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=path)


def check_port(name: str, rtol=1e-5, atol=1e-6) -> dict:
    """Run ``name`` with torch and with homeml and compare; homeml's RESULTS."""
    theirs = run(name, "torch")
    ours = run(name, "homeml")
    compare(ours, theirs, rtol=rtol, atol=atol)
    return ours
