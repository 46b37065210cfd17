"""The training loop (homeml.train): learning, history files, progress bar, early stopping,
atomic per-epoch checkpoints, exact resume and the NaN/inf guard, on small synthetic problems."""

import csv
import json
import os
import re

import numpy as np
import pytest

import homeml as hm
from homeml import io, nn, optim, train
from homeml.creation import default_generator
from homeml.data import DataLoader, TensorDataset
from homeml.train import (
    Callback,
    Checkpoint,
    EarlyStopping,
    HistoryWriter,
    TrainingHistory,
    evaluate,
    fit,
    format_duration,
)


def blobs(n=240, seed=0):
    """Three Gaussian clusters in 4-d, well separated: (float32 (n, 4), int64 (n,))."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0]], dtype=np.float32)
    x = centres[y] + rng.standard_normal((n, 4)).astype(np.float32)
    return x, y.astype(np.int64)


def setup(seed=0, scheduler_step="epoch", loader_generator=None):
    """A model with dropout, Adam, a scheduler and shuffling loaders, all seeded by ``seed``."""
    hm.manual_seed(seed)
    x, y = blobs()
    model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 3))
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    train_loader = DataLoader(
        TensorDataset(x[:200], y[:200]), batch_size=32, shuffle=True, generator=loader_generator
    )
    if scheduler_step == "epoch":
        scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.8)
    else:
        scheduler = optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=0.05, epochs=4, steps_per_epoch=len(train_loader)
        )
    val_loader = DataLoader(TensorDataset(x[200:], y[200:]), batch_size=20)
    return model, optimizer, scheduler, train_loader, val_loader


def without_seconds(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def test_fit_learns_a_synthetic_problem():
    model, optimizer, scheduler, train_loader, val_loader = setup()
    history = fit(
        model,
        optimizer,
        nn.CrossEntropyLoss(),
        train_loader,
        val_loader,
        epochs=8,
        scheduler=scheduler,
        progress=False,
    )
    assert history["epoch"] == list(range(1, 9))
    assert set(history[0]) == {
        "epoch",
        "train_loss",
        "train_acc",
        "val_loss",
        "val_acc",
        "lr",
        "seconds",
    }
    assert history["train_loss"][-1] < 0.25 < history["train_loss"][0]
    assert history["val_loss"][-1] < 0.25
    assert history["val_acc"][-1] >= 0.95
    assert history["lr"] == pytest.approx([0.02 * 0.8**k for k in range(8)])
    assert model.training  # fit leaves the model in training mode, evaluate restores it


def test_evaluate_matches_a_direct_computation_and_restores_the_mode():
    model, _, _, _, val_loader = setup()
    x, y = blobs()
    model.train()
    metrics = evaluate(model, val_loader, nn.CrossEntropyLoss())
    assert model.training
    model.eval()
    with hm.no_grad():
        out = model(hm.tensor(x[200:]))
    logits = out.numpy().astype(np.float64)
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    assert metrics["loss"] == pytest.approx(-log_p[np.arange(40), y[200:]].mean(), rel=1e-5)
    assert metrics["acc"] == (logits.argmax(1) == y[200:]).mean()


def test_regression_history_has_no_accuracy():
    hm.manual_seed(0)
    x = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
    loader = DataLoader(TensorDataset(x, 3 * x + 1), batch_size=16, shuffle=True)
    model = nn.Linear(1, 1)
    history = fit(
        model,
        optim.SGD(model.parameters(), lr=0.3),
        nn.MSELoss(),
        loader,
        loader,
        epochs=30,
        progress=False,
    )
    assert "train_acc" not in history[0] and "val_acc" not in history[0]
    assert history["val_loss"][-1] < 1e-3


def test_fit_accepts_a_loader_without_len():
    """A generator of batches has no len(); the progress bar must not need one."""
    x, y = blobs(64)
    model = nn.Linear(4, 3)
    batches = ((x[i : i + 16], y[i : i + 16]) for i in range(0, 64, 16))
    history = fit(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(), batches)
    assert len(history) == 1 and 0 <= history[0]["train_acc"] <= 1


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_history_file_is_written_every_epoch_and_reloads(tmp_path, suffix):
    model, optimizer, scheduler, train_loader, val_loader = setup()
    path = tmp_path / f"history{suffix}"
    history = fit(
        model,
        optimizer,
        nn.CrossEntropyLoss(),
        train_loader,
        val_loader,
        epochs=3,
        scheduler=scheduler,
        progress=False,
        history_path=path,
    )
    read = TrainingHistory.from_json if suffix == ".json" else TrainingHistory.from_csv
    loaded = read(path)
    assert loaded.rows == history.rows  # exact: floats are written with repr
    assert isinstance(loaded[0]["epoch"], int) and isinstance(loaded[0]["lr"], float)
    if suffix == ".csv":
        with open(path, newline="") as f:
            header = next(csv.reader(f))
        assert header == [
            "epoch",
            "train_loss",
            "train_acc",
            "val_loss",
            "val_acc",
            "lr",
            "seconds",
        ]
    else:
        assert json.loads(path.read_text()) == history.rows
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary files left


def test_history_methods_round_trip(tmp_path):
    history = TrainingHistory(
        [{"epoch": 1, "loss": 0.5, "note": "warm-up"}, {"epoch": 2, "loss": 0.25}]
    )
    history.to_json(tmp_path / "h.json")
    history.to_csv(tmp_path / "h.csv")
    assert TrainingHistory.from_json(tmp_path / "h.json").rows == history.rows
    from_csv = TrainingHistory.from_csv(tmp_path / "h.csv")
    assert from_csv["loss"] == [0.5, 0.25] and from_csv["note"] == ["warm-up", None]
    assert len(from_csv) == 2 and from_csv[1]["epoch"] == 2
    frame = history.to_pandas()
    assert list(frame.columns) == ["epoch", "loss", "note"] and frame["loss"].tolist() == [
        0.5,
        0.25,
    ]
    assert frame["note"].isna().tolist() == [False, True]


def test_progress_bar_shows_loss_and_accuracy(capsys):
    model, optimizer, _, train_loader, val_loader = setup()
    optimizer.param_groups[0]["lr"] = 1e-5
    fit(model, optimizer, nn.CrossEntropyLoss(), train_loader, val_loader, epochs=2)
    captured = capsys.readouterr()
    assert "epoch 1/2" in captured.err and "epoch 2/2" in captured.err
    assert "loss=" in captured.err and "acc=" in captured.err
    assert "7/7" in captured.err  # 200 samples in batches of 32
    summaries = captured.out.splitlines()
    assert len(summaries) == 2 and summaries[1].startswith("epoch 2  train_loss ")
    assert "val_acc" in summaries[1] and "lr 1e-05" in summaries[1]  # not "lr 0.0000"
    assert re.search(r"  time \d+\.\d s$", summaries[1]), summaries[1]  # not "seconds 0.0312"


def test_progress_false_prints_nothing(capsys):
    model, optimizer, _, train_loader, val_loader = setup()
    fit(model, optimizer, nn.CrossEntropyLoss(), train_loader, val_loader, epochs=2, progress=False)
    assert capsys.readouterr() == ("", "")


# ----------------------------------------------------------------------------- early stopping


def test_early_stopping_rule():
    stopper = EarlyStopping("val_loss", patience=2, min_delta=0.1)
    assert stopper.mode == "min"
    # 0.95 is not better than 1.0 by more than min_delta; 0.5 is
    assert [stopper.update(v, e) for e, v in enumerate([1.0, 0.95, 0.5, 0.45, 0.41], 1)] == [
        False,
        False,
        False,
        False,
        True,
    ]
    assert (stopper.best, stopper.best_epoch) == (0.5, 3)
    assert EarlyStopping("val_acc").mode == "max"
    with pytest.raises(ValueError, match="'min' or 'max'.*'maximum'"):
        EarlyStopping("val_acc", mode="maximum")


def scripted_evaluate(values):
    """Stands in for train.evaluate: the validation metrics of each epoch, in turn."""
    values = iter(values)

    def evaluate(model, loader, loss_fn, transform=None):
        loss, acc = next(values)
        return {"loss": loss, "acc": acc}

    return evaluate


@pytest.mark.parametrize(
    "monitor, stop_epoch, best_epoch",
    [("val_loss", 5, 3), ("val_acc", 4, 2)],
)
def test_early_stopping_stops_at_the_right_epoch(
    tmp_path, monkeypatch, monitor, stop_epoch, best_epoch
):
    # val_loss is best at epoch 3, then worse twice; val_acc is best at epoch 2, then not higher
    script = [(1.0, 0.5), (0.8, 0.9), (0.7, 0.85), (0.75, 0.9), (0.72, 0.6), (0.1, 1.0)]
    monkeypatch.setattr(train, "evaluate", scripted_evaluate(script))
    model, optimizer, _, train_loader, val_loader = setup()
    stopper = EarlyStopping(monitor, patience=2)
    checkpoint = tmp_path / "ckpt.safetensors"
    history = fit(
        model,
        optimizer,
        nn.CrossEntropyLoss(),
        train_loader,
        val_loader,
        epochs=10,
        early_stopping=stopper,
        checkpoint=checkpoint,
        progress=False,
    )
    assert len(history) == stop_epoch
    assert stopper.best_epoch == best_epoch and stopper.should_stop
    # documented: the model keeps the weights of the last epoch trained (not the best one)
    state = io.load_checkpoint(checkpoint)
    assert state["epoch"] == stop_epoch
    assert state["early_stopping"] == stopper.state_dict()
    for name, tensor in model.state_dict().items():
        np.testing.assert_array_equal(tensor.numpy(), state["model"][name])

    # resuming a run that early stopping ended trains no further, like the uninterrupted run
    model2, optimizer2, _, train_loader2, val_loader2 = setup(seed=1)
    again = fit(
        model2,
        optimizer2,
        nn.CrossEntropyLoss(),
        train_loader2,
        val_loader2,
        epochs=10,
        early_stopping=EarlyStopping(monitor, patience=2),
        checkpoint=checkpoint,
        resume=True,
        progress=False,
    )
    assert again.rows == history.rows
    for name, tensor in model2.state_dict().items():
        np.testing.assert_array_equal(tensor.numpy(), state["model"][name])


def test_early_stopping_on_a_missing_metric_names_the_metrics():
    model, optimizer, _, train_loader, _ = setup()
    with pytest.raises(KeyError, match="'val_loss'.*'train_loss'"):
        fit(
            model,
            optimizer,
            nn.CrossEntropyLoss(),
            train_loader,
            epochs=2,
            early_stopping=EarlyStopping("val_loss"),
            progress=False,
        )


# ----------------------------------------------------------------------------- checkpoints


def test_a_checkpoint_is_written_atomically_every_epoch(tmp_path, monkeypatch):
    checkpoint = tmp_path / "ckpt.safetensors"
    seen = []
    save = io.save_checkpoint

    def spy(path, tree):
        save(path, tree)
        seen.append((io.load_checkpoint(path)["epoch"], sorted(p.name for p in tmp_path.iterdir())))

    monkeypatch.setattr(io, "save_checkpoint", spy)
    model, optimizer, scheduler, train_loader, val_loader = setup()
    fit(
        model,
        optimizer,
        nn.CrossEntropyLoss(),
        train_loader,
        val_loader,
        epochs=3,
        scheduler=scheduler,
        checkpoint=checkpoint,
        progress=False,
    )
    assert seen == [(e, ["ckpt.safetensors"]) for e in (1, 2, 3)]


def test_a_failed_checkpoint_write_leaves_the_previous_one_intact(tmp_path, monkeypatch):
    checkpoint = tmp_path / "ckpt.safetensors"
    model, optimizer, scheduler, train_loader, val_loader = setup()
    fit(
        model,
        optimizer,
        nn.CrossEntropyLoss(),
        train_loader,
        val_loader,
        epochs=1,
        scheduler=scheduler,
        checkpoint=checkpoint,
        progress=False,
    )
    before = checkpoint.read_bytes()

    def disk_full(fd):  # the bytes went into the temporary file; flushing them fails
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        fit(
            model,
            optimizer,
            nn.CrossEntropyLoss(),
            train_loader,
            val_loader,
            epochs=2,
            scheduler=scheduler,
            checkpoint=checkpoint,
            resume=True,
            progress=False,
        )
    monkeypatch.undo()
    assert checkpoint.read_bytes() == before
    assert io.load_checkpoint(checkpoint)["epoch"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]


@pytest.mark.parametrize("scheduler_step", ["epoch", "batch"])
@pytest.mark.parametrize("own_generator", [False, True], ids=["default-gen", "loader-gen"])
def test_resume_continues_exactly_like_an_uninterrupted_run(
    tmp_path, scheduler_step, own_generator
):
    """4 epochs straight == 2 epochs, then a fresh process-like setup resuming for 2 more."""

    def run(epochs, checkpoint, resume=False, seed=0):
        gen = hm.Generator(7) if own_generator else None
        model, optimizer, scheduler, train_loader, val_loader = setup(
            seed, scheduler_step, loader_generator=gen
        )
        history = fit(
            model,
            optimizer,
            nn.CrossEntropyLoss(),
            train_loader,
            val_loader,
            epochs=epochs,
            scheduler=scheduler,
            scheduler_step=scheduler_step,
            checkpoint=checkpoint,
            resume=resume,
            progress=False,
            generators=[gen] if own_generator else (),
        )
        rngs = [g.rng.bit_generator.state for g in (default_generator, gen) if g]
        return model, optimizer, scheduler, history, rngs

    straight = run(4, tmp_path / "straight.safetensors")
    run(2, tmp_path / "split.safetensors")
    # a different seed: everything that matters must come from the checkpoint
    resumed = run(4, tmp_path / "split.safetensors", resume=True, seed=123)

    (m1, o1, s1, h1, r1), (m2, o2, s2, h2, r2) = straight, resumed
    assert without_seconds(h1.rows) == without_seconds(h2.rows)
    assert len(h2) == 4
    for (k1, t1), (k2, t2) in zip(m1.state_dict().items(), m2.state_dict().items()):
        assert k1 == k2
        np.testing.assert_array_equal(t1.numpy(), t2.numpy(), err_msg=k1)
    st1, st2 = o1.state_dict(), o2.state_dict()
    assert st1["param_groups"] == st2["param_groups"]
    assert st1["state"].keys() == st2["state"].keys()
    for index in st1["state"]:
        for name, value in st1["state"][index].items():
            np.testing.assert_array_equal(value, st2["state"][index][name], err_msg=name)
    assert s1.state_dict() == s2.state_dict()
    assert r1 == r2  # the random streams end in the same place, ready for epoch 5


def test_resume_refuses_a_checkpoint_with_other_generators(tmp_path):
    checkpoint = tmp_path / "ckpt.safetensors"
    gen = hm.Generator(3)
    model, optimizer, _, train_loader, _ = setup(loader_generator=gen)
    fit(
        model,
        optimizer,
        nn.CrossEntropyLoss(),
        train_loader,
        epochs=1,
        checkpoint=checkpoint,
        generators=[gen],
        progress=False,
    )
    with pytest.raises(ValueError, match="holds 2 generator states.*has 1"):
        fit(
            model,
            optimizer,
            nn.CrossEntropyLoss(),
            train_loader,
            epochs=2,
            checkpoint=checkpoint,
            resume=True,
            progress=False,
        )
    with pytest.raises(ValueError, match="checkpoint= path"):
        fit(model, optimizer, nn.CrossEntropyLoss(), train_loader, epochs=2, resume=True)


# ----------------------------------------------------------------------------- non-finite loss


class PoisonedLoader:
    """Batches of ``x, y``; from ``epoch`` on, batch ``step`` gets ``bad`` in its inputs."""

    def __init__(self, x, y, bad, epoch, step, batch_size=16):
        self.x, self.y, self.bad, self.batch_size = x, y, bad, batch_size
        self.poison_epoch, self.poison_step, self.epoch = epoch, step, 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __iter__(self):
        self.epoch += 1
        for step, start in enumerate(range(0, len(self.x), self.batch_size), start=1):
            x = self.x[start : start + self.batch_size].copy()
            if (self.epoch, step) == (self.poison_epoch, self.poison_step):
                x[0, 0] = self.bad
            yield x, self.y[start : start + self.batch_size]


@pytest.mark.parametrize("bad, shown", [(np.nan, "nan"), (np.inf, "inf")])
def test_a_non_finite_loss_stops_training_naming_epoch_and_step(tmp_path, bad, shown):
    x = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
    loader = PoisonedLoader(x, 2 * x, bad, epoch=2, step=3)
    model = nn.Linear(1, 1)
    checkpoint = tmp_path / "ckpt.safetensors"
    with pytest.raises(FloatingPointError, match=rf"became {shown} at epoch 2, step 3"):
        fit(
            model,
            optim.SGD(model.parameters(), lr=0.1),
            nn.MSELoss(),
            loader,
            epochs=3,
            checkpoint=checkpoint,
            progress=False,
        )
    assert io.load_checkpoint(checkpoint)["epoch"] == 1  # the last good epoch is kept
    assert all(np.isfinite(p.numpy()).all() for p in model.parameters())  # no step was taken


def test_invalid_scheduler_step_is_rejected():
    model, optimizer, scheduler, train_loader, _ = setup()
    with pytest.raises(ValueError, match="'epoch' or 'batch', got 'step'"):
        fit(
            model,
            optimizer,
            nn.CrossEntropyLoss(),
            train_loader,
            scheduler=scheduler,
            scheduler_step="step",
        )


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0.43, "0.4 s"),
        (37.4, "37 s"),
        (516.634, "8 min 37 s"),
        (59.7, "1 min 0 s"),
        (7530.0, "2 h 5 min"),
    ],
)
def test_durations_read_as_minutes_and_seconds(seconds, text):
    assert format_duration(seconds) == text


# ----------------------------------------------------------------------------- output folders


class CountingLoader:
    """A loader that counts how many batches were asked of it."""

    def __init__(self, loader):
        self.loader, self.batches = loader, 0

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for batch in self.loader:
            self.batches += 1
            yield batch


@pytest.mark.parametrize("output", ["checkpoint", "history_path"])
def test_an_output_under_a_file_fails_before_the_first_epoch(tmp_path, output):
    # regression: the error came only after epoch 1, naming a temporary file
    (tmp_path / "taken").write_text("a file, not a folder")
    model, optimizer, scheduler, train_loader, val_loader = setup()
    loader = CountingLoader(train_loader)
    target = tmp_path / "taken" / "run" / "out.json"
    with pytest.raises(NotADirectoryError, match=r"taken is a file, not a folder"):
        fit(
            model,
            optimizer,
            nn.CrossEntropyLoss(),
            loader,
            val_loader,
            epochs=1,
            progress=False,
            **{output: target},
        )
    assert loader.batches == 0


def test_an_unwritable_output_folder_fails_before_the_first_epoch():
    # sysfs takes no new files, even from root (chmod cannot show this to root)
    model, optimizer, scheduler, train_loader, val_loader = setup()
    loader = CountingLoader(train_loader)
    with pytest.raises(OSError, match="cannot write in /sys/kernel"):
        fit(
            model,
            optimizer,
            nn.CrossEntropyLoss(),
            loader,
            val_loader,
            epochs=1,
            progress=False,
            checkpoint="/sys/kernel/ckpt.safetensors",
        )
    assert loader.batches == 0


# ----------------------------------------------------------------------------- callbacks


class Recorder(Callback):
    """Notes every hook call: (hook, epoch, step)."""

    def __init__(self):
        self.calls = []

    def on_train_begin(self, run):
        self.calls.append(("train_begin", run.epoch, run.step))

    def on_epoch_begin(self, run):
        self.calls.append(("epoch_begin", run.epoch, run.step))

    def on_batch_end(self, run):
        self.calls.append(("batch_end", run.epoch, run.step))

    def on_epoch_end(self, run):
        self.calls.append(("epoch_end", run.epoch, len(run.history)))

    def on_train_end(self, run):
        self.calls.append(("train_end", run.epoch, len(run.history)))


def test_callbacks_see_every_hook_in_order():
    model, optimizer, _, train_loader, val_loader = setup()
    recorder = Recorder()
    fit(
        model,
        optimizer,
        nn.CrossEntropyLoss(),
        train_loader,
        val_loader,
        epochs=2,
        progress=False,
        callbacks=[recorder],
    )
    steps = len(train_loader)
    expected = [("train_begin", 0, 0)]
    for epoch in (1, 2):
        expected.append(("epoch_begin", epoch, 0 if epoch == 1 else steps))
        expected += [("batch_end", epoch, step) for step in range(1, steps + 1)]
        expected.append(("epoch_end", epoch, epoch))
    expected.append(("train_end", 2, 2))
    assert recorder.calls == expected


def test_a_callback_stops_training_and_callback_objects_match_the_arguments(tmp_path):
    class StopAfter(Callback):
        def on_epoch_end(self, run):
            run.stop = run.epoch == 2

    def train(seed, **kwargs):
        model, optimizer, scheduler, train_loader, val_loader = setup(seed)
        history = fit(
            model,
            optimizer,
            nn.CrossEntropyLoss(),
            train_loader,
            val_loader,
            epochs=5,
            scheduler=scheduler,
            progress=False,
            **kwargs,
        )
        return model, history

    _, stopped = train(0, callbacks=[StopAfter()])
    assert len(stopped) == 2
    # the same run, with callback objects in place of fit's keyword arguments
    by_args, by_callbacks = tmp_path / "args", tmp_path / "callbacks"
    m1, h1 = train(
        0,
        checkpoint=by_args / "ckpt.safetensors",
        history_path=by_args / "history.json",
        early_stopping=EarlyStopping("val_acc", patience=1),
    )
    m2, h2 = train(
        0,
        callbacks=[
            EarlyStopping("val_acc", patience=1),
            Checkpoint(by_callbacks / "ckpt.safetensors"),
            HistoryWriter(by_callbacks / "history.json"),
        ],
    )
    assert without_seconds(h1.rows) == without_seconds(h2.rows)
    one, two = (io.load_checkpoint(d / "ckpt.safetensors") for d in (by_args, by_callbacks))
    assert one["early_stopping"] == two["early_stopping"] is not None
    assert one["epoch"] == two["epoch"] == len(h1)
    for name, tensor in m1.state_dict().items():
        np.testing.assert_array_equal(tensor.numpy(), m2.state_dict()[name].numpy())


def test_the_progress_bar_prints_one_line_per_epoch(capsys):
    model, optimizer, _, train_loader, val_loader = setup()
    fit(model, optimizer, nn.CrossEntropyLoss(), train_loader, val_loader, epochs=2)
    out = capsys.readouterr()
    lines = [line for line in (out.out + out.err).splitlines() if line.startswith("epoch ")]
    lines = [line for line in lines if "train_loss" in line]
    assert len(lines) == 2
    assert re.match(r"epoch 1  train_loss \d\.\d{4}  train_acc \d\.\d{4}  val_loss", lines[0])
    assert "time " in lines[1]
