"""Request and response bodies (they also document the API at /docs)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from homeml.jobs.text_generation import MAX_NEW_TOKENS, MAX_TEMPERATURE

Scale = Literal["0-255", "0-1", "normalized"]


class PredictRequest(BaseModel):
    inputs: list[Any] = Field(
        ..., description="one sample (its input shape) or a batch of samples (n first)"
    )
    scale: Scale | None = Field(
        None,
        description="for models saved with their normalisation (mean, std): how the values are "
        "given. 0-255: pixels as in a PNG; 0-1: pixels divided by 255; normalized: already "
        "(x - mean) / std. Left out, it is inferred and stated in the answer",
    )


class Prediction(BaseModel):
    predictions: list[Any] = Field(..., description="one label (or value) per sample")
    probabilities: list[list[float]] | None = Field(
        None, description="one row per sample, one column per class (classifiers only)"
    )
    scale: Scale | None = Field(
        None, description="how the inputs were read (models with a normalisation only)"
    )


class ImagePrediction(BaseModel):
    prediction: str | int | float
    probabilities: list[float]


class ActRequest(BaseModel):
    observation: Any = Field(..., description="one observation of the agent's space")


class Action(BaseModel):
    action: int = Field(..., description="the greedy action of the learned policy")


class Health(BaseModel):
    status: Literal["ok"]


class InputInfo(BaseModel):
    shape: list[int] = Field(..., description="the shape of one sample as the model takes it")
    shape_source: str | None = Field(
        None, description="where the shape comes from: metadata, architecture or estimator"
    )
    sample_shapes: list[list[int]] = Field(..., description="shapes one sample may be sent in")
    dtype: str
    scales: dict[str, str] | None = Field(
        None, description="the values of 'scale' this model accepts (None: inputs as they are)"
    )
    preprocessing: str | None = None


class ModelInfo(BaseModel):
    kind: Literal["nn", "estimator"]
    model_class: str = Field(..., alias="class")
    input_shape: list[int]
    input: InputInfo
    classes: list[Any] | None = None
    format_version: int | None = None
    metrics: dict[str, Any] | None = None
    image_input: bool = False

    model_config = {"populate_by_name": True, "protected_namespaces": ()}


class AgentInfo(BaseModel):
    kind: Literal["agent"]
    model_class: str = Field(..., alias="class")
    observation_space: str
    observation: dict[str, Any] = Field(..., description="what /v1/act takes")
    env: str | None = Field(None, description="the environment it was trained on")
    format_version: int | None = None
    metrics: dict[str, Any] | None = None

    model_config = {"populate_by_name": True, "protected_namespaces": ()}


class GenerateRequest(BaseModel):
    prompt: str = Field(..., description="the text to continue (characters of the vocabulary)")
    max_new_tokens: int | None = Field(
        None,
        ge=1,
        le=MAX_NEW_TOKENS,
        description="characters to generate (names stop at their end); default 30 for names, "
        "500 for running text",
    )
    temperature: float = Field(
        1.0, gt=0, le=MAX_TEMPERATURE, description="below 1 sharper, above 1 more varied"
    )
    top_k: int | None = Field(
        None, ge=1, description="sample among the top_k likeliest characters only"
    )
    seed: int | None = Field(None, description="the same seed gives the same text")


class Generated(BaseModel):
    text: str = Field(..., description="the prompt and its continuation")
    prompt: str
    new_characters: int


class LanguageModelInfo(BaseModel):
    kind: Literal["language-model"]
    model_class: str = Field(..., alias="class")
    vocabulary: str
    block_size: int
    boundary: str | None = Field(None, description="the character that ends a sample (names)")
    format_version: int | None = None
    limits: dict[str, float]
    metrics: dict[str, Any] | None = None

    model_config = {"populate_by_name": True, "protected_namespaces": ()}


class TranslateRequest(BaseModel):
    texts: list[str] = Field(
        ...,
        description="1 to 32 sentences in the model's source language, each 1 to 200 characters",
    )
    beam_size: int = Field(1, description="1 (greedy) to 8: hypotheses kept by beam search")


class Translated(BaseModel):
    translations: list[str] = Field(..., description="one translation per text, in order")


class TranslatorInfo(BaseModel):
    kind: Literal["translation"]
    model_class: str = Field(..., alias="class")
    direction: str = Field(..., description="source-target languages, e.g. fra-eng")
    source_vocabulary_size: int
    target_vocabulary_size: int
    max_len: int = Field(..., description="the most words a translation gets")
    format_version: int | None = None
    limits: dict[str, int]
    metrics: dict[str, Any] | None = None

    model_config = {"populate_by_name": True, "protected_namespaces": ()}


class ClassifyTextsRequest(BaseModel):
    texts: list[Any] = Field(..., description="1 to 64 texts (strings), each 1 to 1,000 characters")


class TextsClassified(BaseModel):
    labels: list[str] = Field(..., description="one predicted class per text, in order")
    probabilities: list[list[float]] = Field(
        ..., description="one row per text, one column per class (in the order of classes)"
    )
    classes: list[str]


class TextClassifierInfo(BaseModel):
    kind: Literal["text-classification"]
    model_class: str = Field(..., alias="class")
    classes: list[str]
    vocabulary_size: int | None = Field(None, description="networks: the words they know")
    format_version: int | None = None
    limits: dict[str, int]
    metrics: dict[str, Any] | None = None

    model_config = {"populate_by_name": True, "protected_namespaces": ()}


class ErrorAnswer(BaseModel):
    """Every 4xx answer: one sentence naming what was expected and what came."""

    detail: str

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "detail": (
                        "inputs have shape [3]; expected one sample of shape [4], "
                        "or a batch of them (shape [n, 4])"
                    ),
                }
            ]
        }
    }


class ServerError(BaseModel):
    """A 500: a bug, logged by the server under this request id (the answer's X-Request-ID)."""

    detail: str
    request_id: str

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "detail": (
                        "internal server error (request id 3f2a9c0d5b6e4f7a8b9c0d1e2f3a4b5c); "
                        "the server's log has details"
                    ),
                    "request_id": "3f2a9c0d5b6e4f7a8b9c0d1e2f3a4b5c",
                }
            ]
        }
    }


ERROR_ANSWERS = {
    400: {"model": ErrorAnswer, "description": "A body that does not parse (HTTP or multipart)"},
    408: {"model": ErrorAnswer, "description": "Request body not received in time"},
    413: {"model": ErrorAnswer, "description": "Request body over the server's limit"},
    422: {"model": ErrorAnswer, "description": "Inputs the model cannot take"},
    500: {"model": ServerError, "description": "A server bug (logged under the request id)"},
}


def example_answer(example) -> dict:
    """A 200 answer's OpenAPI entry with an example."""
    return {200: {"content": {"application/json": {"example": example}}}}


class RecommendRequest(BaseModel):
    user: int = Field(..., description="a user id of the run's ratings (MovieLens's user_id)")
    n: int = Field(10, description="how many items, 1 to 100 (and at most the unrated ones)")


class RecommendedItem(BaseModel):
    item: int = Field(..., description="the item id (MovieLens's item_id)")
    title: str
    score: float = Field(
        ..., description="the predicted rating (explicit models) or the ranking score"
    )


class Recommended(BaseModel):
    user: int
    items: list[RecommendedItem] = Field(..., description="best first; rated items left out")


class RecommenderInfo(BaseModel):
    kind: Literal["recommender"]
    model_class: str = Field(..., alias="class")
    algo: str
    users: int
    items: int
    format_version: int | None = None
    limits: dict[str, int]
    metrics: dict[str, Any] | None = None

    model_config = {"populate_by_name": True, "protected_namespaces": ()}
