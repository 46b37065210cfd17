"""Serving a language model: POST /v1/generate, /v1/model, its 422s and the prompt page (the
page driven in headless Chromium, as the drawing page's tests)."""

from __future__ import annotations

import os
import shutil

import pytest
from fastapi.testclient import TestClient
from support import requires_datasets, serve_process

from homeml.jobs import language
from homeml.jobs.text_generation import MAX_NEW_TOKENS, MAX_PROMPT_CHARS
from homeml.serve import ServedLanguageModel, create_app, load_served

pytestmark = requires_datasets("names", "tinyshakespeare")


@pytest.fixture(scope="module")
def shakespeare_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("shakespeare")
    settings = dict(n_layer=1, n_embd=16, n_head=2, block_size=16, eval_interval=5, eval_iters=1)
    settings.update(warmup_iters=1, lr_decay_iters=5)
    language.train("shakespeare", max_iters=5, out=out, progress=False, overrides=settings)
    return out


@pytest.fixture(scope="module")
def names_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("names")
    settings = dict(n_embd2=16, eval_interval=5, eval_iters=1)
    language.train("names", "mlp", max_iters=5, out=out, progress=False, overrides=settings)
    return out


@pytest.fixture(scope="module")
def client(shakespeare_run):
    return TestClient(create_app(shakespeare_run))


def test_a_run_folder_is_served_as_a_language_model(shakespeare_run, names_run):
    assert isinstance(load_served(shakespeare_run), ServedLanguageModel)
    served = load_served(names_run)
    assert served.example_prompt() == "em"
    answer = served.generate("em", max_new_tokens=30, seed=3)
    # a name stops at its end character, which is not part of the answer
    assert answer["text"].startswith("em") and "." not in answer["text"]


def test_generate_continues_the_prompt_reproducibly(client):
    body = {"prompt": "ROMEO:", "max_new_tokens": 50, "temperature": 0.8, "top_k": 10, "seed": 7}
    first = client.post("/v1/generate", json=body)
    assert first.status_code == 200, first.text
    data = first.json()
    assert data["text"].startswith("ROMEO:") and data["new_characters"] == 50
    assert client.post("/v1/generate", json=body).json() == data
    other = client.post("/v1/generate", json={**body, "seed": 8}).json()
    assert other["text"] != data["text"]


def test_model_info_names_the_vocabulary_and_limits(client):
    info = client.get("/v1/model").json()
    assert info["kind"] == "language-model" and info["class"] == "GPT"
    assert len(info["vocabulary"]) == 65 and info["block_size"] == 16
    assert info["limits"]["max_new_tokens"] == MAX_NEW_TOKENS
    assert "val_loss" in info["metrics"]


@pytest.mark.parametrize(
    "body, words",
    [
        ({"prompt": "héllo"}, "'é'"),
        ({"prompt": ""}, "the prompt is empty"),
        ({"prompt": "a" * (MAX_PROMPT_CHARS + 1)}, f"at most {MAX_PROMPT_CHARS}"),
        ({"prompt": "a", "max_new_tokens": 0}, "max_new_tokens"),
        ({"prompt": "a", "max_new_tokens": MAX_NEW_TOKENS + 1}, "max_new_tokens"),
        ({"prompt": "a", "temperature": 0}, "temperature"),
        ({"prompt": "a", "top_k": 66}, "top_k must be 1 to 65"),
        ({"prompt": "a", "top_k": 0}, "top_k"),
        ({"prompt": 5}, "prompt"),
        ({"text": "a"}, "prompt"),
    ],
)
def test_bad_requests_get_422_naming_the_problem(client, body, words):
    answer = client.post("/v1/generate", json=body)
    assert answer.status_code == 422
    assert words in answer.json()["detail"]


def test_the_page_offers_a_prompt_box_under_a_strict_policy(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<textarea id="prompt"' in page.text and "ROMEO:" in page.text
    assert "script-src 'sha256-" in page.headers["content-security-policy"]


playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
CHROMIUM = os.environ.get("HOMEML_CHROMIUM") or shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="needs a Chromium browser (apt-get install chromium)")
def test_the_page_generates_text_in_a_browser(shakespeare_run):
    with serve_process(shakespeare_run) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page()
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(url)
            page.fill("#prompt", "KING:")
            page.fill("#tokens", "30")
            page.fill("#seed", "1")
            page.click("#go")
            page.wait_for_function("() => document.getElementById('output').textContent.length > 0")
            text = page.text_content("#output")
            assert text.startswith("KING:") and len(text) == 35
            assert page.text_content("#model").startswith("GPT, context 16 characters")
            page.fill("#prompt", "")
            page.fill("#prompt", "~")  # not in tiny shakespeare's vocabulary
            page.click("#go")
            page.wait_for_function("() => document.getElementById('status').textContent.length > 0")
            assert "'~'" in page.text_content("#status")
            assert errors == [] or all("422" in e for e in errors)
        finally:
            browser.close()
