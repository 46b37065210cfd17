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
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    final_loss = float(done.stdout.splitlines()[-2].split("loss")[1])
    assert final_loss < 0.01  # noise variance is 0.0025; a cubic fits sin within ~0.004


# -- help, argument errors, Ctrl-C, offline evaluate ------------------------------------------


def run_main(argv, capsys):
    """(exit code, stdout, stderr) of ``homeml argv`` in this process."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit:
        code = exit.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_states_the_defaults(capsys):
    from homeml.jobs.digits import DEFAULTS

    code, out, _ = run_main(["train", "--help"], capsys)
    text = " ".join(out.split())  # argparse wraps lines
    assert code == 0
    for key in ("epochs", "batch_size", "lr"):
        assert ", ".join(f"{m} {d[key]:g}" for m, d in DEFAULTS.items()) in text, key
    assert "--seed SEED default: 0" in text and "(default: None)" not in text
    code, out, _ = run_main(["serve", "--help"], capsys)
    text = " ".join(out.split())
    assert "(default: 8000)" in text and "(default: 127.0.0.1)" in text
    assert "(default 1) (default" not in text  # stated once, not twice


def test_argument_errors_are_one_line_without_traceback():
    for argv, expected in (
        (["serve", "model.safetensors", "--port", "80000"], "port number 0..65535, got '80000'"),
        (["train", "mnist", "--epochs", "0"], "positive integer, got '0'"),
        (["train", "mnist", "--lr", "fast"], "positive number, got 'fast'"),
        (["train", "digits"], "invalid choice: 'digits'"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "homeml.cli", *argv],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert done.returncode == 2 and done.stdout == "", argv
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], done.stderr
        assert f"(see homeml {argv[0]} --help)" in lines[0]


def test_info_names_the_data_folder_and_what_is_in_it(tmp_path, monkeypatch, capsys):
    (tmp_path / "mnist").mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (tmp_path / "mnist" / name).write_bytes(b"x")
    monkeypatch.setenv("HOMEML_DATA", str(tmp_path))
    code, out, _ = run_main(["info"], capsys)
    assert code == 0
    assert f"data directory: {tmp_path} (from HOMEML_DATA)" in out
    assert "mnist/          2 of 4 files" in out
    assert "fashion-mnist/  not downloaded yet" in out


def test_ctrl_c_during_training_says_how_to_resume(tmp_path, monkeypatch, capsys):
    from homeml.jobs import digits

    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(digits, "train", interrupted)
    code, out, err = run_main(["train", "mnist", "--out", tmp_path], capsys)
    assert code == 130 and out == ""
    assert err.strip() == "interrupted before the first epoch ended: nothing saved"
    (tmp_path / digits.CHECKPOINT).write_bytes(b"saved")
    code, out, err = run_main(["train", "mnist", "--out", tmp_path], capsys)
    assert code == 130 and len(err.strip().splitlines()) == 1
    assert str(tmp_path / digits.CHECKPOINT) in err
    assert f"homeml train mnist --resume --out {tmp_path}" in err


def test_ctrl_c_during_language_training_says_how_to_resume(tmp_path, monkeypatch, capsys):
    from homeml.jobs import language

    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(language, "train", interrupted)
    (tmp_path / language.CHECKPOINT).write_bytes(b"saved")
    code, out, err = run_main(["train", "names", "--model", "gru", "--out", tmp_path], capsys)
    assert code == 130 and "the last evaluation is saved" in err
    assert f"homeml train names --resume --out {tmp_path}" in err


def test_offline_evaluate_asks_only_for_the_test_files(tmp_path, monkeypatch, capsys):
    import socket

    import homeml as hm
    from homeml.jobs import digits
    from homeml.models import build_model

    with socket.socket() as sock:  # a port where nothing listens: offline
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    monkeypatch.setitem(digits.DATASETS["mnist"], "mirrors", [dead])
    spec = digits.DATASETS["mnist"]
    meta = {
        "dataset": "mnist",
        "classes": spec["classes"],
        "mean": spec["mean"],
        "std": spec["std"],
        "input_shape": [1, 28, 28],
    }
    hm.save(build_model("mlp"), tmp_path / "model.safetensors", metadata=meta)
    code, out, err = run_main(["evaluate", tmp_path, "--data-dir", tmp_path / "data"], capsys)
    assert code == 1 and out == ""
    assert "t10k-images-idx3-ubyte.gz" in err and "t10k-labels-idx1-ubyte.gz" in err
    assert "train-" not in err
    assert str(tmp_path / "data" / "mnist") in err
