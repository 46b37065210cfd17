"""Serving a translation model: POST /v1/translate, /v1/model, its 422s and the page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from homeml.jobs import translation
from homeml.serve import ServedTranslator, create_app, load_served
from homeml.serve._translation import MAX_TEXT_CHARS, MAX_TEXTS

PAIRS = [("I am happy.", "Je suis content."), ("He is tall.", "Il est grand."),
         ("Go.", "Va !"), ("I see you.", "Je te vois.")] * 5  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("translation")
    path = folder / "pairs.tsv"
    path.write_text("".join(f"{e}\t{f}\n" for e, f in PAIRS), encoding="utf-8")
    settings = dict(hidden_size=16, eval_interval=3, eval_iters=1, batch_size=8)
    translation.train(
        max_iters=3, data_file=path, out=folder / "run", progress=False, overrides=settings
    )
    return folder / "run"


@pytest.fixture(scope="module")
def client(run):
    return TestClient(create_app(run))


def test_a_run_folder_is_served_as_a_translator(run):
    served = load_served(run)
    assert isinstance(served, ServedTranslator)
    assert served.example_text() == "je suis content ."


def test_translate_answers_one_translation_per_text(client, run):
    body = {"texts": ["je suis content .", "il est grand ."], "beam_size": 3}
    answer = client.post("/v1/translate", json=body)
    assert answer.status_code == 200, answer.text
    model, metadata, _, _ = translation.load_translation_run(run)
    expected = translation.translate_texts(model, metadata, body["texts"], beam_size=3)
    assert answer.json() == {"translations": expected}
    assert client.post("/v1/translate", json={"texts": ["va !"]}).status_code == 200


def test_model_info_names_the_direction_and_limits(client):
    info = client.get("/v1/model").json()
    assert info["kind"] == "translation" and info["class"] == "GRUSeq2Seq"
    assert info["direction"] == "fra-eng"
    assert info["limits"] == {"texts": MAX_TEXTS, "text_characters": MAX_TEXT_CHARS,
                              "beam_size": 8}  # fmt: skip
    assert "bleu" in info["metrics"]


@pytest.mark.parametrize(
    "body, words",
    [
        ({"texts": []}, "1 to 32"),
        ({"texts": [""]}, "texts[0] is empty"),
        ({"texts": ["je", 3]}, "valid string"),
        ({"texts": ["a" * (MAX_TEXT_CHARS + 1)]}, f"at most {MAX_TEXT_CHARS}"),
        ({"texts": ["je"] * (MAX_TEXTS + 1)}, f"at most {MAX_TEXTS}"),
        ({"texts": ["je"], "beam_size": 0}, "beam_size must be 1 to 8"),
        ({"texts": ["je"], "beam_size": 9}, "beam_size must be 1 to 8"),
        ({"texts": "je"}, "valid list"),
        ({"texts": ["@@@"]}, "holds no words"),
    ],
)
def test_bad_requests_get_422_naming_the_limit(client, body, words):
    answer = client.post("/v1/translate", json=body)
    assert answer.status_code == 422
    assert words in answer.json()["detail"]


def test_the_page_has_a_text_box_and_its_script_is_allowed(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="text"' in page.text and ">Translate</button>" in page.text
    assert "je suis content ." in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'sha256-" in policy
