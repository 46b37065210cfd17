"""The routes of an image generator: ``GET /v1/model`` and ``POST /v1/generate/images`` (see
:mod:`homeml.serve._generator`).

(No ``from __future__ import annotations``: FastAPI reads the endpoint's annotations at run time.)
"""

import base64
from typing import Annotated, Literal

from fastapi import Body
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from homeml.jobs._generative import MAX_IMAGES, image_grid, png_bytes
from homeml.serve._generator import ServedGenerator


class ImageRequest(BaseModel):
    # a prompt (a language model's request) or a misspelt field gets 422, not default images
    model_config = ConfigDict(extra="forbid")

    num: int = Field(16, ge=1, le=MAX_IMAGES, description=f"images to draw, 1 to {MAX_IMAGES}")
    label: int | None = Field(
        None, ge=0, description="conditional GANs: the class of every image (default: in turn)"
    )
    seed: int | None = Field(
        None, ge=0, lt=2**63, description="the same seed gives the same images"
    )
    format: Literal["grid", "images"] = Field(
        "grid", description='"grid": one PNG of all images; "images": JSON, a PNG per image'
    )


def generator_routes(app, served: ServedGenerator, example_answer) -> None:
    """``GET /v1/model`` and ``POST /v1/generate/images`` on ``app``."""
    example = {"num": 16, "seed": 1, "format": "grid"}
    if served.num_classes:
        example["label"] = 7

    @app.get(
        "/v1/model",
        summary="What the generator is and what it takes",
        description="The model's class and family (gan or vae), its dataset, classes for "
        "conditional GANs, the request limit and the run's scores.",
        responses=example_answer(served.describe()),
    )
    async def model_info() -> dict:
        return served.describe()

    def draw(request: ImageRequest) -> Response:
        images = served.generate(request.num, label=request.label, seed=request.seed)
        if request.format == "grid":
            return Response(png_bytes(image_grid(images), scale=2), media_type="image/png")
        pngs = [png_bytes(image_grid(image[None], 1, pad=0)) for image in images]
        encoded = [base64.b64encode(png).decode() for png in pngs]
        return JSONResponse({"images": encoded, "label": request.label, "seed": request.seed})

    @app.post(
        "/v1/generate/images",
        summary="Draw images",
        description=f"Send {served.expected()} as JSON. The default answer is one PNG "
        '(image/png) of the images in a grid; `"format": "images"` answers JSON '
        '`{"images": [base64 PNG, ...]}`, one 28x28 PNG per image.',
        responses={200: {"content": {"image/png": {}, "application/json": {}}}},
        response_class=Response,
    )
    async def generate(
        request: Annotated[
            ImageRequest,
            Body(openapi_examples={"a request": {"summary": "a request", "value": example}}),
        ],
    ) -> Response:
        return await run_in_threadpool(draw, request)
