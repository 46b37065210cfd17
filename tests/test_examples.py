"""The examples: an optional package that is missing is named in one line, with the extra."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_example_without_gymnasium_names_the_extra_in_one_line(tmp_path):
    blocker = tmp_path / "gymnasium"  # shadows the installed package: `import gymnasium` fails
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('No module named gymnasium')\n")
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "rl_book_figures.py"), "--out", tmp_path],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip() == (
        'examples/rl_book_figures.py needs gymnasium: pip install -e ".[dev]"'
    )
    assert list(tmp_path.iterdir()) == [blocker]  # nothing written


def test_examples_write_pictures_outside_the_repository_docs():
    for name in ("rl_book_figures.py", "dqn_cartpole.py", "unsupervised_tour.py"):
        source = (ROOT / "examples" / name).read_text()
        assert '"docs"' not in source and '/ "docs"' not in source, name
        assert "runs/examples" in source, name
