"""Serve a saved homeml model over HTTP (FastAPI on uvicorn): ``homeml serve PATH``.

Endpoints: ``GET /health``, ``GET /v1/model``, ``POST /v1/predict`` (JSON inputs),
``POST /v1/predict/image`` (an uploaded digit picture), and the OpenAPI docs at ``/docs``.
Needs the optional dependencies fastapi, uvicorn and python-multipart.
"""

from __future__ import annotations

from homeml.serve._model import InputError, ServedModel, resolve_path

DEFAULT_MAX_BODY = 1_000_000

__all__ = ["DEFAULT_MAX_BODY", "InputError", "ServedModel", "create_app", "resolve_path"]


def create_app(model_or_path, max_body: int = DEFAULT_MAX_BODY, metadata: dict | None = None):
    """A FastAPI app that serves one model.

    Parameters
    ----------
    model_or_path : str, Path, homeml.nn.Module, homeml.learn estimator or ServedModel
        A model file, a run folder holding ``model.safetensors``, or a model already loaded.
    max_body : int
        Largest request body accepted, in bytes; larger ones get 413.
    metadata : dict, optional
        Metadata for a model given as an object (classes, input_shape, mean, std, metrics).

    Returns
    -------
    fastapi.FastAPI
    """
    from homeml.serve._app import build_app

    if isinstance(model_or_path, ServedModel):
        served = model_or_path
    elif isinstance(model_or_path, (str, bytes)) or hasattr(model_or_path, "__fspath__"):
        served = ServedModel.from_path(model_or_path)
    else:
        served = ServedModel(model_or_path, metadata)
    return build_app(served, max_body=max_body)
