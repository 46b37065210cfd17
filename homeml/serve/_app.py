"""The FastAPI application: routes, their documentation, error answers and the pages.

(No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at
run time, and those that name per-app examples refer to local variables.)
"""

import base64
import hashlib
import html
import re
import threading
from importlib import resources
from typing import Annotated

import numpy as np
from fastapi import Body, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from homeml.serve import DEFAULT_MAX_BODY
from homeml.serve._images import MAX_ASPECT, MAX_PIXELS, read_digit
from homeml.serve._inputs import InputError
from homeml.serve._middleware import BodyLimit, Guard
from homeml.serve._schemas import (
    ERROR_ANSWERS,
    Action,
    ActRequest,
    AgentInfo,
    ClassifyTextsRequest,
    Generated,
    GenerateRequest,
    Health,
    ImagePrediction,
    LanguageModelInfo,
    ModelInfo,
    Prediction,
    PredictRequest,
    Recommended,
    RecommenderInfo,
    RecommendRequest,
    TextClassifierInfo,
    TextsClassified,
    Translated,
    TranslateRequest,
    TranslatorInfo,
    example_answer,
)

# Requests up to this many input numbers (a few MNIST images) are predicted on the event loop,
# bigger ones and images in a worker thread, so that a large request does not stall the others.
_ON_THE_LOOP = 4096
# Pictures decoded at once; each may take tens of MB while it is decoded, so a burst of uploads
# waits here instead of multiplying the server's memory. (A thread semaphore, taken in the worker
# thread, so that it works whichever event loop a request runs on: TestClient runs several.)
IMAGE_DECODES = 2
_KINDS = {
    "nn": "a neural network",
    "estimator": "an estimator",
    "agent": "a reinforcement-learning agent",
    "language-model": "a language model",
    "translation": "a translation model",
    "image-generator": "an image generator (GAN or VAE)",
    "recommender": "a recommender",
    "text-classification": "a text classifier",
}

FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" '
    'rx="3" fill="#1d4ed8"/><path d="M5 4h6l-4 9" stroke="#fff" stroke-width="2" fill="none"/>'
    "</svg>"
)


def build_app(served, max_body: int = DEFAULT_MAX_BODY, read_timeout: float = 10.0):
    """The FastAPI app serving ``served`` (see :func:`homeml.serve.create_app`)."""
    name = type(served.model).__name__
    # FastAPIOffline: /docs and /redoc with Swagger UI and ReDoc served from the package, not a CDN
    app = FastAPIOffline(
        title="homeml model server",
        description=f"Serving {_KINDS[served.kind]} ({name}). {_what_it_takes(served)}",
        responses=ERROR_ANSWERS,
    )
    app.state.served = served

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, error: RequestValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in error.errors()
        )
        if request.url.path.endswith("/v1/predict/image"):
            expected = "a multipart/form-data upload with a PNG or JPEG in the field 'file'"
        elif served.kind == "agent":
            expected = f'{served.expected()} as JSON {{"observation": ...}}'
        elif served.kind == "language-model":
            expected = f'{served.expected()} as JSON {{"prompt": ...}}, settings in their ranges'
        elif served.kind == "translation":
            expected = f'{served.expected()} as JSON {{"texts": [...], "beam_size": 1}}'
        elif served.kind == "image-generator":
            expected = f"{served.expected()}, as JSON"
        elif served.kind == "recommender":
            expected = f'{served.expected()} as JSON {{"user": ..., "n": 10}}'
        elif served.kind == "text-classification":
            expected = f'{served.expected()} as JSON {{"texts": [...]}}'
        else:
            expected = f'{served.expected()} as JSON {{"inputs": ...}}'
        detail = f"invalid request ({problems}); expected {expected}"
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(InputError)
    def _bad_input(request: Request, error: InputError):
        return JSONResponse(status_code=422, content={"detail": str(error)})

    _pages(app, served)

    # `async def` endpoints run on the event loop: a prediction is a millisecond of CPU, and
    # handing each request to the threadpool measured 2.4x slower (benchmarks/bench_serve.py)
    @app.get(
        "/health",
        response_model=Health,
        summary="Whether the server is up",
        description='Answers `{"status": "ok"}` while the server runs (for load balancers '
        "and orchestrators). The model was checked before the server started.",
        responses=example_answer({"status": "ok"}),
    )
    async def health() -> dict:
        return {"status": "ok"}

    if served.kind == "agent":
        _agent_routes(app, served)
    elif served.kind == "language-model":
        _language_routes(app, served)
    elif served.kind == "translation":
        _translation_routes(app, served)
    elif served.kind == "image-generator":
        from homeml.serve._generator_routes import generator_routes

        generator_routes(app, served, example_answer)
    elif served.kind == "recommender":
        _recommender_routes(app, served)
    elif served.kind == "text-classification":
        _text_routes(app, served)
    else:
        _model_routes(app, served)
    app.add_middleware(BodyLimit, max_body=max_body, read_timeout=read_timeout)
    app.add_middleware(Guard)  # outermost: its headers and its 500 cover everything
    return app


def _what_it_takes(served) -> str:
    if served.kind == "image-generator":
        return f"POST /v1/generate/images takes {served.expected()} and answers PNG images."
    if served.kind == "recommender":
        return f"POST /v1/recommend takes {served.expected()} and answers the top items."
    if served.kind == "text-classification":
        return f"POST /v1/predict takes {served.expected()} and answers labels and probabilities."
    if served.kind == "translation":
        return f"POST /v1/translate takes {served.expected()} and answers the translations."
    if served.kind == "language-model":
        return f"POST /v1/generate takes {served.expected()} and answers its continuation."
    if served.kind == "agent":
        return f"POST /v1/act takes {served.expected()} and answers the greedy action."
    text = f"POST /v1/predict takes {served.expected()}."
    if served.preprocessing is not None:
        text += (
            " Pixels may be sent as 0-255 integers, 0-1 floats or normalised values "
            '(the field "scale"); the model\'s own normalisation is applied.'
        )
    return text


def _model_routes(app, served) -> None:
    sample = _example_sample(served)
    example = {"inputs": sample, **({"scale": "0-255"} if served.preprocessing else {})}
    x, scale = served.to_batch(sample, example.get("scale"))
    answer = served.predict_array(x) | ({"scale": scale} if scale else {})
    request_examples = {"one sample": {"summary": "one sample", "value": example}}

    @app.get(
        "/v1/model",
        response_model=ModelInfo,
        summary="What the model is and what it takes",
        description="The model's kind and class, the input it takes (shape, accepted sample "
        "shapes, scales and preprocessing), its classes, file format and saved metrics.",
        responses=example_answer(served.describe()),
    )
    async def model_info() -> dict:
        return served.describe()

    @app.post(
        "/v1/predict",
        response_model=Prediction,
        response_model_exclude_none=True,
        summary="Predict for one sample or a batch",
        description=f"{_what_it_takes(served)} The answer has one prediction per sample, and "
        "class probabilities for classifiers.",
        responses=example_answer(answer),
    )
    async def predict(
        request: Annotated[PredictRequest, Body(openapi_examples=request_examples)],
    ) -> dict:
        x, scale = served.to_batch(request.inputs, request.scale)
        if x.size <= _ON_THE_LOOP:
            result = served.predict_array(x)
        else:
            result = await run_in_threadpool(served.predict_array, x)
        return result | ({"scale": scale} if scale else {})

    decodes = threading.BoundedSemaphore(IMAGE_DECODES)

    def decode(data: bytes):
        with decodes:
            return read_digit(data)

    classes = served.classes or list(range(10))
    image_answer = {
        "prediction": classes[1 % len(classes)],
        "probabilities": [round(1 / len(classes), 4)] * len(classes),
    }

    @app.post(
        "/v1/predict/image",
        response_model=ImagePrediction,
        summary="Classify a picture of one digit",
        description="Upload a PNG or JPEG of one digit (multipart field `file`, e.g. `curl -F "
        f"file=@digit.png`); it is prepared as MNIST's pictures were (centred, 28x28) and "
        f"classified. Only 28x28 image classifiers saved by `homeml train` take pictures. "
        f"Pictures over {MAX_PIXELS / 1e6:g} megapixels or more than {MAX_ASPECT} times wider "
        "than high (or higher than wide) are refused.",
        responses=example_answer(image_answer),
    )
    async def predict_image(
        file: Annotated[UploadFile, File(description="PNG or JPEG of one digit")],
    ):
        if not served.supports_images:
            raise HTTPException(
                status_code=422,
                detail="this model does not take images: only 28x28 image classifiers saved by "
                "`homeml train` (with mean and std in their metadata) do; "
                "use /v1/predict with " + served.expected(),
            )
        data = await file.read()
        pixels = await run_in_threadpool(decode, data)
        return served.predict_pixels(pixels)


def _example_sample(served) -> list:
    """A sample for the docs: a drawn "1" for digit classifiers, zeros otherwise."""
    if not served.supports_images:
        return np.zeros(served.input_shape).tolist()
    picture = np.zeros((28, 28), dtype=int)
    picture[4:24, 13:15] = 255
    return picture.tolist()


def _agent_routes(app, served) -> None:
    observation = served.example_observation()
    answer = served.act(observation)

    @app.get(
        "/v1/model",
        response_model=AgentInfo,
        summary="What the agent is and what it takes",
        description="The agent's class, the observation space /v1/act checks observations "
        "against, the environment it was trained on and its saved evaluation returns.",
        responses=example_answer(served.describe()),
    )
    async def model_info() -> dict:
        return served.describe()

    @app.post(
        "/v1/act",
        response_model=Action,
        summary="The agent's action for an observation",
        description=f'Send {served.expected()} as JSON `{{"observation": ...}}`; the answer '
        "is the greedy action of the learned policy. Observations outside the space get 422.",
        responses=example_answer(answer),
    )
    async def act(
        request: Annotated[
            ActRequest,
            Body(
                openapi_examples={
                    "an observation": {
                        "summary": "an observation",
                        "value": {"observation": observation},
                    }
                }
            ),
        ],
    ) -> dict:
        return served.act(request.observation)


def _language_routes(app, served) -> None:
    prompt = served.example_prompt()
    example = {"prompt": prompt, "max_new_tokens": 40, "temperature": 0.8, "seed": 1}
    answer = served.generate(prompt, max_new_tokens=40, temperature=0.8, seed=1)
    # one generation at a time: a model keeps its key/value cache while it generates
    lock = threading.Lock()

    @app.get(
        "/v1/model",
        response_model=LanguageModelInfo,
        summary="What the language model is and what it takes",
        description="The model's class, its vocabulary, context length, the request limits "
        "and the run's losses.",
        responses=example_answer(served.describe()),
    )
    async def model_info() -> dict:
        return served.describe()

    def generate(request: GenerateRequest) -> dict:
        with lock:
            return served.generate(
                request.prompt,
                max_new_tokens=request.max_new_tokens,
                temperature=request.temperature,
                top_k=request.top_k,
                seed=request.seed,
            )

    @app.post(
        "/v1/generate",
        response_model=Generated,
        summary="Continue a prompt",
        description=f'Send {served.expected()} as JSON `{{"prompt": ...}}`, with optional '
        "`max_new_tokens`, `temperature`, `top_k` and `seed`. Unknown characters, an empty or "
        "over-long prompt and settings out of range get 422.",
        responses=example_answer(answer),
    )
    async def generate_text(
        request: Annotated[
            GenerateRequest,
            Body(openapi_examples={"a prompt": {"summary": "a prompt", "value": example}}),
        ],
    ) -> dict:
        # generation takes a while: in a worker thread, so other requests are answered meanwhile
        return await run_in_threadpool(generate, request)


def _translation_routes(app, served) -> None:
    text = served.example_text()
    example = {"texts": [text], "beam_size": 1}
    answer = served.translate([text])
    # one translation at a time: the model is used read-only, but its mode is switched to eval
    lock = threading.Lock()

    @app.get(
        "/v1/model",
        response_model=TranslatorInfo,
        summary="What the translation model is and what it takes",
        description="The model's class, its direction, vocabulary sizes, the longest "
        "translation, the request limits and the run's held-out scores.",
        responses=example_answer(served.describe()),
    )
    async def model_info() -> dict:
        return served.describe()

    def translate(request: TranslateRequest) -> dict:
        with lock:
            return served.translate(request.texts, beam_size=request.beam_size)

    @app.post(
        "/v1/translate",
        response_model=Translated,
        summary="Translate sentences",
        description=f'Send {served.expected()} as JSON `{{"texts": [...], "beam_size": 1}}`. '
        "Empty, non-string, over-long or too many texts and a beam size out of range get 422. "
        "Words the model never saw are read as unknown.",
        responses=example_answer(answer),
    )
    async def translate_texts(
        request: Annotated[
            TranslateRequest,
            Body(openapi_examples={"a sentence": {"summary": "a sentence", "value": example}}),
        ],
    ) -> dict:
        # decoding takes a while: in a worker thread, so other requests are answered meanwhile
        return await run_in_threadpool(translate, request)


def _recommender_routes(app, served) -> None:
    user = served.example_user()
    example = {"user": user, "n": 3}
    answer = served.recommend(user, 3)

    @app.get(
        "/v1/model",
        response_model=RecommenderInfo,
        summary="What the recommender is and what it takes",
        description="The algorithm, the numbers of users and items, the request limit and the "
        "run's cross-validated metrics.",
        responses=example_answer(served.describe()),
    )
    async def model_info() -> dict:
        return served.describe()

    @app.post(
        "/v1/recommend",
        response_model=Recommended,
        summary="Top items for a user",
        description=f'Send {served.expected()} as JSON `{{"user": {user}, "n": 10}}`. An unknown '
        "user or an n out of range gets 422 naming it. Items the user rated are left out.",
        responses=example_answer(answer),
    )
    async def recommend(
        request: Annotated[
            RecommendRequest,
            Body(openapi_examples={"a user": {"summary": "a user", "value": example}}),
        ],
    ) -> dict:
        return served.recommend(request.user, request.n)


def _text_routes(app, served) -> None:
    text = served.example_text()
    example = {"texts": [text]}
    answer = served.predict([text])
    # one request at a time: a network is switched to eval mode while it classifies
    lock = threading.Lock()

    @app.get(
        "/v1/model",
        response_model=TextClassifierInfo,
        summary="What the text classifier is and what it takes",
        description="The model's class, its classes, the request limits and the run's test scores.",
        responses=example_answer(served.describe()),
    )
    async def model_info() -> dict:
        return served.describe()

    def classify(request: ClassifyTextsRequest) -> dict:
        with lock:
            return served.predict(request.texts)

    @app.post(
        "/v1/predict",
        response_model=TextsClassified,
        summary="Classify texts",
        description=f'Send {served.expected()} as JSON `{{"texts": [...]}}`. Empty, non-string, '
        "over-long or too many texts get 422 naming the limit.",
        responses=example_answer(answer),
    )
    async def classify_texts(
        request: Annotated[
            ClassifyTextsRequest,
            Body(openapi_examples={"a text": {"summary": "a text", "value": example}}),
        ],
    ) -> dict:
        return await run_in_threadpool(classify, request)


def _pages(app, served) -> None:
    """The page at / (the drawing pad for digit classifiers, a pointer to the API otherwise)
    with a Content-Security-Policy allowing only its own inline script and style, and the
    favicon.
    """
    page = _home_page(served)
    hashes = {
        kind: " ".join(
            f"'sha256-{base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()}'"
            for block in re.findall(rf"<{kind}>(.*?)</{kind}>", page, flags=re.S)
        )
        or "'none'"
        for kind in ("script", "style")
    }
    policy = (
        f"default-src 'self'; script-src {hashes['script']}; style-src {hashes['style']}; "
        "img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def home() -> HTMLResponse:
        return HTMLResponse(page, headers={"content-security-policy": policy})

    @app.get("/favicon.svg", include_in_schema=False)
    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(
            FAVICON, media_type="image/svg+xml", headers={"cache-control": "max-age=86400"}
        )


def _home_page(served) -> str:
    if served.supports_images:
        return resources.files("homeml.serve").joinpath("static/draw.html").read_text("utf-8")
    if served.kind == "translation":
        page = resources.files("homeml.serve").joinpath("static/translate.html").read_text("utf-8")
        return page.replace("{{text}}", html.escape(served.example_text()))
    if served.kind == "language-model":
        page = resources.files("homeml.serve").joinpath("static/generate.html").read_text("utf-8")
        return page.replace("{{prompt}}", html.escape(served.example_prompt()))
    name = html.escape(type(served.model).__name__)
    if served.kind == "image-generator":
        how = (
            '<p>POST JSON <code>{"num": 16, "seed": 1}</code> to <code>/v1/generate/images'
            f"</code> ({html.escape(served.expected())}); the answer is a PNG grid.</p>"
        )
    elif served.kind == "recommender":
        how = (
            f'<p>POST JSON <code>{{"user": ..., "n": 10}}</code> to <code>/v1/recommend</code> '
            f"with {html.escape(served.expected())}.</p>"
        )
    elif served.kind == "agent":
        how = (
            f'<p>POST JSON <code>{{"observation": ...}}</code> to <code>/v1/act</code> '
            f"with {html.escape(served.expected())}.</p>"
        )
    elif served.kind == "text-classification":
        how = (
            f'<p>POST JSON <code>{{"texts": [...]}}</code> to <code>/v1/predict</code> '
            f"with {html.escape(served.expected())}.</p>"
        )
    else:
        how = (
            f'<p>POST JSON <code>{{"inputs": [...]}}</code> to <code>/v1/predict</code> '
            f"with {html.escape(served.expected())}.</p>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<link rel="icon" href="favicon.svg" type="image/svg+xml">'
        f"<title>homeml · {name}</title><style>body {{ font-family: system-ui, sans-serif }}"
        f"</style></head><body><h1>homeml model server</h1><p>Serving {_KINDS[served.kind]} "
        f"({name}).</p>{how}<p>The API is described at "
        '<a href="docs">/docs</a>; the model at <a href="v1/model">/v1/model</a>.</p>'
        "</body></html>"
    )
