"""Model files made in the tests themselves: one of each family, saved once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/support.py

import homeml as hm  # noqa: E402
from homeml import nn  # noqa: E402


def make_network():
    hm.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)).eval()


def make_estimator():
    from homeml.learn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    return LogisticRegression().fit(X, np.array(["a", "b"])[(X[:, 0] > 0).astype(int)])


def make_agent():
    from homeml.rl import QLearning, make

    agent = QLearning(seed=0)
    agent.train(make("FrozenLake-v1"), 5, progress=False)
    return agent


MAKERS = {"network": make_network, "estimator": make_estimator, "agent": make_agent}


@pytest.fixture(scope="session")
def model_files(tmp_path_factory):
    """``{family: (object, path)}`` of freshly saved files (copy before editing one)."""
    folder = tmp_path_factory.mktemp("models")
    files = {}
    for family, make in MAKERS.items():
        obj = make()
        path = folder / f"{family}.safetensors"
        hm.save(obj, path, metadata={"classes": ["a", "b", "c"]})
        files[family] = (obj, path)
    return files
