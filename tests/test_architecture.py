"""The layers of docs/architecture.md, checked on the source: every import of every module in
homeml/ (at module level and inside functions) points down the map, never up or across."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "homeml"

# Where each part of homeml sits: the longest matching prefix of a module's name wins.
LAYER_OF = {
    "homeml._params": "shared",  # the parameter protocol under estimators and agents
    "homeml.exceptions": "shared",  # warnings and errors every family raises
    "homeml._storage": "storage",
    "homeml.tensor": "engine",
    "homeml.autograd": "engine",
    "homeml.creation": "engine",
    "homeml.dtypes": "engine",
    "homeml.ops": "engine",
    "homeml.linalg": "engine",
    # PyTorch's small top-level modules, as the engine provides them
    "homeml.device": "engine",
    "homeml.inplace": "engine",
    "homeml.autograd_function": "engine",
    "homeml.amp": "engine",
    "homeml.accelerator": "engine",
    "homeml.cuda": "engine",
    "homeml.backends": "engine",
    "homeml.io": "io",
    "homeml.learn": "learn",
    "homeml._estimator_io": "learn",  # the estimators' codec, registered in io._CODECS
    "homeml.datasets": "datasets",
    "homeml": "toolkit",  # the public surface: the engine, nn, optim, data, save and load
    "homeml.nn": "toolkit",
    "homeml.optim": "toolkit",
    "homeml.data": "toolkit",
    "homeml.text": "toolkit",  # tokenizers: character-level and byte-level BPE
    "homeml.utils": "toolkit",  # homeml.utils.data is homeml.data
    "homeml._nn_io": "toolkit",  # the networks' codec, registered in io._CODECS
    "homeml.models": "models",
    "homeml.train": "models",
    "homeml.train_steps": "models",  # the iteration loop of language models
    "homeml.callbacks": "models",  # the training loop's callbacks
    "homeml.rl": "rl",
    "homeml.distributed": "distributed",  # Dask: cluster access, data-parallel training
    "homeml.recommend": "recommend",  # recommenders: Surprise's and implicit's interfaces
    "homeml.vision": "vision",  # box ops, detection and segmentation metrics (torchvision.ops)
    "homeml.onnx": "export",
    "homeml.plot": "export",
    "homeml.jobs": "jobs",
    "homeml.serve": "serve",
    "homeml.cli": "cli",
    "homeml.__main__": "cli",
}

# layer -> the layers its modules may import (besides their own)
MAY_IMPORT = {
    "shared": set(),
    "storage": set(),
    "engine": {"storage"},
    "io": {"storage", "engine"},
    "learn": {"storage"},  # NumPy, Numba, SciPy; no neural-network toolkit
    "datasets": {"storage"},
    "toolkit": {"storage", "engine", "io"},
    "recommend": {"storage", "engine", "io", "toolkit", "datasets"},
    "vision": {"storage", "engine", "io", "toolkit"},
    "models": {"storage", "engine", "io", "toolkit", "datasets", "recommend", "vision"},
    "rl": {"storage", "engine", "io", "toolkit", "models"},
    "distributed": {"storage", "engine", "io", "toolkit", "models", "datasets"},
    "export": {
        "storage",
        "engine",
        "io",
        "toolkit",
        "models",
        "learn",
        "rl",
        "datasets",
        "distributed",
        "recommend",
        "vision",
    },
    "jobs": {
        "storage",
        "engine",
        "io",
        "toolkit",
        "models",
        "learn",
        "rl",
        "datasets",
        "export",
        "distributed",
        "recommend",
        "vision",
    },
    "serve": {
        "distributed",
        "storage",
        "engine",
        "io",
        "toolkit",
        "models",
        "learn",
        "rl",
        "datasets",
        "export",
        "jobs",
        "recommend",
        "vision",
    },
    "cli": {"jobs", "serve", "toolkit"},  # toolkit: `import homeml` for the version only
}

# Deliberate edges the layers alone would refuse, each with the reason it exists.
EXCEPTIONS: set = set()

# hm.save / hm.load find a family's codec by name in io._CODECS and import it when a file of
# that kind is written or read: registration, not knowledge of the family. The codecs
# themselves sit with their family (see LAYER_OF); rl's is inside homeml.rl.
REGISTERED_CODECS = {"homeml._nn_io", "homeml.rl._agent_io", "homeml._estimator_io"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(name: str) -> bool:
    return (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()


def _imports(path: Path) -> set[str]:
    """The homeml modules ``path`` imports, anywhere in the file."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the package, up node.level - 1 packages
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            for alias in node.names:  # `from homeml import nn` imports homeml.nn
                sub = f"{module}.{alias.name}"
                found.add(
                    sub
                    if _is_package(sub)
                    or Path(PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists()
                    else module
                )
    return {m for m in found if m == "homeml" or m.startswith("homeml.")}


def _layer(module: str) -> str:
    best = max((p for p in LAYER_OF if module == p or module.startswith(p + ".")), key=len)
    return LAYER_OF[best]


@functools.cache
def _edges() -> tuple[tuple[str, str], ...]:
    """(importing module, imported module) for every homeml import in homeml/, plus io's
    registered codecs (imported by name when a file of their kind is saved or loaded)."""
    edges = [
        (_module_name(path), target)
        for path in sorted(PACKAGE.rglob("*.py"))
        for target in sorted(_imports(path))
    ]
    edges += [("homeml.io", target) for target in sorted(_registered_codecs())]
    return tuple(edges)


def _registered_codecs() -> set[str]:
    tree = ast.parse((PACKAGE / "io.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "_CODECS":
            return set(ast.literal_eval(node.value).values())
    raise AssertionError("homeml/io.py has no _CODECS table")


def _allowed(source: str, target: str) -> bool:
    if (source, target) in EXCEPTIONS:
        return True
    if source == "homeml.io" and target in REGISTERED_CODECS:
        return True
    here, there = _layer(source), _layer(target)
    return here == there or there == "shared" or there in MAY_IMPORT[here]


def test_every_module_has_a_layer():
    for path in PACKAGE.rglob("*.py"):
        assert _layer(_module_name(path)) in MAY_IMPORT


def test_the_layer_map_has_no_circle():
    done, visiting = set(), set()

    def visit(layer, trail):
        assert layer not in visiting, f"circle between layers: {' -> '.join(trail + [layer])}"
        if layer in done:
            return
        visiting.add(layer)
        for below in MAY_IMPORT[layer]:
            visit(below, trail + [layer])
        visiting.discard(layer)
        done.add(layer)

    for layer in MAY_IMPORT:
        visit(layer, [])


def test_imports_follow_the_layers():
    wrong = [
        f"{source} ({_layer(source)}) imports {target} ({_layer(target)})"
        for source, target in _edges()
        if not _allowed(source, target)
    ]
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(wrong)


def test_every_exception_is_still_needed():
    edges = set(_edges())
    stale = [edge for edge in EXCEPTIONS if edge not in edges]
    assert not stale, f"these imports are gone: delete them from EXCEPTIONS: {stale}"


@pytest.mark.parametrize(
    "family",
    [
        "homeml.learn",
        "homeml.rl",
        "homeml.nn",
        "homeml.ops",
        "homeml.optim",
        "homeml.data",
        "homeml.models",
        "homeml.recommend",
        "homeml.vision",
    ],
)
def test_algorithms_never_import_figures_jobs_or_faces(family):
    above = ("homeml.plot", "homeml.jobs", "homeml.serve", "homeml.cli")
    found = [
        (s, t)
        for s, t in _edges()
        if (s == family or s.startswith(family + "."))
        and any(t == a or t.startswith(a + ".") for a in above)
    ]
    assert not found


def test_only_the_faces_import_jobs():
    found = [
        (s, t)
        for s, t in _edges()
        if t.startswith("homeml.jobs") and _layer(s) not in ("jobs", "serve", "cli")
    ]
    assert not found


def test_the_command_imports_only_jobs_and_serve():
    found = {t for s, t in _edges() if _layer(s) == "cli"}
    assert all(
        t == "homeml" or t.startswith(("homeml.jobs", "homeml.serve", "homeml.cli")) for t in found
    ), found


def test_storage_knows_no_family():
    found = [
        (s, t)
        for s, t in _edges()
        if s.startswith("homeml._storage") and not t.startswith("homeml._storage")
    ]
    assert not found
    assert _registered_codecs() == REGISTERED_CODECS  # a new codec is named here, on purpose


def test_learn_does_not_import_the_neural_network_toolkit():
    found = [
        (s, t)
        for s, t in _edges()
        if s.startswith("homeml.learn")
        and not t.startswith(("homeml.learn", "homeml._storage"))
        and _layer(t) != "shared"
    ]
    assert not found
