"""The README's code runs as pasted: every Python block in a fresh interpreter (in an empty
folder, with the block's files written there), and its cheap shell commands (`homeml info`,
`--help`)."""

import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", README, flags=re.S | re.M)
PYTHON = [code for lang, code in BLOCKS if lang == "python"]
# shell lines cheap enough for the test suite: they train nothing and start no server
CHEAP = re.compile(r"^homeml( info$| --help$| \w[\w-]* --help$)")
SHELL = [
    line.split("#")[0].strip()
    for lang, code in BLOCKS
    if lang == "bash"
    for line in code.splitlines()
    if CHEAP.match(line.split("#")[0].strip())
]
OPTIONAL = {"onnxruntime": "dev", "onnx": "dev", "gymnasium": "dev"}


def first_line(code: str) -> str:
    return next(line for line in code.splitlines() if line and not line.startswith("import"))


def test_the_readme_has_the_blocks_this_test_runs():
    assert len(PYTHON) >= 6 and {"homeml info", "homeml --help"} <= set(SHELL)


@pytest.mark.parametrize("code", PYTHON, ids=[first_line(c)[:40] for c in PYTHON])
def test_python_block_runs_as_pasted(code, tmp_path):
    for module, extra in OPTIONAL.items():
        if re.search(rf"^import {module}\b", code, re.M) and not importlib.util.find_spec(module):
            pytest.skip(f'this README block needs {module}: pip install -e ".[{extra}]"')
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "MPLBACKEND": "Agg",
            "OMP_NUM_THREADS": "1",
        },
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() or list(tmp_path.iterdir()), "the block showed nothing"


@pytest.mark.parametrize("line", SHELL)
def test_cheap_shell_command_runs(line, tmp_path):
    argv = shlex.split(line)
    done = subprocess.run(
        [sys.executable, "-m", "homeml.cli", *argv[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "usage: homeml" in done.stdout if "--help" in argv else "data directory" in done.stdout
