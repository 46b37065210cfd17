"""Serving a text classifier: POST /v1/predict with texts, /v1/model, its 422s and the page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from support import requires_datasets

from homeml.jobs import text_classification as tc
from homeml.serve import ServedTextClassifier, create_app, load_served
from homeml.serve._text import MAX_TEXT_CHARS, MAX_TEXTS

pytestmark = requires_datasets("sms-spam-collection")


@pytest.fixture(scope="module", params=["nb", "cnn"])
def run(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("text") / request.param
    if request.param == "nb":
        tc.train("sms-spam", "nb", out=out, limit=300, overrides=dict(alpha=0.3, ngram_max=1))
    else:
        overrides = dict(embed_dim=8, num_filters=4)
        tc.train("sms-spam", "cnn", out=out, limit=200, epochs=1, progress=False,
                 overrides=overrides)  # fmt: skip
    return out


@pytest.fixture(scope="module")
def client(run):
    return TestClient(create_app(run))


def test_a_run_folder_is_served_as_a_text_classifier(run):
    assert isinstance(load_served(run), ServedTextClassifier)


def test_predict_answers_a_label_and_probabilities_per_text(client, run):
    texts = ["WINNER! You won a free prize, call 09061 now", "ok see you at home"]
    answer = client.post("/v1/predict", json={"texts": texts})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    model, metadata = tc.load_text_classifier_run(run)
    expected = tc.predict_texts(model, metadata, texts)
    assert body["labels"] == [e["label"] for e in expected]
    assert body["classes"] == ["ham", "spam"]
    for row, e in zip(body["probabilities"], expected):
        assert row == pytest.approx([e["probabilities"]["ham"], e["probabilities"]["spam"]])


def test_model_info_names_the_classes_and_limits(client):
    info = client.get("/v1/model").json()
    assert info["kind"] == "text-classification" and info["classes"] == ["ham", "spam"]
    assert info["limits"] == {"texts": MAX_TEXTS, "text_characters": MAX_TEXT_CHARS}
    assert "accuracy" in info["metrics"]


@pytest.mark.parametrize(
    "body, words",
    [
        ({"texts": []}, f"1 to {MAX_TEXTS}"),
        ({"texts": ["  "]}, "texts[0] is empty"),
        ({"texts": ["hi", 3]}, "texts[1] is int, not a string"),
        ({"texts": ["a" * (MAX_TEXT_CHARS + 1)]}, f"at most {MAX_TEXT_CHARS}"),
        ({"texts": ["hi"] * (MAX_TEXTS + 1)}, f"at most {MAX_TEXTS}"),
        ({"texts": "hi"}, "valid list"),
        ({"inputs": ["hi"]}, "texts"),
    ],
)
def test_bad_requests_get_422_naming_the_limit(client, body, words):
    answer = client.post("/v1/predict", json=body)
    assert answer.status_code == 422
    assert words in answer.json()["detail"]


def test_the_page_says_what_to_send(client):
    page = client.get("/")
    assert page.status_code == 200 and "/v1/predict" in page.text and "texts" in page.text
