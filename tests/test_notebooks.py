"""The learning path: every notebooks/*.py (Jupytext percent format) converted to a notebook and
executed top to bottom in a fresh python3 kernel; any error, including a failed assert that ties
a number stated in the prose to what the notebook computes, fails the test."""

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
NEEDS = ("jupytext", "nbclient", "nbformat", "ipykernel")
MISSING = [name for name in NEEDS if importlib.util.find_spec(name) is None]
# notebooks that read a real dataset: name -> the folder under $HOMEML_DATA they need
DATA = {
    "11_neural_network_mnist.py": "mnist",
    "15_vae_and_gan.py": "mnist",
    "17_text_classification.py": "sms-spam-collection",
}


def test_the_learning_path_is_numbered_in_order():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers[:1] == [1] and numbers == sorted(set(numbers)), numbers


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_in_its_quick_mode(path):
    """Each notebook has a `FULL = False` switch at the top: CI runs the quick version."""
    lines = path.read_text().splitlines()
    assert any(line.startswith("FULL = False") for line in lines), path.name
    assert lines[:1] == ["# ---"] and "format_name: percent" in path.read_text(), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    if MISSING:
        pytest.skip(f'the notebooks need {", ".join(MISSING)}: pip install -e ".[dev]"')
    if path.name in DATA:
        data = Path(os.environ.get("HOMEML_DATA", Path.home() / ".cache" / "homeml"))
        if not (data / DATA[path.name]).is_dir():
            pytest.skip(f"{path.name} needs {DATA[path.name]}/ under HOMEML_DATA ({data})")
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(path)
    # a private kernel spec: the kernel runs on this interpreter, whatever else is installed
    spec = tmp_path / "jupyter" / "kernels" / "homeml-notebooks"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "homeml", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    # the kernel is a child process: it imports this checkout's homeml, one thread each
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("TQDM_MININTERVAL", "5")  # fewer progress-bar messages to the client
    work = tmp_path / "work"  # the notebook's current folder: files it writes go there
    work.mkdir()
    client = NotebookClient(
        notebook,
        kernel_name="homeml-notebooks",
        timeout=120,  # per cell; each notebook runs in well under a minute in CI mode
        shutdown_kernel="immediate",  # the kernel holds nothing worth a graceful exit
        resources={"metadata": {"path": str(work)}},
    )
    client.execute()  # raises CellExecutionError naming the cell and the traceback
    errors = [
        out
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors, errors
