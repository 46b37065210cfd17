"""homeml serve: the FastAPI app (via TestClient) and a real `homeml serve` process."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from support import serve_process, skip_without_datasets

import homeml as hm
import homeml.learn as L
from homeml import nn
from homeml.datasets import load_mnist
from homeml.io import FORMAT_VERSION
from homeml.jobs import digits
from homeml.models import build_model
from homeml.serve import create_app

RNG = np.random.default_rng(0)
X_EST = RNG.normal(size=(60, 3))
Y_EST = np.array(["cat", "dog", "eel"])[(X_EST[:, 0] > 0).astype(int) + (X_EST[:, 1] > 1)]


@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    hm.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    path = tmp_path_factory.mktemp("mlp") / "mlp.safetensors"
    meta = {"classes": ["a", "b", "c"], "metrics": {"test_accuracy": 0.5}}
    hm.save(net, path, metadata=meta)
    return hm.load(path).eval(), path


@pytest.fixture(scope="module")
def estimator(tmp_path_factory):
    pipe = L.Pipeline([("scale", L.StandardScaler()), ("clf", L.LogisticRegression())])
    pipe.fit(X_EST, Y_EST)
    path = tmp_path_factory.mktemp("est") / "est.safetensors"
    hm.save(pipe, path)
    return hm.load(path), path


@pytest.fixture(scope="module")
def digit_run(tmp_path_factory):
    """A `homeml train`-style run folder (random weights) and a PNG of a real MNIST digit."""
    skip_without_datasets("mnist")
    hm.manual_seed(1)
    folder = tmp_path_factory.mktemp("run")
    spec = digits.DATASETS["mnist"]
    meta = {
        "dataset": "mnist",
        "classes": spec["classes"],
        "mean": spec["mean"],
        "std": spec["std"],
        "input_shape": [1, 28, 28],
        "metrics": {"test_accuracy": 0.1},
    }
    hm.save(build_model("mlp"), folder / "model.safetensors", metadata=meta)
    _, (x_test, _) = load_mnist()
    png = folder / "digit.png"
    Image.fromarray(x_test[0]).resize((112, 112), Image.Resampling.BICUBIC).save(png)
    return folder, png


@pytest.fixture(scope="module")
def nn_client(mlp):
    return TestClient(create_app(mlp[1]))


@pytest.fixture(scope="module")
def est_client(estimator):
    return TestClient(create_app(estimator[1]))


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _nn_expected(net, x):
    with hm.no_grad():
        probs = _softmax(net(hm.tensor(np.asarray(x, dtype=np.float32))).numpy())
    return [["a", "b", "c"][i] for i in probs.argmax(1)], probs


def test_health_and_docs(nn_client):
    assert nn_client.get("/health").json() == {"status": "ok"}
    assert nn_client.get("/docs").status_code == 200
    paths = nn_client.get("/openapi.json").json()["paths"]
    assert {"/health", "/v1/model", "/v1/predict", "/v1/predict/image"} <= set(paths)


def test_model_info(nn_client, est_client):
    info = nn_client.get("/v1/model").json()
    assert info["kind"] == "nn" and info["class"] == "Sequential"
    assert info["input_shape"] == [4] and info["classes"] == ["a", "b", "c"]
    assert info["format_version"] == FORMAT_VERSION and info["metrics"] == {"test_accuracy": 0.5}
    assert info["image_input"] is False
    info = est_client.get("/v1/model").json()
    assert info["kind"] == "estimator" and info["class"] == "Pipeline"
    assert info["input_shape"] == [3] and info["classes"] == ["cat", "dog", "eel"]
    assert info["metrics"] is None


def test_predict_nn_single_and_batch(nn_client, mlp):
    x = RNG.normal(size=(5, 4))
    labels, probs = _nn_expected(mlp[0], x)
    body = nn_client.post("/v1/predict", json={"inputs": x[0].tolist()}).json()
    assert body["predictions"] == labels[:1]
    np.testing.assert_allclose(body["probabilities"], probs[:1], rtol=0, atol=1e-6)
    body = nn_client.post("/v1/predict", json={"inputs": x.tolist()}).json()
    assert body["predictions"] == labels
    np.testing.assert_allclose(body["probabilities"], probs, rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.sum(body["probabilities"], axis=1), 1, atol=1e-6)


def test_predict_estimator_single_and_batch(est_client, estimator):
    est, x = estimator[0], RNG.normal(size=(7, 3))
    body = est_client.post("/v1/predict", json={"inputs": x.tolist()}).json()
    assert body["predictions"] == est.predict(x).tolist()
    np.testing.assert_allclose(body["probabilities"], est.predict_proba(x), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.sum(body["probabilities"], axis=1), 1, atol=1e-9)
    body = est_client.post("/v1/predict", json={"inputs": x[3].tolist()}).json()
    assert body["predictions"] == est.predict(x[3:4]).tolist()


def test_regressor_has_no_probabilities(tmp_path):
    X = RNG.normal(size=(30, 2))
    reg = L.LinearRegression().fit(X, X @ [1.0, -2.0])
    hm.save(reg, tmp_path / "reg.safetensors")
    body = TestClient(create_app(tmp_path / "reg.safetensors")).post(
        "/v1/predict", json={"inputs": X[:2].tolist()}
    )
    assert set(body.json()) == {"predictions"}
    np.testing.assert_allclose(body.json()["predictions"], reg.predict(X[:2]), atol=1e-12)


@pytest.mark.parametrize(
    "payload",
    [
        {"inputs": [1.0, 2.0, 3.0, 4.0, 5.0]},  # wrong size
        {"inputs": [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]]},  # ragged
        {"inputs": [[[1.0, 2.0, 3.0, 4.0]]]},  # too many dimensions
        {"inputs": ["a", "b", "c", "d"]},  # wrong type
        {"inputs": ["1", "2", "3", "4"]},  # numbers in strings are strings
        {"inputs": [True, False, True, 1.0]},  # booleans are not numbers
        {"inputs": [1.0, {"x": 1}, 3.0, 4.0]},
        {"inputs": [1.0, None, 3.0, 4.0]},
        {"inputs": [10**400, 2, 3, 4]},  # an integer past float64
        {"inputs": []},  # empty batch
        {"inputs": [[]]},
        {"inputs": 5},  # not a list
        {"samples": [1.0, 2.0, 3.0, 4.0]},  # no inputs
    ],
)
def test_bad_inputs_are_422_naming_the_shape(nn_client, est_client, payload):
    for client, shape in ((nn_client, "[4]"), (est_client, "[3]")):
        response = client.post("/v1/predict", json=payload)
        assert response.status_code == 422, response.text
        assert shape in response.json()["detail"]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_inf_are_422(nn_client, token):
    content = '{"inputs": [1.0, ' + token + ", 3.0, 4.0]}"  # Python's json accepts these
    response = nn_client.post(
        "/v1/predict", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "NaN or infinite" in response.json()["detail"]


def test_outputs_that_overflow_are_422_not_null(nn_client, est_client, tmp_path):
    """Finite inputs can overflow inside a model; the answer must not be NaN (JSON null)."""
    response = nn_client.post("/v1/predict", json={"inputs": [1e39, 1.0, 1.0, 1.0]})
    assert response.status_code == 422 and "range of the model's float32" in response.text
    net = nn.Linear(4, 2)
    with hm.no_grad():
        net.weight.fill_(1e30)
    client = TestClient(create_app(net, metadata={"classes": ["a", "b"]}))
    response = client.post("/v1/predict", json={"inputs": [1e10, 1e10, 1e10, 1e10]})
    assert response.status_code == 422 and "not finite" in response.json()["detail"]
    assert client.post("/v1/predict", json={"inputs": [1e-10, 0, 0, 0]}).status_code == 200
    response = est_client.post("/v1/predict", json={"inputs": [1e308, 1e308, 1e308]})
    assert response.status_code == 422 and "not finite" in response.json()["detail"]
    path = tmp_path / "lr.safetensors"
    hm.save(L.LinearRegression().fit(X_EST, X_EST[:, 0] * 1e300), path)
    response = TestClient(create_app(path)).post("/v1/predict", json={"inputs": [1e10] * 3})
    assert response.status_code == 422 and "not finite" in response.json()["detail"]


def test_not_json_is_422(nn_client):
    response = nn_client.post(
        "/v1/predict", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422 and "[4]" in response.json()["detail"]


def test_body_limit_413(mlp):
    client = TestClient(create_app(mlp[1], max_body=1000))
    big = {"inputs": [[0.5] * 4] * 100}  # about 2 kB
    response = client.post("/v1/predict", json=big)
    assert response.status_code == 413 and "1000 bytes" in response.json()["detail"]

    def chunks():  # no Content-Length: the size is counted as the body arrives
        yield json.dumps(big).encode()

    response = client.post(
        "/v1/predict", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    # still serving, and a small body is fine
    assert client.post("/v1/predict", json={"inputs": [0.1] * 4}).status_code == 200


def test_body_limit_default_is_one_megabyte(nn_client):
    response = nn_client.post(
        "/v1/predict", content=b" " * 1_000_001, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_image_prediction_matches_homeml_predict(digit_run):
    folder, png = digit_run
    expected = digits.predict_image(folder, png)
    client = TestClient(create_app(folder))
    assert client.get("/v1/model").json()["image_input"] is True
    response = client.post(
        "/v1/predict/image", files={"file": ("digit.png", png.read_bytes(), "image/png")}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["prediction"] == expected["class"]
    np.testing.assert_allclose(
        body["probabilities"], list(expected["probabilities"].values()), rtol=0, atol=1e-6
    )
    # a sample of the wrong size through /v1/predict is refused with the expected shapes
    response = client.post("/v1/predict", json={"inputs": [0.0] * 783})
    assert response.status_code == 422
    assert "[1, 28, 28] or [28, 28] or [784]" in response.json()["detail"]


def test_bad_images_are_422(digit_run, nn_client):
    client = TestClient(create_app(digit_run[0]))
    good = digit_run[1].read_bytes()
    for data in (good[: len(good) // 3], b"not an image at all", b""):
        response = client.post("/v1/predict/image", files={"file": ("x.png", data, "image/png")})
        assert response.status_code == 422, response.text
        assert "detail" in response.json()
    blank = io.BytesIO()
    Image.new("L", (28, 28), 0).save(blank, format="PNG")
    response = client.post("/v1/predict/image", files={"file": ("b.png", blank.getvalue())})
    assert response.status_code == 422 and "blank" in response.json()["detail"]
    response = client.post("/v1/predict/image")  # no file
    assert response.status_code == 422 and "in the field 'file'" in response.json()["detail"]
    # a small file that would decode into a huge picture is refused from its header
    huge = io.BytesIO()
    Image.new("1", (5000, 5000), 1).save(huge, format="PNG")
    assert len(huge.getvalue()) < 100_000
    response = client.post("/v1/predict/image", files={"file": ("h.png", huge.getvalue())})
    assert response.status_code == 422 and "5000 x 5000 pixels" in response.json()["detail"]
    # a model that does not take images
    response = nn_client.post("/v1/predict/image", files={"file": ("x.png", good, "image/png")})
    assert response.status_code == 422
    assert "does not take images" in response.json()["detail"]


def test_concurrent_requests(nn_client, mlp):
    xs = RNG.normal(size=(20, 6, 4))

    def ask(x):
        return nn_client.post("/v1/predict", json={"inputs": x.tolist()}).json()

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(ask, xs))
    for x, body in zip(xs, answers):
        labels, probs = _nn_expected(mlp[0], x)
        assert body["predictions"] == labels
        np.testing.assert_allclose(body["probabilities"], probs, rtol=0, atol=1e-6)


def test_create_app_from_a_model_object(mlp):
    client = TestClient(create_app(mlp[0], metadata={"classes": ["a", "b", "c"]}))
    x = RNG.normal(size=(2, 4))
    assert (
        client.post("/v1/predict", json={"inputs": x.tolist()}).json()["predictions"]
        == (_nn_expected(mlp[0], x)[0])
    )


def test_homeml_serve_process(mlp):
    with serve_process(mlp[1]) as url:
        health = httpx.get(f"{url}/health", timeout=2)
        assert health.json() == {"status": "ok"}
        x = RNG.normal(size=(3, 4))
        body = httpx.post(f"{url}/v1/predict", json={"inputs": x.tolist()}, timeout=10).json()
        labels, probs = _nn_expected(mlp[0], x)
        assert body["predictions"] == labels
        np.testing.assert_allclose(body["probabilities"], probs, rtol=0, atol=1e-6)


def test_homeml_serve_with_two_worker_processes(mlp):
    """--workers 2: uvicorn's worker processes each build the app from the saved file."""
    x = RNG.normal(size=(2, 4))
    labels, probs = _nn_expected(mlp[0], x)
    with serve_process(mlp[1], "--workers", 2, startup_s=60) as url:
        with ThreadPoolExecutor(8) as pool:
            bodies = list(
                pool.map(
                    lambda _: httpx.post(
                        f"{url}/v1/predict", json={"inputs": x.tolist()}, timeout=10
                    ).json(),
                    range(40),
                )
            )
    for body in bodies:
        assert body["predictions"] == labels
        np.testing.assert_allclose(body["probabilities"], probs, rtol=0, atol=1e-6)


def test_serve_command_errors(tmp_path, capsys):
    from homeml.cli import main

    with pytest.raises(SystemExit):
        main(["serve", str(tmp_path / "missing")])
    assert "no model file" in capsys.readouterr().err
    (tmp_path / "junk.safetensors").write_bytes(b"definitely not a model")
    with pytest.raises(SystemExit):
        main(["serve", str(tmp_path / "junk.safetensors")])
    assert "junk.safetensors" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["serve", str(tmp_path), "--max-body", "0"])
