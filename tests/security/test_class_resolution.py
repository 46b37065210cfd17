"""Classes named in a file resolve through tables of public names only: no import, no code run,
no SystemExit, whatever the file names (regression: a file naming ``homeml.__main__.X`` ran the
``homeml`` command and raised SystemExit)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import edit_homeml_info

import homeml as hm
from homeml.io import ModelFileError

FIELD = {
    "network": lambda info, name: info["architecture"].update(class_=None, **{"class": name}),
    "estimator": lambda info, name: info["estimator"].update(**{"class": name}),
    "agent": lambda info, name: info.update(**{"class": name}),
}


def rename(info, family, name):
    if family == "network":
        info["architecture"] = {"class": name, "args": ["echo pwned"], "kwargs": {}}
    else:
        FIELD[family](info, name)


def test_importing_homeml_main_runs_nothing():
    code = "import sys; sys.argv = ['prog', 'info']; import homeml.__main__; print('imported')"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported"  # `homeml info` would have printed its report


NAMES = [
    "homeml.__main__.Anything",
    "homeml.__main__.main",
    "homeml.cli.main",
    "nn.Module",
    "nn._ConvNd",
    "nn._BatchNorm",
    "nn._Loss",
    "homeml.nn.conv._ConvNd",
    "homeml.nn.module.Module",
    "homeml.nn.linear.Linear",  # the old, importable spelling is not a registry key
    "nn.Parameter",
    "nn.functional",
    "nn.init",
    "models.build_model",
    "os.system",
    "builtins.eval",
    "subprocess.Popen",
    "Agent",
    "BaseEstimator",
    "rl.agent.Agent",
    "td._TD",
]


@pytest.fixture
def copies(model_files, tmp_path):
    return {
        family: shutil.copy(path, tmp_path / path.name) for family, (_, path) in model_files.items()
    }


@pytest.mark.parametrize("family", sorted(FIELD))
@pytest.mark.parametrize("name", NAMES)
def test_private_abstract_and_foreign_names_are_refused(copies, monkeypatch, family, name):
    calls = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args))
    path = copies[family]
    edit_homeml_info(path, lambda info: rename(info, family, name))
    try:
        hm.load(path)
    except ModelFileError as error:
        assert str(path) in str(error)
    else:
        pytest.fail(f"{name} was accepted as a {family} class")
    assert calls == []


SEGMENTS = [
    "homeml",
    "__main__",
    "cli",
    "main",
    "nn",
    "models",
    "learn",
    "rl",
    "io",
    "os",
    "system",
    "subprocess",
    "Popen",
    "builtins",
    "eval",
    "exec",
    "Module",
    "_ConvNd",
    "Linear",
    "Sequential",
    "CNN",
    "QLearning",
    "LogisticRegression",
    "Agent",
    "base",
    "jobs",
    "digits",
    "train",
    "__init__",
    "__class__",
    "__subclasses__",
    "",
    "..",
    "sys",
    "exit",
]
dotted = st.lists(
    st.one_of(
        st.sampled_from(SEGMENTS), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
    ),
    min_size=1,
    max_size=5,
).map(".".join)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=dotted, family=st.sampled_from(sorted(FIELD)))
def test_any_dotted_name_is_a_model_file_error_and_runs_nothing(copies, tmp_path, name, family):
    path = tmp_path / f"any-{family}.safetensors"
    shutil.copy(copies[family], path)
    hm.load(path)  # warm: the registries' own imports happen here, not below
    edit_homeml_info(path, lambda info: rename(info, family, name))
    before = set(sys.modules)
    try:
        loaded = hm.load(path)
    except ModelFileError:
        loaded = None
    except BaseException as error:  # SystemExit included
        pytest.fail(f"{name!r} as a {family} class raised {type(error).__name__}: {error}")
    assert set(sys.modules) - before == set(), f"{name!r} imported modules"
    if loaded is not None:  # only a genuine public class of the right family can be rebuilt
        assert type(loaded).__name__ == name.rpartition(".")[2]


def test_the_bare_estimator_base_is_refused_even_with_no_params(copies):
    path = copies["estimator"]
    spec = {"class": "BaseEstimator", "params": {}, "state": {"coef_": 1}}
    edit_homeml_info(path, lambda info: info.update(estimator=spec))
    with pytest.raises(ModelFileError, match="'BaseEstimator', which is not a homeml.learn"):
        hm.load(path)
