"""homeml serve checks its model before it serves: broken models are refused at startup, input
shapes are worked out from the layers, and homeml.rl agents are served at /v1/act."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from support import edit_homeml_info, free_port

import homeml as hm
import homeml.learn as L
from homeml import nn, rl
from homeml.jobs.rl import run as run_rl
from homeml.models import build_model
from homeml.serve import ModelCheckError, create_app

X = np.random.default_rng(0).normal(size=(40, 3))
Y = (X[:, 0] > 0).astype(int)


def _refused(model_or_path, *words, metadata=None):
    with pytest.raises(ValueError) as error:
        create_app(model_or_path, metadata=metadata)
    for word in words:
        assert word in str(error.value)
    return error.value


# ------------------------------------------------------------------------ broken models


def test_classes_shorter_than_the_outputs_are_refused(tmp_path):
    path = tmp_path / "short.safetensors"
    hm.save(nn.Sequential(nn.Linear(4, 3)), path, metadata={"classes": ["a", "b"]})
    error = _refused(path, "3 outputs", "2 classes")
    assert isinstance(error, ModelCheckError)
    hm.save(nn.Sequential(nn.Linear(4, 3)), path, metadata={"classes": ["a", "b", "c"]})
    assert TestClient(create_app(path)).get("/health").status_code == 200


def test_a_bare_module_is_refused(tmp_path):
    _refused(nn.Module(), "Module", metadata={"input_shape": [4]})
    with pytest.raises(TypeError, match="public classes"):  # never written in the first place
        hm.save(nn.Module(), tmp_path / "bare.safetensors")
    path = tmp_path / "bare.safetensors"  # a crafted one: the file format refuses it
    hm.save(nn.Identity(), path, metadata={"input_shape": [4]})
    edit_homeml_info(path, lambda info: info["architecture"].update({"class": "nn.Module"}))
    _refused(path, "nn.Module")


def test_a_tampered_estimator_is_refused(tmp_path):
    broken = L.LogisticRegression().fit(X, Y)
    broken.coef_ = "not an array"
    _refused(broken, "LogisticRegression", "zero input of shape [3]")
    broken = L.LogisticRegression().fit(X, Y)
    broken.coef_ = np.zeros((1, 5))  # five features for a three-feature model
    _refused(broken, "LogisticRegression")
    path = tmp_path / "tampered.safetensors"
    hm.save(L.LogisticRegression().fit(X, Y), path)

    def corrupt(info):  # every number in the stored state becomes a string
        def walk(value):
            if isinstance(value, dict):
                return {k: walk(v) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v) for v in value]
            return "x" if isinstance(value, (int, float)) and not isinstance(value, bool) else value

        info["estimator"] = walk(info["estimator"])

    edit_homeml_info(path, corrupt)
    _refused(path)


def test_non_finite_outputs_and_bad_metadata_are_refused():
    net = nn.Sequential(nn.Linear(2, 2))
    with hm.no_grad():
        net[0].bias.fill_(float("nan"))
    _refused(net, "non-finite outputs")
    _refused(nn.Linear(2, 2), "input_shape", metadata={"input_shape": "2"})
    _refused(nn.Linear(784, 10), "std", metadata={"input_shape": [784], "mean": 0.1, "std": 0})


def test_an_unknown_input_shape_is_refused_with_what_to_do():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU())  # fully convolutional: any size works
    _refused(net, "cannot tell the input shape", "input_shape")
    client = TestClient(create_app(net, metadata={"input_shape": [1, 8, 8]}))
    assert client.post("/v1/predict", json={"inputs": np.zeros((8, 8)).tolist()}).status_code == 200


def test_the_serve_command_refuses_a_broken_model_in_one_line(tmp_path):
    path = tmp_path / "short.safetensors"
    hm.save(nn.Sequential(nn.Linear(4, 3)), path, metadata={"classes": ["a"]})
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    command = [sys.executable, "-m", "homeml.cli", "serve", str(path), "--port", str(free_port())]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1  # it stopped by itself, before listening
    assert done.stderr.startswith("homeml: error:") and len(done.stderr.splitlines()) == 1
    assert "3 outputs but its metadata names 1 class (" in done.stderr


# ------------------------------------------------------------------- inferred input shapes


def _smallest_side_that_runs(model, channels):
    """The reference: the smallest square input the network actually accepts."""
    model.eval()
    for side in range(1, 80):
        try:
            with hm.no_grad():
                model(hm.tensor(np.zeros((1, channels, side, side), dtype=np.float32)))
            return side
        except (ValueError, RuntimeError):
            continue
    return None


@pytest.mark.parametrize("name", ["cnn", "lenet5", "mlp"])
def test_input_shape_is_inferred_from_the_layers(tmp_path, name):
    hm.manual_seed(0)
    model = build_model(name)
    path = tmp_path / f"{name}.safetensors"
    hm.save(model, path)  # no metadata at all
    info = TestClient(create_app(path)).get("/v1/model").json()
    if name == "mlp":
        assert info["input_shape"] == [784]
    else:
        side = _smallest_side_that_runs(hm.load(path), 1)
        assert info["input_shape"] == [1, side, side] == [1, 28, 28]
    assert info["input"]["shape_source"] == "architecture"
    x = np.random.default_rng(1).normal(size=(2, *info["input_shape"]))
    body = TestClient(create_app(path)).post("/v1/predict", json={"inputs": x.tolist()}).json()
    net = hm.load(path).eval()
    with hm.no_grad():
        expected = net(hm.tensor(x.astype(np.float32))).numpy().argmax(1)
    assert body["predictions"] == expected.tolist()


def test_strided_and_padded_convolutions_against_the_reference():
    net = nn.Sequential(
        nn.Conv2d(3, 4, 5, stride=2, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(3, stride=2),
        nn.Conv2d(4, 6, 3, dilation=2),
        nn.MaxPool2d(2, padding=1),
        nn.Flatten(),
        nn.Linear(6 * 3 * 3, 2),
    )
    side = _smallest_side_that_runs(net, 3)
    info = TestClient(create_app(net)).get("/v1/model").json()
    assert info["input_shape"] == [3, side, side]


# ---------------------------------------------------------------------------------- agents


@pytest.fixture(scope="module")
def gymnasium():
    """The reference for observation spaces."""
    return pytest.importorskip("gymnasium", reason="pip install gymnasium (the reference)")


@pytest.fixture(scope="module")
def frozen_lake_agent(tmp_path_factory):
    path = tmp_path_factory.mktemp("agent") / "q.safetensors"
    run_rl("FrozenLake-v1", "q-learning", 300, seed=0, eval_episodes=5, out=path, progress=False)
    return hm.load(path), path


@pytest.fixture(scope="module")
def cartpole_agent(tmp_path_factory):
    path = tmp_path_factory.mktemp("agent") / "reinforce.safetensors"
    run_rl("CartPole-v1", "reinforce", 3, seed=0, eval_episodes=2, out=path, progress=False)
    return hm.load(path), path


def test_a_tabular_agent_answers_its_greedy_actions(frozen_lake_agent, gymnasium):
    agent, path = frozen_lake_agent
    client = TestClient(create_app(path))
    info = client.get("/v1/model").json()
    assert info["kind"] == "agent" and info["class"] == "QLearning"
    assert info["env"] == "FrozenLake-v1" and info["observation"] == {
        "type": "integer",
        "from": 0,
        "to": 15,
    }
    reference = gymnasium.make("FrozenLake-v1").observation_space
    for state in range(16):
        assert reference.contains(state)
        body = client.post("/v1/act", json={"observation": state})
        assert body.status_code == 200 and body.json() == {"action": agent.act(state)}
    for bad in (16, -1, 2.0, True, "3", [3], None):
        response = client.post("/v1/act", json={"observation": bad})
        assert response.status_code == 422, bad
        assert "from 0 to 15" in response.json()["detail"]
    assert client.post("/v1/act", json={}).status_code == 422
    assert "/v1/predict" not in client.get("/openapi.json").json()["paths"]


def test_a_network_agent_checks_observations_against_the_space(cartpole_agent, gymnasium):
    agent, path = cartpole_agent
    client = TestClient(create_app(path))
    reference = gymnasium.make("CartPole-v1").observation_space
    reference.seed(0)
    for observation in [reference.sample() for _ in range(10)] + [np.zeros(4, np.float32)]:
        body = client.post("/v1/act", json={"observation": observation.tolist()})
        assert body.status_code == 200 and body.json()["action"] == agent.act(observation)
    for observation in ([5.0, 0, 0, 0], [0, 0, -0.5, 0], [1e39, 0, 0, 0]):
        assert not reference.contains(np.asarray(observation, dtype=np.float32))
        response = client.post("/v1/act", json={"observation": observation})
        assert response.status_code == 422, observation
        assert "Box" in response.json()["detail"]
    for malformed in ([0, 0, 0], [[0, 0, 0, 0]], [0, 0, 0, "1"], 3, None):
        response = client.post("/v1/act", json={"observation": malformed})
        assert response.status_code == 422, malformed
        assert "(4,)" in response.json()["detail"]


def test_an_agent_object_and_a_bandit(tmp_path):
    env = rl.make("FrozenLake-v1")
    agent = rl.SARSA(seed=0)
    agent.train(env, 50, progress=False)
    client = TestClient(create_app(agent))  # no metadata: the space comes from the table
    assert client.post("/v1/act", json={"observation": 5}).json() == {"action": agent.act(5)}
    bandit = rl.EpsilonGreedy(seed=0)
    bandit.train(rl.make("Bandit-v0"), 5, progress=False)
    path = tmp_path / "bandit.safetensors"
    hm.save(bandit, path)
    _refused(path, "acts without observations")


def test_a_tuple_observation_space(tmp_path, gymnasium):
    path = tmp_path / "blackjack.safetensors"
    run_rl("Blackjack-v1", "mc-on-policy", 200, seed=0, eval_episodes=2, out=path, progress=False)
    agent, client = hm.load(path), TestClient(create_app(path))
    reference = gymnasium.make("Blackjack-v1").observation_space
    reference.seed(0)
    for _ in range(20):
        observation = tuple(int(v) for v in reference.sample())
        body = client.post("/v1/act", json={"observation": list(observation)})
        assert body.status_code == 200 and body.json() == {"action": agent.act(observation)}
    for bad in ([32, 5, 0], [1, 5], [1, 5, 0, 0], 17, [1.5, 5, 0]):
        response = client.post("/v1/act", json={"observation": bad})
        assert response.status_code == 422, bad
    schema = client.get("/openapi.json").json()["paths"]["/v1/act"]["post"]
    example = schema["requestBody"]["content"]["application/json"]["examples"]
    assert next(iter(example.values()))["value"] == {"observation": [0, 0, 0]}


def test_a_dqn_agent(tmp_path):
    path = tmp_path / "dqn.safetensors"
    run_rl("CartPole-v1", "dqn", 2, seed=0, eval_episodes=1, out=path, progress=False)
    agent, client = hm.load(path), TestClient(create_app(path))
    assert client.get("/v1/model").json()["observation"]["shape"] == [4]
    x = [0.1, -0.2, 0.05, 0.3]
    assert client.post("/v1/act", json={"observation": x}).json() == {"action": agent.act(x)}


def test_a_leading_pool_counts_and_other_layers_leave_the_shape_unknown():
    net = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(2, 3, 3), nn.Flatten(), nn.Linear(3 * 4 * 4, 2))
    side = _smallest_side_that_runs(net, 2)
    assert TestClient(create_app(net)).get("/v1/model").json()["input_shape"] == [2, side, side]
    pooled = nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 2)
    )  # any size works: the shape is not fixed
    _refused(pooled, "cannot tell the input shape")
