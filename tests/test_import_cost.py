"""``import homeml`` is lazy: the classic-ML and RL faces do not load the tensor engine or the
neural-network toolkit, and every public name of the root still resolves."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import homeml

# the engine, the toolkit and storage: none of them is needed by ``homeml.learn``
ENGINE = (
    "homeml.nn",
    "homeml.optim",
    "homeml.data",
    "homeml.utils",
    "homeml.tensor",
    "homeml.autograd",
    "homeml.autograd_function",
    "homeml.creation",
    "homeml.ops",
    "homeml.inplace",
    "homeml.io",
    "homeml._storage",
    "homeml.dtypes",
    "homeml.device",
)


def _loaded_after(statement):
    code = (
        f"import sys\n{statement}\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('homeml'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(homeml.__file__).parents[1],
    ).stdout
    return out.split()


def _engine_modules(loaded):
    return [m for m in loaded if m in ENGINE or m.startswith(tuple(e + "." for e in ENGINE))]


def test_import_homeml_loads_nothing_else():
    assert _loaded_after("import homeml") == ["homeml"]


def test_import_learn_loads_no_engine_module():
    loaded = _loaded_after("import homeml.learn")
    assert "homeml.learn" in loaded
    assert _engine_modules(loaded) == []


def test_import_rl_loads_no_engine_module():
    loaded = _loaded_after("import homeml.rl")
    assert "homeml.rl" in loaded
    assert _engine_modules(loaded) == []


def test_every_public_name_resolves():
    for name in homeml.__all__:
        assert getattr(homeml, name) is not None, name
    # names kept out of __all__ (they shadow builtins, or are modules) still resolve
    for name in ("abs", "bool", "float", "max", "min", "pow", "sum", "compile", "io", "ops"):
        assert getattr(homeml, name) is not None, name
    assert set(homeml.__all__) <= set(dir(homeml))


def test_names_resolve_to_their_definitions():
    from homeml import creation, dtypes, nn
    from homeml.tensor import Tensor

    assert homeml.tensor is creation.tensor
    assert homeml.Tensor is Tensor
    assert homeml.float32 is dtypes.float32
    assert homeml.nn is nn
    assert homeml.utils.data is homeml.data
    assert homeml.compile(len) is len


def test_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        homeml.no_such_name  # noqa: B018


def test_resolved_names_are_cached_in_the_namespace():
    homeml.tensor  # noqa: B018
    assert vars(homeml)["tensor"] is homeml.creation.tensor


def test_submodule_import_does_not_shadow_the_factories():
    # importing homeml.tensor / homeml.device first must leave hm.tensor the factory and
    # hm.device the class, as they were with the eager root
    code = (
        "import homeml.tensor, homeml.device, homeml as hm\n"
        "print(type(hm.tensor([1.0])).__name__, hm.device('cpu').type)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(homeml.__file__).parents[1],
    ).stdout.split()
    assert out == ["Tensor", "cpu"]


def test_star_import_leaves_builtins_alone():
    namespace = {}
    exec("from homeml import *", namespace)
    assert "Tensor" in namespace and "nn" in namespace
    for name in ("abs", "bool", "float", "max", "min", "pow", "sum", "compile"):
        assert name not in namespace


def test_type_checking_imports_match_the_table():
    # the TYPE_CHECKING block (what IDEs and mypy see) lists exactly the lazily loaded names
    tree = ast.parse(Path(homeml.__file__).read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
    )
    seen = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        if node.module != "homeml":
            seen[node.module] = tuple(sorted(alias.name for alias in node.names))
        else:
            assert {alias.name for alias in node.names} == set(homeml._SUBMODULES)
    assert seen == {m: tuple(sorted(names)) for m, names in homeml._EXPORTS.items()}
