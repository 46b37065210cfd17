"""Data-parallel training (homeml.distributed.DistributedDataParallel) on a 2-worker
LocalCluster: two replicas with 32 samples each equal one process with batch 64 (float64, to
1e-6 after 20 steps), with Adam, momentum and a per-batch scheduler on the way; a worker killed
mid-run stops the run with a clear error, and the run resumes from its last checkpoint to the same
final parameters."""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest
from support import requires_datasets

distributed = pytest.importorskip("distributed", reason="pip install distributed; CI installs it")

import homeml as hm  # noqa: E402
from homeml import nn, optim  # noqa: E402
from homeml.cli import main  # noqa: E402
from homeml.data import DataLoader, TensorDataset  # noqa: E402
from homeml.distributed import DistributedDataParallel, WorkerLostError  # noqa: E402
from homeml.train import Callback, fit  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.Client(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        c.wait_for_workers(2)
        yield c


def _problem():
    """A float64 MLP, Adam with a per-batch schedule, and 640 shuffled samples (10 batches of 64),
    all seeded: the same every call."""
    hm.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(640, 8))
    y = (x[:, 0] + x[:, 1] ** 2 > 1).astype(np.int64) + (x[:, 2] > 0.5)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 3)).double()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.5)
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    return model, optimizer, scheduler, loader


def _train(data_parallel=None, epochs=2, **kwargs):
    model, optimizer, scheduler, loader = _problem()
    history = fit(
        model,
        optimizer,
        nn.CrossEntropyLoss(),
        loader,
        epochs=epochs,
        scheduler=scheduler,
        scheduler_step="batch",
        progress=False,
        data_parallel=data_parallel,
        **kwargs,
    )
    return model, optimizer, history


def _assert_same(a, b):
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=0, atol=1e-6, err_msg=name)


def test_two_replicas_of_32_equal_one_process_of_64(client):
    one, one_opt, one_history = _train()  # 2 epochs x 10 steps
    ddp = DistributedDataParallel(client)
    assert ddp.world_size == 2
    two, two_opt, two_history = _train(ddp)
    assert ddp.steps == 20
    _assert_same(two, one)
    first = one_opt.state_dict()["state"][0]["exp_avg"]
    np.testing.assert_allclose(two_opt.state_dict()["state"][0]["exp_avg"], first, atol=1e-9)
    for r1, r2 in zip(one_history.rows, two_history.rows):
        assert r2["train_loss"] == pytest.approx(r1["train_loss"], abs=1e-9)
        assert r2["train_acc"] == r1["train_acc"]
        assert r2["lr"] == r1["lr"]
    tree, _, _ = _train(DistributedDataParallel(client, gather_below=1))  # a reduction tree
    _assert_same(tree, one)


class _KillAWorker(Callback):
    """Kill one worker process (SIGKILL) at the given epoch and step."""

    def __init__(self, client, epoch, step):
        self.client, self.epoch, self.step = client, epoch, step

    def on_batch_end(self, run):
        if (run.epoch, run.step) == (self.epoch, self.step):
            pids = self.client.run(os.getpid)
            os.kill(pids[max(pids)], signal.SIGKILL)


def test_a_killed_worker_stops_the_run_and_it_resumes_from_the_checkpoint(client, tmp_path):
    straight, _, _ = _train()
    path = tmp_path / "run.safetensors"
    ddp = DistributedDataParallel(client, poll_seconds=0.2)
    with pytest.raises(WorkerLostError, match="left the cluster.*resume=True"):
        _train(ddp, checkpoint=path, callbacks=[_KillAWorker(client, 2, 3)])
    assert path.exists()  # epoch 1's checkpoint
    client.wait_for_workers(2, timeout=60)  # the nanny starts a fresh worker
    resumed, _, history = _train(DistributedDataParallel(client), checkpoint=path, resume=True)
    assert [row["epoch"] for row in history.rows] == [1, 2]
    _assert_same(resumed, straight)


def test_bad_arguments_are_named(client):
    with pytest.raises(ValueError, match="asked for 5 workers"):
        DistributedDataParallel(client, workers=5)
    with pytest.raises(ValueError, match="running workers"):
        DistributedDataParallel(client, workers=["tcp://nowhere:1"])
    with pytest.raises(ValueError, match="local:N"):
        hm.distributed.connect("local:zero")


@requires_datasets("mnist")
def test_homeml_train_mnist_dask_runs_on_the_cluster(client, tmp_path, capsys):
    """`homeml train mnist --dask tcp://...`: the job on the cluster's replicas."""
    address = client.scheduler.address
    args = ["train", "mnist", "--model", "mlp", "--epochs", "1", "--limit", "512", "--quiet"]
    assert main([*args, "--dask", address, "--out", str(tmp_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["test_accuracy"] > 0.2  # 4 steps of 128: well above chance (0.1)
    assert (tmp_path / "checkpoint.safetensors").exists()
    with pytest.raises(SystemExit):
        main(["train", "names", "--dask", address])
    assert "--dask is for mnist and fashion-mnist" in capsys.readouterr().err
