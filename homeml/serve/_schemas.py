"""Request and response bodies (they also document the API at /docs)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PredictRequest(BaseModel):
    inputs: list[Any] = Field(
        ..., description="one sample (its input shape) or a batch of samples (n first)"
    )


class Prediction(BaseModel):
    predictions: list[Any]
    probabilities: list[list[float]] | None = None


class ImagePrediction(BaseModel):
    prediction: str | int | float
    probabilities: list[float]


class ModelInfo(BaseModel):
    kind: str = Field(..., description="nn or estimator")
    model_class: str = Field(..., alias="class")
    input_shape: list[int] | None = None
    classes: list[Any] | None = None
    format_version: int | None = None
    metrics: dict[str, Any] | None = None
    image_input: bool = False

    model_config = {"populate_by_name": True, "protected_namespaces": ()}


class ErrorAnswer(BaseModel):
    """Every 4xx answer: one sentence naming what was expected and what came."""

    detail: str


ERROR_ANSWERS = {
    400: {"model": ErrorAnswer, "description": "A body that does not parse (HTTP or multipart)"},
    413: {"model": ErrorAnswer, "description": "Request body over the server's limit"},
    422: {"model": ErrorAnswer, "description": "Inputs the model cannot take"},
}
