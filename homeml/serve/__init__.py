"""Serve a saved homeml model over HTTP (FastAPI on uvicorn): ``homeml serve PATH``.

Endpoints: ``GET /health``, ``GET /v1/model``, ``POST /v1/predict`` (JSON inputs),
``POST /v1/predict/image`` (an uploaded digit picture) for networks and estimators,
``POST /v1/act`` (an observation) for reinforcement-learning agents, ``POST /v1/generate`` (a
prompt) for language models, ``POST /v1/translate`` (sentences) for translation models,
``POST /v1/recommend`` (a user and n) for ``homeml train movielens`` runs, ``POST /v1/predict``
with ``{"texts": [...]}`` for text classifiers, ``POST /v1/generate/images`` for image
generators, the drawing page (or the prompt or translation page) at ``/`` and the OpenAPI docs
at ``/docs``. The model is checked before the server starts. The limits (body size, image size,
timeouts, concurrency) are described in docs/serving-limits.md.
Needs the optional dependencies fastapi, fastapi-offline, uvicorn and python-multipart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeml.serve._agent import ServedAgent
from homeml.serve._generator import ServedGenerator, is_generator
from homeml.serve._inputs import InputError, ModelCheckError
from homeml.serve._language import ServedLanguageModel, is_language_model
from homeml.serve._model import ServedModel, resolve_path
from homeml.serve._recommend import ServedRecommender, is_recommender
from homeml.serve._text import ServedTextClassifier, is_text_classifier
from homeml.serve._translation import ServedTranslator, is_translation_model

if TYPE_CHECKING:
    from fastapi import FastAPI

DEFAULT_MAX_BODY = 1_000_000

__all__ = [
    "DEFAULT_MAX_BODY",
    "InputError",
    "ModelCheckError",
    "ServedAgent",
    "ServedGenerator",
    "ServedLanguageModel",
    "ServedModel",
    "ServedRecommender",
    "ServedTextClassifier",
    "ServedTranslator",
    "create_app",
    "load_served",
    "resolve_path",
]


def load_served(
    model_or_path: Any, metadata: dict | None = None
) -> (
    ServedModel
    | ServedAgent
    | ServedLanguageModel
    | ServedTranslator
    | ServedGenerator
    | ServedRecommender
    | ServedTextClassifier
):
    """The model to serve, loaded (from a file or run folder) and checked.

    Parameters
    ----------
    model_or_path : str, Path, model object, ServedModel or ServedAgent
        A model file, a run folder holding ``model.safetensors``, or a model already loaded
        (a homeml.nn network, a homeml.learn estimator or a homeml.rl agent).
    metadata : dict, optional
        Metadata for a model given as an object (classes, input_shape, mean, std, metrics).

    Returns
    -------
    ServedModel, ServedAgent, ServedLanguageModel, ServedTranslator, ServedGenerator,
    ServedRecommender or ServedTextClassifier

    Raises
    ------
    ModelCheckError
        If the model cannot be served: it fails on a zero input, its classes do not match its
        outputs, its input shape is unknown, or it is an agent without observations.
    """
    from homeml.serve._agent import is_agent

    served = (
        ServedModel,
        ServedAgent,
        ServedLanguageModel,
        ServedTranslator,
        ServedGenerator,
        ServedRecommender,
        ServedTextClassifier,
    )
    if isinstance(model_or_path, served):
        return model_or_path
    format_version = None
    if isinstance(model_or_path, (str, bytes)) or hasattr(model_or_path, "__fspath__"):
        from homeml.io import load, read

        path = resolve_path(model_or_path)
        _, info = read(path)
        model_or_path, metadata = load(path), info.get("metadata", {})
        format_version = info.get("format_version")
    if is_generator(metadata or {}):
        return ServedGenerator(model_or_path, metadata or {}, format_version)
    if is_recommender(metadata or {}):
        return ServedRecommender(model_or_path, metadata or {}, format_version)
    if is_translation_model(metadata or {}):
        return ServedTranslator(model_or_path, metadata or {}, format_version)
    if is_text_classifier(metadata or {}):
        return ServedTextClassifier(model_or_path, metadata or {}, format_version)
    if is_language_model(metadata or {}):
        return ServedLanguageModel(model_or_path, metadata or {}, format_version)
    if is_agent(model_or_path):  # first: an agent is an estimator too
        return ServedAgent(model_or_path, metadata, format_version)
    return ServedModel(model_or_path, metadata, format_version)


def create_app(
    model_or_path: Any,
    max_body: int = DEFAULT_MAX_BODY,
    metadata: dict | None = None,
    read_timeout: float = 10.0,
) -> FastAPI:
    """A FastAPI app that serves one model, checked first.

    Parameters
    ----------
    model_or_path : str, Path, model object, ServedModel or ServedAgent
        A model file, a run folder holding ``model.safetensors``, or a model already loaded.
    max_body : int
        Largest request body accepted, in bytes; larger ones get 413.
    metadata : dict, optional
        Metadata for a model given as an object (classes, input_shape, mean, std, metrics).
    read_timeout : float
        Seconds a client has to send a request's body; slower ones get 408.

    Returns
    -------
    fastapi.FastAPI

    Raises
    ------
    ModelCheckError
        If the model cannot be served (see :func:`load_served`).
    """
    from homeml.serve._app import build_app

    served = load_served(model_or_path, metadata)
    return build_app(served, max_body=max_body, read_timeout=read_timeout)
