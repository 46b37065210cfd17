"""The server's API as people use it: raw pixels in the scale they hold them, documented
operations, security headers, the page's Content-Security-Policy and the last-resort 500."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from fastapi.testclient import TestClient
from support import skip_without_datasets

import homeml as hm
import homeml.learn as L
from homeml import nn, rl
from homeml.jobs import digits
from homeml.models import build_model
from homeml.serve import create_app

X = np.random.default_rng(0).normal(size=(40, 3))
MNIST = digits.DATASETS["mnist"]


def _digit_meta():
    return {
        "dataset": "mnist",
        "classes": MNIST["classes"],
        "mean": MNIST["mean"],
        "std": MNIST["std"],
        "input_shape": [1, 28, 28],
    }


@pytest.fixture(scope="module")
def trained_digits(tmp_path_factory):
    """A small MLP trained on real MNIST, and the first test image (a 7) as 0-255 integers."""
    skip_without_datasets("mnist")
    from homeml.datasets import load_mnist

    out = tmp_path_factory.mktemp("digits")
    digits.train("mnist", model="mlp", epochs=1, limit=6000, out=out, progress=False)
    _, (x_test, y_test) = load_mnist()
    assert int(y_test[0]) == 7
    return out, x_test[0]


@pytest.fixture(scope="module")
def untrained_digits():
    hm.manual_seed(1)
    return TestClient(create_app(build_model("mlp"), metadata=_digit_meta()))


@pytest.fixture(scope="module")
def pipeline_client():
    pipe = L.Pipeline([("scale", L.StandardScaler()), ("clf", L.LogisticRegression())])
    return TestClient(create_app(pipe.fit(X, (X[:, 0] > 0).astype(int))))


# -------------------------------------------------------------------------------- raw pixels


def test_a_real_seven_in_every_scale_and_shape_gives_the_same_answer(trained_digits):
    run, seven = trained_digits
    client = TestClient(create_app(run))
    normalised = (seven / 255.0 - MNIST["mean"]) / MNIST["std"]  # the model's own training input
    net, _ = digits.load_run(run)
    with hm.no_grad():
        logits = net(hm.tensor(normalised.reshape(1, 1, 28, 28).astype(np.float32))).numpy()
    reference = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    assert reference.argmax() == 7  # the trained network reads this 7 correctly
    sent = {
        "0-255": seven.astype(int),
        "0-1": seven / 255.0,
        "normalized": normalised,
    }
    for scale, pixels in sent.items():
        for shape in ((28, 28), (784,), (1, 28, 28)):
            for declared in (scale, None):  # declared, or inferred and stated
                body = {"inputs": pixels.reshape(shape).tolist()}
                if declared:
                    body["scale"] = declared
                answer = client.post("/v1/predict", json=body).json()
                assert answer["predictions"] == ["7"] and answer["scale"] == scale
                np.testing.assert_allclose(answer["probabilities"], reference, atol=1e-6)
    batch = np.stack([seven, seven[::-1]]).astype(int)  # two samples, 28x28 each
    answer = client.post("/v1/predict", json={"inputs": batch.tolist(), "scale": "0-255"}).json()
    assert len(answer["predictions"]) == 2 and answer["predictions"][0] == "7"


def test_a_scale_that_does_not_fit_the_values_is_422(untrained_digits, pipeline_client):
    response = untrained_digits.post(
        "/v1/predict", json={"inputs": [[255] * 28] * 28, "scale": "0-1"}
    )
    assert response.status_code == 422 and "[0, 1]" in response.json()["detail"]
    response = untrained_digits.post(
        "/v1/predict", json={"inputs": [[-1] * 28] * 28, "scale": "0-255"}
    )
    assert response.status_code == 422 and "[0, 255]" in response.json()["detail"]
    response = untrained_digits.post("/v1/predict", json={"inputs": [0] * 784, "scale": "0-100"})
    assert response.status_code == 422 and "scale" in response.json()["detail"]
    # a model without a normalisation takes its inputs as they are
    response = pipeline_client.post("/v1/predict", json={"inputs": [1, 2, 3], "scale": "0-255"})
    assert response.status_code == 422 and "mean and std" in response.json()["detail"]
    response = pipeline_client.post("/v1/predict", json={"inputs": [1, 2, 3]})
    assert response.status_code == 200 and "scale" not in response.json()


def test_the_model_says_what_its_input_is(untrained_digits, pipeline_client):
    info = untrained_digits.get("/v1/model").json()["input"]
    assert info["shape"] == [1, 28, 28] and info["shape_source"] == "metadata"
    assert info["sample_shapes"] == [[1, 28, 28], [28, 28], [784]]
    assert set(info["scales"]) == {"0-255", "0-1", "normalized"}
    assert "0.1307" in info["preprocessing"] and "0.3081" in info["preprocessing"]
    schema = untrained_digits.get("/openapi.json").json()
    text = schema["paths"]["/v1/predict"]["post"]["description"]
    assert "[1, 28, 28] or [28, 28] or [784]" in text and "scale" in text
    scale = schema["components"]["schemas"]["PredictRequest"]["properties"]["scale"]
    assert all(name in str(scale) for name in ("0-255", "0-1", "normalized"))
    info = pipeline_client.get("/v1/model").json()["input"]
    assert info["shape"] == [3] and info["scales"] is None and info["preprocessing"] is None


# ------------------------------------------------------------------------ documented operations


def _agent_client():
    agent = rl.QLearning(seed=0)
    agent.train(rl.make("FrozenLake-v1"), 20, progress=False)
    return TestClient(create_app(agent))


@pytest.mark.parametrize("which", ["network", "pipeline", "digits", "agent"])
def test_every_operation_has_a_summary_a_description_and_examples(
    which, untrained_digits, pipeline_client
):
    client = {
        "network": lambda: TestClient(create_app(nn.Sequential(nn.Linear(4, 2)))),
        "pipeline": lambda: pipeline_client,
        "digits": lambda: untrained_digits,
        "agent": _agent_client,
    }[which]()
    paths = client.get("/openapi.json").json()["paths"]
    for path, methods in paths.items():
        for method, operation in methods.items():
            assert operation.get("summary") and operation.get("description"), (path, method)
            ok = operation["responses"]["200"]["content"]["application/json"]
            assert "example" in ok, (path, method)
            if method == "post" and "application/json" in operation["requestBody"]["content"]:
                examples = operation["requestBody"]["content"]["application/json"]["examples"]
                for example in examples.values():  # each example works as documented
                    response = client.post(path, json=example["value"])
                    assert response.status_code == 200 and response.json() == ok["example"]
    assert "/favicon.ico" not in paths and "/" not in paths
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for answer in ("ErrorAnswer", "ServerError"):  # the error answers show an example too
        assert schemas[answer]["examples"], answer


def test_wording(pipeline_client, untrained_digits):
    text = pipeline_client.get("/openapi.json").json()["info"]["description"]
    assert text.startswith("Serving an estimator (Pipeline).")
    assert "Serving an estimator (Pipeline)" in pipeline_client.get("/").text
    response = pipeline_client.post("/v1/predict/image", files={"file": ("x.png", b"x")})
    detail = response.json()["detail"]
    assert "inputs of sample" not in detail and "one sample of shape [3]" in detail
    assert "Serving a neural network (MLP)" in untrained_digits.get("/openapi.json").text


# --------------------------------------------------------------------------------- headers


def test_every_answer_says_nosniff_and_has_a_request_id(untrained_digits):
    answers = [
        untrained_digits.get("/health"),
        untrained_digits.get("/"),
        untrained_digits.get("/docs"),
        untrained_digits.get("/openapi.json"),
        untrained_digits.get("/nowhere"),
        untrained_digits.post("/v1/predict", json={}),
        untrained_digits.post("/v1/predict", content=b"x" * 2_000_000),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 404, 422, 413]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])
    # a proxy's request id is kept when it is a short token, replaced otherwise
    for given, kept in (("abc-123.x_Y", True), ("a" * 65, False), ("bad id\x01", False)):
        answer = untrained_digits.get("/health", headers={"x-request-id": given})
        assert (answer.headers["x-request-id"] == given) is kept


@pytest.mark.parametrize("which", ["digits", "pipeline"])
def test_the_page_allows_only_its_own_script_and_style(which, untrained_digits, pipeline_client):
    client = untrained_digits if which == "digits" else pipeline_client
    page = client.get("/")
    policy = dict(
        part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    for kind in ("script", "style"):
        blocks = re.findall(rf"<{kind}>(.*?)</{kind}>", page.text, flags=re.S)
        digests = {
            "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
            for b in blocks
        }
        assert set(policy[f"{kind}-src"].split()) == (digests or {"'none'"})
        assert "'unsafe-inline'" not in policy[f"{kind}-src"]
    assert 'style="' not in page.text  # inline style attributes would be blocked


def test_favicon(untrained_digits):
    for path in ("/favicon.svg", "/favicon.ico"):
        icon = untrained_digits.get(path)
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
        assert ET.fromstring(icon.text).tag.endswith("svg")
    assert 'rel="icon" href="favicon.svg"' in untrained_digits.get("/").text


# ------------------------------------------------------------------------ the last resort


def test_an_unexpected_error_is_a_json_500_with_a_request_id(caplog):
    app = create_app(nn.Sequential(nn.Linear(2, 2)))

    def broken(x):
        raise RuntimeError("secret internal state")

    app.state.served.predict_array = broken
    client = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="homeml.serve"):
        response = client.post("/v1/predict", json={"inputs": [1.0, 2.0]})
    assert response.status_code == 500
    body = response.json()
    assert body["request_id"] == response.headers["x-request-id"]
    assert body["request_id"] in body["detail"]
    assert "secret" not in response.text and "Traceback" not in response.text
    record = next(r for r in caplog.records if body["request_id"] in r.getMessage())
    assert "secret internal state" in str(record.exc_info[1])
    assert client.get("/health").status_code == 200  # and the server goes on
