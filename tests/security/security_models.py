"""One model of each family, for the security tests (imported by conftest.py and the tests)."""

from __future__ import annotations

import numpy as np

import homeml as hm
from homeml import nn


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
