"""The model behind the server: loading, describing, and validated, read-only inference."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np


class InputError(ValueError):
    """A request whose inputs the model cannot take (answered with 422)."""


def resolve_path(path) -> Path:
    """A model file, or a run folder holding ``model.safetensors``."""
    path = Path(path)
    if path.is_dir():
        path = path / "model.safetensors"
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    return path


class ServedModel:
    """A loaded homeml.nn network or homeml.learn estimator, used read-only by many threads.

    Parameters
    ----------
    model : homeml.nn.Module or homeml.learn estimator
        The model to serve (a network is put in eval mode).
    metadata : dict, optional
        The metadata saved with the model (classes, input_shape, mean/std, metrics).
    format_version : int, optional
        The file format version it was read from.
    """

    def __init__(self, model, metadata=None, format_version=None):
        from homeml.learn.base import BaseEstimator

        self.model = model
        self.metadata = dict(metadata or {})
        self.format_version = format_version
        self.kind = "estimator" if isinstance(model, BaseEstimator) else "nn"
        if self.kind == "nn":
            model.eval()
        self.input_shape = self._input_shape()
        classes = self.metadata.get("classes")
        if classes is None and self.kind == "estimator" and hasattr(model, "classes_"):
            classes = np.asarray(model.classes_).tolist()
        self.classes = list(classes) if classes is not None else None

    @classmethod
    def from_path(cls, path) -> ServedModel:
        from homeml.io import load, read

        path = resolve_path(path)
        _, info = read(path)
        return cls(load(path), info.get("metadata", {}), info.get("format_version"))

    def _input_shape(self):
        shape = self.metadata.get("input_shape")
        if shape is not None:
            return tuple(int(d) for d in shape)
        if self.kind == "estimator":
            n = getattr(self.model, "n_features_in_", None)
            return (int(n),) if n is not None else None
        from homeml.nn import Linear

        for module in self.model.modules():  # the first layer with weights tells the size
            if isinstance(module, Linear):
                return (int(module.in_features),)
            if any(True for _ in module.parameters(recurse=False)):
                return None
        return None

    @property
    def supports_images(self) -> bool:
        """28x28 single-channel classifiers saved by ``homeml train`` (with mean and std)."""
        return (
            self.kind == "nn"
            and self.input_shape in ((1, 28, 28), (28, 28), (784,))
            and "mean" in self.metadata
            and "std" in self.metadata
        )

    def describe(self) -> dict:
        model = self.model
        return {
            "kind": self.kind,
            "class": type(model).__name__,
            "input_shape": list(self.input_shape) if self.input_shape is not None else None,
            "classes": self.classes,
            "format_version": self.format_version,
            "metrics": self.metadata.get("metrics"),
            "image_input": self.supports_images,
        }

    def expected(self) -> str:
        if self.input_shape is None:
            return "a sample or a list of samples"
        shape = list(self.input_shape)
        return f"one sample of shape {shape} or a batch of shape [n, {', '.join(map(str, shape))}]"

    def to_batch(self, inputs) -> np.ndarray:
        """Validate JSON inputs into a (n, *input_shape) float array, or raise InputError."""
        odd = _first_non_number(inputs)
        if odd is not _NOTHING:
            raise InputError(
                f"inputs must be (nested lists of) numbers, got {odd!r:.40} "
                f"({type(odd).__name__}); expected {self.expected()}"
            )
        try:
            x = np.asarray(inputs, dtype=np.float64)
        except (ValueError, TypeError, OverflowError):  # ragged lists; integers past float64
            raise InputError(
                f"inputs must be a (nested) list of numbers with a regular shape and within "
                f"float64's range; expected {self.expected()}"
            ) from None
        if x.size == 0:
            raise InputError(f"inputs are empty; expected {self.expected()}")
        if not np.isfinite(x).all():
            raise InputError(f"inputs hold NaN or infinite values; expected {self.expected()}")
        shape = self.input_shape
        if shape is None:
            return x if x.ndim > 1 else x[None]
        if x.shape == shape:
            return x[None]
        if x.ndim == len(shape) + 1 and x.shape[1:] == shape:
            return x
        raise InputError(f"inputs have shape {list(x.shape)}; expected {self.expected()}")

    def predict_array(self, x: np.ndarray) -> dict:
        """Predictions (and probabilities where the model has them) for a batch from
        :meth:`to_batch`."""
        if self.kind == "estimator":
            return self._predict_estimator(x)
        return self._predict_nn(x)

    def _predict_nn(self, x) -> dict:
        import homeml as hm

        dtype = next(iter(self.model.parameters()), None)
        dtype = dtype.numpy().dtype if dtype is not None else np.float32
        if np.abs(x).max() > np.finfo(dtype).max:
            raise InputError(
                f"inputs beyond the range of the model's {dtype} (largest "
                f"{np.finfo(dtype).max:.3g}); expected {self.expected()}"
            )
        try:
            with hm.no_grad():  # grad mode is thread-local; the weights are only read
                out = self.model(hm.tensor(x.astype(dtype))).numpy()
        except (ValueError, TypeError, IndexError) as error:
            raise InputError(
                f"the model cannot take these inputs ({error}); expected {self.expected()}"
            ) from None
        _check_finite_outputs(out, self.expected())
        if out.ndim == 2 and out.shape[1] >= 2:  # a classifier's logits
            shifted = np.exp(out - out.max(axis=1, keepdims=True))
            probs = shifted / shifted.sum(axis=1, keepdims=True)
            index = probs.argmax(axis=1)
            labels = [self.classes[i] for i in index] if self.classes else index.tolist()
            return {"predictions": labels, "probabilities": probs.tolist()}
        if out.ndim == 2 and out.shape[1] == 1:  # one output per sample: a plain number
            out = out[:, 0]
        return {"predictions": out.tolist()}

    def _predict_estimator(self, x) -> dict:
        try:
            predictions = np.asarray(self.model.predict(x))
            if predictions.dtype.kind == "f":
                _check_finite_outputs(predictions, self.expected())
            result = {"predictions": predictions.tolist()}
            if _has(self.model, "predict_proba"):
                probabilities = np.asarray(self.model.predict_proba(x))
                _check_finite_outputs(probabilities, self.expected())
                result["probabilities"] = probabilities.tolist()
        except (ValueError, TypeError, IndexError) as error:
            raise InputError(
                f"the model cannot take these inputs ({error}); expected {self.expected()}"
            ) from None
        return result

    def predict_image(self, data: bytes) -> dict:
        """Classify an uploaded PNG/JPEG, preprocessed as ``homeml predict`` does it."""
        from homeml.datasets.preprocess import prepare_digit

        try:
            pixels = prepare_digit(io.BytesIO(data))  # (28, 28) floats in [0, 1]
        except ValueError as error:
            raise InputError(str(error)) from None
        # the normalisation of homeml.digits.predict_image
        x = (pixels - self.metadata["mean"]) / self.metadata["std"]
        result = self.predict_array(x.reshape((1, *self.input_shape)))
        return {"prediction": result["predictions"][0], "probabilities": result["probabilities"][0]}


def _has(obj, name) -> bool:
    try:  # a pipeline's predict_proba exists only when its last step has one
        return callable(getattr(obj, name))
    except AttributeError:
        return False


_NOTHING = object()


def _first_non_number(values):
    """The first item of nested lists that is not an int or float (bool and str are not
    numbers here, though NumPy would convert them), or ``_NOTHING``."""
    if type(values) is not list:
        return values
    stack = [values]
    while stack:
        for item in stack.pop():
            kind = type(item)
            if kind is list:
                stack.append(item)
            elif kind is not float and kind is not int:
                return item
    return _NOTHING


def _check_finite_outputs(values: np.ndarray, expected: str) -> None:
    """Finite inputs can still overflow inside a model; NaN would go out as JSON null."""
    if not np.isfinite(values).all():
        raise InputError(
            f"the model's outputs are not finite for these inputs (they overflowed); "
            f"expected {expected} with values of a sensible size"
        )
