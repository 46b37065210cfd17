import subprocess
import sys
from pathlib import Path

import homeml
from homeml.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_info_prints_versions(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"homeml {homeml.__version__}" in out
    assert "numpy" in out


def test_unknown_command_exits_with_usage_error(capsys):
    try:
        main(["no-such-command"])
    except SystemExit as exit:
        assert exit.code == 2
    else:
        raise AssertionError("argparse should reject an unknown command")
    assert "invalid choice" in capsys.readouterr().err


def test_fit_curve_example_learns():
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "fit_curve.py")],
        capture_output=True, text=True, timeout=120, check=True,
    )
    final_loss = float(done.stdout.splitlines()[-2].split("loss")[1])
    assert final_loss < 0.01  # noise variance is 0.0025; a cubic fits sin within ~0.004
