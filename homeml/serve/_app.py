"""The FastAPI application: routes, error answers and the request-size limit."""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Annotated

from fastapi import File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from homeml.serve import DEFAULT_MAX_BODY
from homeml.serve._model import InputError, ServedModel
from homeml.serve._schemas import (
    ERROR_ANSWERS,
    ImagePrediction,
    ModelInfo,
    Prediction,
    PredictRequest,
)


class BodyLimit:
    """ASGI middleware: 413 for a body over ``max_body`` bytes, whether it says so in
    Content-Length or not (chunked uploads, or a header that lies)."""

    def __init__(self, app, max_body: int):
        self.app, self.max_body = app, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                return await _answer(send, 400, "invalid Content-Length header")
            if too_big:
                return await _answer(send, 413, self._message())
        # read the whole body (at most max_body bytes) before the app sees it, then replay it
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return await _answer(send, 413, self._message())
            chunks.append(chunk)
            more = message.get("more_body", False)
        body, sent = b"".join(chunks), False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _message(self):
        return f"request body larger than the limit of {self.max_body} bytes"


async def _answer(send, status: int, detail: str):
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# Requests up to this many input numbers (a few MNIST images) are predicted on the event loop,
# bigger ones and images in a worker thread, so that a large request does not stall the others.
_ON_THE_LOOP = 4096


def build_app(served: ServedModel, max_body: int = DEFAULT_MAX_BODY):
    """The FastAPI app serving ``served`` (see :func:`homeml.serve.create_app`)."""
    # FastAPIOffline: /docs and /redoc with Swagger UI and ReDoc served from the package, not a CDN
    app = FastAPIOffline(
        title="homeml model server",
        description=f"Serving a {served.kind} ({type(served.model).__name__}).",
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
        else:
            expected = f'{served.expected()} as JSON {{"inputs": ...}}'
        detail = f"invalid request ({problems}); expected {expected}"
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(InputError)
    def _bad_input(request: Request, error: InputError):
        return JSONResponse(status_code=422, content={"detail": str(error)})

    home_page = _home_page(served)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def home() -> str:
        return home_page

    # `async def` endpoints run on the event loop: a prediction is a millisecond of CPU, and
    # handing each request to the threadpool measured 2.4x slower (benchmarks/bench_serve.py)
    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    @app.get("/v1/model", response_model=ModelInfo)
    async def model_info() -> dict:
        return served.describe()

    @app.post("/v1/predict", response_model=Prediction, response_model_exclude_none=True)
    async def predict(request: PredictRequest) -> dict:
        x = served.to_batch(request.inputs)
        if x.size <= _ON_THE_LOOP:
            return served.predict_array(x)
        return await run_in_threadpool(served.predict_array, x)

    @app.post("/v1/predict/image", response_model=ImagePrediction)
    async def predict_image(
        file: Annotated[UploadFile, File(description="PNG or JPEG of one digit")],
    ):
        if not served.supports_images:
            raise HTTPException(
                status_code=422,
                detail="this model does not take images: only 28x28 image classifiers saved by "
                "`homeml train` (with mean and std in their metadata) do; "
                "use /v1/predict with inputs of " + served.expected().removeprefix("one "),
            )
        return await run_in_threadpool(served.predict_image, await file.read())

    app.add_middleware(BodyLimit, max_body=max_body)
    return app


def _home_page(served: ServedModel) -> str:
    """The drawing page for digit classifiers; a short pointer to the API for other models."""
    if served.supports_images:
        return resources.files("homeml.serve").joinpath("static/draw.html").read_text("utf-8")
    name = html.escape(type(served.model).__name__)
    expected = html.escape(served.expected())
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>homeml · {name}</title></head><body style=\"font-family: system-ui, sans-serif\">"
        f"<h1>homeml model server</h1><p>Serving a {html.escape(served.kind)} ({name}).</p>"
        f"<p>POST JSON <code>{{\"inputs\": [...]}}</code> to <code>/v1/predict</code> with "
        f"{expected}.</p><p>The API is described at <a href=\"docs\">/docs</a>; the model at "
        '<a href="v1/model">/v1/model</a>.</p></body></html>'
    )
