"""The drawing page at `GET /`, driven end to end in headless Chromium (Debian's `chromium`
package, through Playwright for Python; no browser download)."""

from __future__ import annotations

import base64
import io
import math
import os
import shutil

import httpx
import numpy as np
import pytest
from PIL import Image
from support import serve_process, skip_without_datasets

from homeml.jobs import digits

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
CHROMIUM = os.environ.get("HOMEML_CHROMIUM") or shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="needs a Chromium browser: apt-get install chromium (Debian/Ubuntu), or set "
    "HOMEML_CHROMIUM to a Chromium executable",
)

# Strokes in canvas pixels (the pad is 280 x 280), drawn as a person would.
ONE = [[(140, 45), (140, 235)]]
SEVEN = [[(75, 55), (205, 55), (125, 235)]]
ZERO = [[(140 + 60 * math.sin(t), 140 - 90 * math.cos(t)) for t in np.linspace(0, 2 * np.pi, 40)]]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A small MLP trained for one epoch on 10,000 MNIST images (about 91% test accuracy): enough
    to read the clear 1, 7 and 0 the tests draw."""
    skip_without_datasets("mnist")
    out = tmp_path_factory.mktemp("page-run")
    digits.train("mnist", model="mlp", epochs=1, limit=10_000, out=out, progress=False)
    return out


@pytest.fixture(scope="module")
def server(trained_run):
    with serve_process(trained_run / "model.safetensors") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(has_touch=True, viewport={"width": 900, "height": 700})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # the page runs under its Content-Security-Policy: nothing of its own may be blocked
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    page.goto(server + "/")
    page.wait_for_function("() => document.querySelectorAll('#chart .bar').length === 10")
    yield page
    assert errors == [], f"the page raised JavaScript or CSP errors: {errors}"
    context.close()


def _draw_with_mouse(page, strokes):
    box = page.locator("#pad").bounding_box()
    for stroke in strokes:
        (x0, y0), rest = stroke[0], stroke[1:]
        page.mouse.move(box["x"] + x0, box["y"] + y0)
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
        page.mouse.up()


def _settled(page, answers_before):
    """Wait until the page has shown an answer for everything drawn so far."""
    page.wait_for_function(
        f"() => requestsDone > {answers_before} && !busy && !dirty && timer === null",
        timeout=15_000,
    )


def _shown(page):
    prediction = page.locator("#prediction").inner_text()
    probabilities = [
        float(p)
        for p in page.locator("#chart .bar").evaluate_all(
            "bars => bars.map(b => b.dataset.probability)"
        )
    ]
    top = page.evaluate("document.querySelector('#chart .bar.top')?.dataset.label ?? null")
    return prediction, np.array(probabilities), top


def _canvas_png(page) -> bytes:
    data_url = page.evaluate("document.getElementById('pad').toDataURL('image/png')")
    return base64.b64decode(data_url.split(",", 1)[1])


def test_page_is_self_contained(server):
    html = httpx.get(server + "/").text
    assert "<canvas" in html
    # no CDN: every script and style is inline, nothing is fetched from another host
    assert "http://" not in html and "https://" not in html and "src=" not in html


@pytest.mark.parametrize(("strokes", "digit"), [(ONE, "1"), (SEVEN, "7"), (ZERO, "0")])
def test_drawing_shows_the_models_prediction(page, server, trained_run, strokes, digit):
    _draw_with_mouse(page, strokes)
    _settled(page, 0)
    prediction, probabilities, top = _shown(page)
    assert prediction == digit
    assert top == digit
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    # what the page shows is the model's answer for exactly what is on the canvas
    png = _canvas_png(page)
    expected = digits.predict_image(trained_run, io.BytesIO(png))
    assert str(expected["class"]) == prediction
    reference = list(expected["probabilities"].values())
    np.testing.assert_allclose(probabilities, reference, rtol=1e-4, atol=1e-6)


def test_prediction_updates_while_drawing(page):
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + 140, box["y"] + 45)
    page.mouse.down()
    page.mouse.move(box["x"] + 140, box["y"] + 235, steps=20)
    # the button is still down: the answer came from the live updates, not from pointerup
    _settled(page, 0)
    assert page.locator("#prediction").inner_text() == "1"
    page.mouse.up()


def test_clear_empties_the_canvas_and_the_chart(page):
    _draw_with_mouse(page, ONE)
    _settled(page, 0)
    page.click("#clear")
    prediction, probabilities, top = _shown(page)
    assert prediction == "" and top is None
    assert np.all(probabilities == 0)
    pixels = np.asarray(Image.open(io.BytesIO(_canvas_png(page))).convert("L"))
    assert pixels.min() == 255  # all white again
    # and it draws and predicts again afterwards
    answers = page.evaluate("requestsDone")
    _draw_with_mouse(page, SEVEN)
    _settled(page, answers)
    assert page.locator("#prediction").inner_text() == "7"


def test_touch_strokes_draw_too(page):
    """A finger on a touch screen (Chromium's touch events become pointer events)."""
    box = page.locator("#pad").bounding_box()
    cdp = page.context.new_cdp_session(page)
    points = [(box["x"] + 140, box["y"] + y) for y in np.linspace(45, 235, 20)]
    for kind, (x, y) in zip(["touchStart", *["touchMove"] * (len(points) - 2), "touchEnd"], points):
        touch = [] if kind == "touchEnd" else [{"x": float(x), "y": float(y)}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch})
    _settled(page, 0)
    assert page.locator("#prediction").inner_text() == "1"


def test_an_answer_for_a_cleared_drawing_is_not_shown(page):
    """Clear and redraw while a request is out: its late answer (for the old drawing) is
    dropped and the page shows the answer for what is on the canvas now."""
    held, hold = [], [True]

    def route(request_route):
        if hold[0]:
            held.append(request_route)  # answered later, by the test
        else:
            request_route.continue_()

    page.route("**/v1/predict/image", route)
    _draw_with_mouse(page, ONE)
    page.wait_for_function("() => busy")
    page.click("#clear")
    _draw_with_mouse(page, SEVEN)
    answers = page.evaluate("requestsDone")
    held.pop(0).continue_()  # the answer for the cleared "1" arrives now
    page.wait_for_function(f"() => requestsDone > {answers}")
    assert page.locator("#prediction").inner_text() == ""  # ... and is not shown
    hold[0] = False
    for request_route in held:  # the request for the "7", sent when the first returned
        request_route.continue_()
    _settled(page, answers + 1)
    assert page.locator("#prediction").inner_text() == "7"


def test_errors_replace_the_prediction(page):
    _draw_with_mouse(page, ONE)
    _settled(page, 0)
    assert page.locator("#prediction").inner_text() == "1"
    page.route("**/v1/predict/image", lambda r: r.fulfill(status=502, body="<html>Bad gateway"))
    answers = page.evaluate("requestsDone")
    _draw_with_mouse(page, [[(60, 60), (80, 80)]])
    _settled(page, answers)
    prediction, probabilities, top = _shown(page)
    assert prediction == "" and top is None and np.all(probabilities == 0)
    assert page.locator("#status").inner_text() == "error 502 from the server"


def test_a_second_finger_does_not_draw(page):
    box = page.locator("#pad").bounding_box()
    cdp = page.context.new_cdp_session(page)
    for i, y in enumerate(np.linspace(50, 230, 12)):
        kind = "touchStart" if i == 0 else "touchMove"
        fingers = [
            {"x": box["x"] + x, "y": box["y"] + float(y), "id": n} for n, x in enumerate((60, 220))
        ]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": fingers})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    _settled(page, 0)
    pixels = np.asarray(Image.open(io.BytesIO(_canvas_png(page))).convert("L"))
    assert pixels[60:220, 50:70].min() == 0  # the first finger's stroke
    assert pixels[:, 110:170].min() == 255  # nothing drawn between the two fingers
    assert pixels[60:220, 210:230].min() == 255  # and nothing by the second one


def test_the_page_and_the_api_docs_work_offline(browser, server):
    """Every request the page and /docs make goes to the server itself (no CDN)."""
    context = browser.new_context()
    page = context.new_page()
    elsewhere = []

    def only_the_server(request_route):
        if request_route.request.url.startswith(server):
            request_route.continue_()
        else:
            elsewhere.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", only_the_server)
    page.goto(server + "/")
    page.wait_for_function("() => document.querySelectorAll('#chart .bar').length === 10")
    page.goto(server + "/docs")
    page.get_by_text("/v1/predict/image").first.wait_for(timeout=15_000)
    assert elsewhere == []
    context.close()
