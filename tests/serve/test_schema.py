"""Generated requests against the server's own OpenAPI schema (schemathesis): whatever a client
sends, valid for the schema or not, the server answers without a 5xx, and its answers conform
to the schema it publishes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

import homeml as hm
import homeml.learn as L
from homeml import nn, rl
from homeml.jobs import digits
from homeml.models import build_model
from homeml.serve import create_app

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def _network(tmp_path):
    hm.manual_seed(0)
    path = tmp_path / "mlp.safetensors"
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    hm.save(net, path, metadata={"classes": ["a", "b", "c"]})
    return path


def _pipeline(tmp_path):
    x = np.random.default_rng(0).normal(size=(40, 3))
    pipe = L.Pipeline([("scale", L.StandardScaler()), ("clf", L.LogisticRegression())])
    path = tmp_path / "pipeline.safetensors"
    hm.save(pipe.fit(x, (x[:, 0] > 0).astype(int)), path)
    return path


def _digit_classifier(tmp_path):
    hm.manual_seed(1)
    spec = digits.DATASETS["mnist"]
    meta = {
        "dataset": "mnist",
        "classes": spec["classes"],
        "mean": spec["mean"],
        "std": spec["std"],
        "input_shape": [1, 28, 28],
    }
    path = tmp_path / "digits.safetensors"
    hm.save(build_model("mlp"), path, metadata=meta)
    return path


def _agent(tmp_path):
    agent = rl.QLearning(seed=0)
    agent.train(rl.make("FrozenLake-v1"), 20, progress=False)
    path = tmp_path / "agent.safetensors"
    hm.save(agent, path, metadata={"env": "FrozenLake-v1"})
    return path


def _schema(make_model):
    # schemathesis builds its tests at collection time, so the models are made at import
    folder = Path(tempfile.mkdtemp(prefix="homeml-schema-"))
    app = create_app(make_model(folder), max_body=64 * 1024)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.generation.update(modes=list(schemathesis.GenerationMode), max_examples=60)
    return schema


network_api = _schema(_network)
pipeline_api = _schema(_pipeline)
digits_api = _schema(_digit_classifier)
agent_api = _schema(_agent)


@network_api.parametrize()
def test_network_server_never_answers_5xx(case):
    case.call_and_validate(checks=CHECKS)


@pipeline_api.parametrize()
def test_pipeline_server_never_answers_5xx(case):
    case.call_and_validate(checks=CHECKS)


@digits_api.parametrize()
def test_digit_server_never_answers_5xx(case):
    case.call_and_validate(checks=CHECKS)


@agent_api.parametrize()
def test_agent_server_never_answers_5xx(case):
    case.call_and_validate(checks=CHECKS)


def test_the_schema_documents_the_error_answers():
    """The 422 answers the server gives are the ones its schema declares."""
    operation = network_api["/v1/predict"]["POST"]
    case = operation.Case(body={"inputs": "not a list"}, media_type="application/json")
    response = case.call()
    assert response.status_code == 422
    case.validate_response(response, checks=[status_code_conformance])
