"""The MNIST job end to end: `homeml train/evaluate/predict` (homeml.cli, homeml.jobs.digits), the
run folder it writes, resume, and the MNIST-style preprocessing of user pictures. Small runs on
the real data in $HOMEML_DATA (default ~/.cache/homeml; CI sets it)."""

import contextlib
import io as bytes_io
import json
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.figure
import numpy as np
import pytest
from PIL import Image
from support import requires_datasets

import homeml as hm
from homeml import io
from homeml.cli import main
from homeml.datasets import data_dir, load_mnist
from homeml.datasets.digit_image import prepare_digit
from homeml.datasets.mnist import FASHION_MNIST_CLASSES
from homeml.jobs import digits
from homeml.train import TrainingHistory, format_duration

ROOT = Path(__file__).resolve().parents[2]

pytestmark = requires_datasets("mnist", "fashion-mnist")


def run_cli(*argv):
    """(exit code, stdout, stderr) of ``homeml argv`` run in this process."""
    out, err = bytes_io.StringIO(), bytes_io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exit:
            code = exit.code
    return code, out.getvalue(), err.getvalue()


def weights(path):
    return {k: v.numpy() for k, v in io.load(path).state_dict().items()}


@pytest.fixture(scope="module")
def mnist_test():
    return load_mnist()[1]


@pytest.fixture(scope="module")
def mnist_run(tmp_path_factory):
    """`homeml train mnist --model mlp --epochs 1 --limit 2000`: (run folder, stdout, stderr)."""
    out = tmp_path_factory.mktemp("mnist-mlp")
    code, stdout, stderr = run_cli(
        "train", "mnist", "--model", "mlp", "--epochs", 1, "--limit", 2000, "--out", out
    )
    assert code == 0, stderr
    return out, stdout, stderr


# ----------------------------------------------------------------------------- train


def test_train_writes_model_metrics_history_and_report(mnist_run):
    out, stdout, stderr = mnist_run
    assert sorted(p.name for p in out.iterdir()) == [
        "checkpoint.safetensors",
        "history.csv",
        "history.json",
        "metrics.json",
        "model.safetensors",
        "report.png",
        "run.json",
    ]  # and no temporary files left behind
    metrics = json.loads((out / "metrics.json").read_text())
    assert json.loads(stdout[stdout.index("{") :]) == metrics  # printed as well
    took = f"trained in {format_duration(metrics['train_seconds'])}; model, metrics"
    assert took in stdout, stdout[:300]
    assert metrics["test_accuracy"] > 0.7  # one epoch on 2000 images gets about 0.79
    assert (metrics["dataset"], metrics["model"], metrics["epochs"]) == ("mnist", "mlp", 1)
    assert metrics["train_size"] == 2000 and metrics["seed"] == 0

    history = TrainingHistory.from_json(out / "history.json")
    assert history.rows == TrainingHistory.from_csv(out / "history.csv").rows
    assert history["epoch"] == [1] and history["val_acc"][0] == metrics["final_val_accuracy"]
    assert metrics["train_seconds"] == round(sum(history["seconds"]), 1)

    meta = io.load_metadata(out / "model.safetensors")
    assert meta["classes"] == [str(d) for d in range(10)] and meta["metrics"] == metrics
    # the progress bar went to stderr with the running loss and accuracy
    assert "epoch 1/1" in stderr and "loss=" in stderr and "acc=" in stderr


def test_report_is_a_plausible_png(mnist_run):
    path = mnist_run[0] / "report.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 30_000 < path.stat().st_size < 2_000_000
    with Image.open(path) as image:
        assert image.size == (1430, 990)  # 13 x 9 inches at 110 dpi
        pixels = np.asarray(image.convert("L"), dtype=np.float64)
    assert pixels.std() > 10  # curves, a confusion matrix and digits, not a blank page


def test_report_write_failure_leaves_the_old_report(tmp_path, monkeypatch):
    from homeml.plot import training_report

    path = tmp_path / "report.png"
    path.write_bytes(b"old report")

    def broken_savefig(self, fname, **kwargs):
        fname.write(b"\x89PNG half")
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken_savefig)
    y = np.array([0, 1, 1, 0])
    history = TrainingHistory([{"epoch": 1, "train_loss": 1.0, "train_acc": 0.5}])
    with pytest.raises(RuntimeError, match="renderer crashed"):
        training_report(path, history, y, y[::-1], np.zeros((4, 28, 28)))
    assert path.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.png"]


def test_evaluate_reproduces_the_test_accuracy(mnist_run):
    out = mnist_run[0]
    code, stdout, stderr = run_cli("evaluate", out, "--data-dir", data_dir())
    assert code == 0, stderr
    result = json.loads(stdout)
    metrics = json.loads((out / "metrics.json").read_text())
    assert result["test_accuracy"] == metrics["test_accuracy"]
    assert result["test_loss"] == pytest.approx(metrics["test_loss"], rel=1e-6)
    assert result["test_size"] == 10_000 and result["dataset"] == "mnist"


# ----------------------------------------------------------------------------- predict


@pytest.fixture(scope="module")
def easy_digit(mnist_run, mnist_test, tmp_path_factory):
    """(label, light-on-dark PNG, dark-on-light PNG): the test digit the model is surest of,
    drawn 4x larger than MNIST's 28x28."""
    x_test, y_test = mnist_test
    net, meta = digits.load_run(mnist_run[0])
    _, eval_tf = digits.make_transforms(meta["mean"], meta["std"], augment=False)
    with hm.no_grad():
        probs = net(eval_tf(hm.tensor(x_test[:200]))).softmax(1).numpy()
    i = int(np.argmax(probs[np.arange(200), y_test[:200]]))
    folder = tmp_path_factory.mktemp("digit")
    big = Image.fromarray(x_test[i]).resize((112, 112), Image.Resampling.BICUBIC)
    big.save(folder / "light.png")
    Image.fromarray(255 - np.asarray(big)).convert("RGB").save(folder / "dark.png")
    return str(y_test[i]), folder / "light.png", folder / "dark.png"


@pytest.mark.parametrize("which", [1, 2], ids=["white-on-black", "black-on-white-rgb"])
def test_predict_names_the_digit(mnist_run, easy_digit, which):
    code, stdout, stderr = run_cli("predict", mnist_run[0], easy_digit[which])
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert lines[0] == easy_digit[0]
    assert len(lines) == 4 and lines[1].split()[0] == easy_digit[0]  # the top 3 with p


def test_python_dash_m_homeml_runs_the_cli(mnist_run, easy_digit):
    done = subprocess.run(
        [sys.executable, "-m", "homeml", "predict", str(mnist_run[0]), str(easy_digit[1])],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == easy_digit[0]


@pytest.fixture
def bad_inputs(mnist_run, tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not an image at all\n")
    blank = tmp_path / "blank.png"
    Image.new("L", (40, 40), 255).save(blank)
    corrupted = tmp_path / "corrupted"
    corrupted.mkdir()
    data = bytearray((mnist_run[0] / "model.safetensors").read_bytes())
    data[-10] ^= 0xFF
    (corrupted / "model.safetensors").write_bytes(bytes(data))
    empty = tmp_path / "empty"
    empty.mkdir()
    return {
        "run": mnist_run[0],
        "missing.png": tmp_path / "missing.png",
        "text": text,
        "blank": blank,
        "corrupted": corrupted,
        "empty": empty,
    }


@pytest.mark.parametrize(
    "run, image, message",
    [
        ("run", "missing.png", "could not read the image.*missing.png"),
        ("run", "text", "could not read the image.*notes.png"),
        ("run", "blank", "blank: no digit stroke"),
        ("empty", "blank", "no model.safetensors in .*empty.*homeml train"),
        ("corrupted", "blank", "corrupted.*checksum"),
    ],
)
def test_predict_errors_are_clear(bad_inputs, run, image, message):
    code, stdout, stderr = run_cli("predict", bad_inputs[run], bad_inputs[image])
    assert code == 1 and stdout == ""
    assert stderr.startswith("homeml: error: ")
    assert len(stderr.splitlines()) == 1 and re.search(message, stderr), stderr


def test_predict_error_in_a_subprocess_has_no_traceback(bad_inputs):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "homeml",
            "predict",
            str(bad_inputs["run"]),
            str(bad_inputs["text"]),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("homeml: error: could not read the image")
    assert "Traceback" not in done.stderr


# ----------------------------------------------------------------------------- resume


def test_resume_continues_an_interrupted_run_exactly(tmp_path, monkeypatch):
    args = ["train", "mnist", "--model", "mlp", "--epochs", 2, "--limit", 500, "--quiet"]
    code, _, stderr = run_cli(*args, "--out", tmp_path / "straight")
    assert code == 0, stderr

    # interrupt the second run while it saves epoch 2's checkpoint (as Ctrl-C would)
    save, calls = io.save_checkpoint, []

    def interrupted_at_epoch_2(path, tree):
        calls.append(tree["epoch"])
        if tree["epoch"] == 2:
            raise KeyboardInterrupt
        save(path, tree)

    monkeypatch.setattr(io, "save_checkpoint", interrupted_at_epoch_2)
    code, stdout, stderr = run_cli(*args, "--out", tmp_path / "split")
    monkeypatch.undo()
    assert calls == [1, 2] and not (tmp_path / "split" / "model.safetensors").exists()
    # one line: where epoch 1 is saved and the command that continues from it
    assert code == 130 and stdout == "" and len(stderr.strip().splitlines()) == 1
    assert f"saved in {tmp_path / 'split' / 'checkpoint.safetensors'}" in stderr
    assert f"homeml train mnist --resume --out {tmp_path / 'split'}" in stderr

    # `--resume` alone takes the run's settings from its run.json
    code, _, stderr = run_cli("train", "mnist", "--out", tmp_path / "split", "--resume", "--quiet")
    assert code == 0, stderr
    straight, split = tmp_path / "straight", tmp_path / "split"
    m1, m2 = (json.loads((d / "metrics.json").read_text()) for d in (straight, split))
    m1.pop("train_seconds"), m2.pop("train_seconds")
    assert m1 == m2 and m2["epochs"] == 2
    h1, h2 = (TrainingHistory.from_json(d / "history.json").rows for d in (straight, split))
    assert [{k: v for k, v in r.items() if k != "seconds"} for r in h1] == [
        {k: v for k, v in r.items() if k != "seconds"} for r in h2
    ]
    w1, w2 = weights(straight / "model.safetensors"), weights(split / "model.safetensors")
    for name in w1:
        np.testing.assert_array_equal(w1[name], w2[name], err_msg=name)


def test_resume_errors_are_clear(mnist_run, tmp_path):
    run = mnist_run[0]
    code, _, stderr = run_cli("train", "mnist", "--out", run, "--resume", "--epochs", 3)
    assert code == 1 and "which has epochs=1, but got epochs=3" in stderr
    code, _, stderr = run_cli("train", "mnist", "--out", run, "--resume", "--model", "cnn")
    assert code == 1 and "which has model='mlp', but got model='cnn'" in stderr
    code, _, stderr = run_cli("train", "fashion-mnist", "--out", run, "--resume")
    assert code == 1 and "dataset='mnist'" in stderr
    code, _, stderr = run_cli("train", "mnist", "--out", tmp_path / "nothing", "--resume")
    assert code == 1 and "nothing to resume in" in stderr and "checkpoint.safetensors" in stderr


# ----------------------------------------------------------------------------- other jobs


def test_fashion_mnist_trains_and_names_its_classes(tmp_path):
    code, stdout, stderr = run_cli(
        "train",
        "fashion-mnist",
        "--model",
        "mlp",
        "--epochs",
        1,
        "--limit",
        2000,
        "--out",
        tmp_path,
        "--quiet",
    )
    assert code == 0, stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["dataset"] == "fashion-mnist" and metrics["test_accuracy"] > 0.5
    meta = io.load_metadata(tmp_path / "model.safetensors")
    assert meta["classes"] == list(FASHION_MNIST_CLASSES)
    assert (meta["mean"], meta["std"]) == (0.2860, 0.3530)
    assert (tmp_path / "report.png").stat().st_size > 30_000


def test_cnn_trains_on_a_tiny_slice(tmp_path, monkeypatch, mnist_test):
    # a small slice of MNIST keeps the CNN's validation and test passes short
    def small_mnist(data_dir=None):
        (x, y), _ = load_mnist(data_dir=data_dir)
        return (x[:1200], y[:1200]), (mnist_test[0][:500], mnist_test[1][:500])

    monkeypatch.setitem(digits.DATASETS["mnist"], "load", small_mnist)
    monkeypatch.setattr(digits, "VALIDATION_SIZE", 200)
    code, stdout, stderr = run_cli(
        "train",
        "mnist",
        "--model",
        "cnn",
        "--epochs",
        1,
        "--limit",
        256,
        "--batch-size",
        64,
        "--out",
        tmp_path,
        "--quiet",
    )
    assert code == 0, stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert (metrics["model"], metrics["augment"], metrics["train_size"]) == ("cnn", True, 256)
    assert 0 <= metrics["test_accuracy"] <= 1 and np.isfinite(metrics["test_loss"])
    net, _ = digits.load_run(tmp_path)
    assert type(net).__name__ == "CNN" and not net.training
    image = tmp_path / "seven.png"
    Image.fromarray(mnist_test[0][0]).save(image)
    code, stdout, _ = run_cli("predict", tmp_path, image)
    assert code == 0 and stdout.splitlines()[0] in [str(d) for d in range(10)]


# ----------------------------------------------------------------------------- preprocessing


def test_prepare_digit_reproduces_mnist_digits(mnist_test):
    """MNIST digits are already fitted to 20x20 and centred by mass: preprocessing them again
    should change (almost) nothing."""
    x_test = mnist_test[0][:200]
    prepared = np.stack([prepare_digit(image) for image in x_test])
    assert prepared.shape == (200, 28, 28) and prepared.dtype == np.float32
    diff = np.abs(prepared - x_test / 255.0).mean(axis=(1, 2))
    assert np.median(diff) < 1e-3  # most come back unchanged (a half-pixel shift gives ~0.06)
    assert diff.mean() < 0.01


def test_prepare_digit_ignores_size_background_and_orientation_tags(mnist_test):
    digit = Image.fromarray(mnist_test[0][0]).resize((84, 84), Image.Resampling.BICUBIC)
    reference = prepare_digit(digit)
    inverted = Image.fromarray(255 - np.asarray(digit))
    np.testing.assert_array_equal(prepare_digit(inverted), reference)
    # a phone-style file stored sideways with an EXIF orientation tag saying how to show it
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buffer = bytes_io.BytesIO()
    digit.transpose(Image.Transpose.ROTATE_90).save(buffer, format="PNG", exif=exif)
    np.testing.assert_array_equal(prepare_digit(buffer.getvalue()), reference)
    # 16-bit grayscale PNG: scaled, not clipped to white
    buffer = bytes_io.BytesIO()
    Image.fromarray(np.asarray(digit).astype(np.uint16) * 257).save(buffer, format="PNG")
    np.testing.assert_array_equal(prepare_digit(buffer.getvalue()), reference)
