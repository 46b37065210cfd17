"""The model behind the server: loading, checking, describing, and validated, read-only
inference for homeml.nn networks and homeml.learn estimators.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from homeml.serve._inputs import (
    SCALES,
    InputError,
    ModelCheckError,
    check_finite_outputs,
    infer_scale,
    normalise,
    to_array,
)

_IMAGE_SHAPES = ((1, 28, 28), (28, 28), (784,))


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

    Building one checks the model: it must predict on a zero input of its input shape, with as
    many outputs as it has classes; otherwise :class:`ModelCheckError` says why.

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
        from homeml.nn import Module

        self.model = model
        self.metadata = dict(metadata or {})
        self.format_version = format_version
        if isinstance(model, BaseEstimator):
            self.kind = "estimator"
        elif isinstance(model, Module):
            self.kind = "nn"
            model.eval()
        else:
            raise ModelCheckError(
                f"cannot serve a {type(model).__name__}: expected a homeml.nn network, a "
                f"homeml.learn estimator or a homeml.rl agent"
            )
        self.input_shape, self.shape_source = self._input_shape()
        self.preprocessing = self._preprocessing()
        classes = self.metadata.get("classes")
        if classes is None and self.kind == "estimator" and hasattr(model, "classes_"):
            classes = np.asarray(model.classes_).tolist()
        if classes is not None and not isinstance(classes, list):
            raise ModelCheckError(f"metadata 'classes' must be a list, got {classes!r:.60}")
        self.classes = classes
        self.check()

    def _input_shape(self) -> tuple[tuple[int, ...] | None, str | None]:
        shape = self.metadata.get("input_shape")
        if shape is not None:
            if not (
                isinstance(shape, list)
                and shape
                and all(type(d) is int and 0 < d <= 1_000_000 for d in shape)
            ):
                raise ModelCheckError(
                    f"metadata 'input_shape' must be a list of positive integers, got {shape!r:.60}"
                )
            return tuple(shape), "metadata"
        if self.kind == "estimator":
            n = getattr(self.model, "n_features_in_", None)
            return ((int(n),), "estimator") if n is not None else (None, None)
        from homeml.serve._shapes import infer_input_shape

        shape = infer_input_shape(self.model)
        return (shape, "architecture") if shape is not None else (None, None)

    def _preprocessing(self) -> tuple[float, float] | None:
        """The (mean, std) normalisation from the metadata, for networks saved with one."""
        if self.kind != "nn" or "mean" not in self.metadata or "std" not in self.metadata:
            return None
        mean, std = self.metadata["mean"], self.metadata["std"]
        numbers = all(type(v) in (int, float) and math.isfinite(v) for v in (mean, std))
        if not numbers or std <= 0:
            raise ModelCheckError(
                f"metadata 'mean' and 'std' must be finite numbers with std > 0, got mean "
                f"{mean!r:.30} and std {std!r:.30}"
            )
        return float(mean), float(std)

    # -- the startup check ------------------------------------------------------------------

    def check(self) -> None:
        """Predict once on a zero input of the input shape; ModelCheckError if that fails or
        the outputs do not match the classes.
        """
        name = type(self.model).__name__
        if self.input_shape is None:
            raise ModelCheckError(
                f"cannot tell the input shape of this {name}: its file has no "
                f"metadata['input_shape'] and its first layers do not fix it; save it with "
                f"hm.save(model, path, metadata={{'input_shape': [...]}}) (the shape of one "
                f"sample), or pass metadata= to create_app"
            )
        zeros = np.zeros((1, *self.input_shape))
        try:
            outputs = self._raw_outputs(zeros)
        except Exception as error:  # a broken or tampered model: refuse it with the reason
            raise ModelCheckError(
                f"this {name} fails on a zero input of shape {list(self.input_shape)}: "
                f"{type(error).__name__}: {error}"
            ) from None
        for values in outputs.values():
            if values.dtype.kind in "fc" and not np.isfinite(values).all():
                raise ModelCheckError(
                    f"this {name} gives non-finite outputs for a zero input of shape "
                    f"{list(self.input_shape)}"
                )
        scores = outputs.get("scores")
        if self.classes is not None and scores is not None and scores.ndim <= 2:
            n_outputs = scores.shape[1] if scores.ndim == 2 else 1  # one row per sample
            if n_outputs != len(self.classes):
                count = f"{len(self.classes)} class" + ("" if len(self.classes) == 1 else "es")
                n_out = f"{n_outputs} output" + ("" if n_outputs == 1 else "s")
                raise ModelCheckError(
                    f"this {name} has {n_out} but its metadata names {count} "
                    f"({self.classes!r:.80}); they must match one to one"
                )

    # -- describing the input ---------------------------------------------------------------

    @property
    def supports_images(self) -> bool:
        """28x28 single-channel classifiers saved by ``homeml train`` (with mean and std)."""
        return self.preprocessing is not None and self.input_shape in _IMAGE_SHAPES

    @property
    def _shape(self) -> tuple[int, ...]:
        """The input shape (known once :meth:`check` has passed)."""
        if self.input_shape is None:
            raise ModelCheckError(f"the input shape of this {type(self.model).__name__} is unknown")
        return self.input_shape

    def sample_shapes(self) -> list[tuple[int, ...]]:
        """The shapes one sample may be sent in: the input shape, without leading ones, or
        flat (a 1x28x28 network takes a 28x28 array or 784 numbers).
        """
        shape = self._shape
        shapes = [shape]
        for other in (
            shape[next((i for i, d in enumerate(shape) if d != 1), 0) :],
            (math.prod(shape),),
        ):
            if other not in shapes:
                shapes.append(other)
        return shapes

    def expected(self) -> str:
        """What a request must hold, in the words error answers use."""
        shapes = " or ".join(str(list(s)) for s in self.sample_shapes())
        first = ", ".join(map(str, self._shape))
        return f"one sample of shape {shapes}, or a batch of them (shape [n, {first}])"

    def describe_input(self) -> dict:
        """What /v1/predict takes, as /v1/model reports it."""
        info: dict[str, object] = {
            "shape": list(self._shape),
            "shape_source": self.shape_source,
            "sample_shapes": [list(s) for s in self.sample_shapes()],
            "dtype": "float32" if self.kind == "nn" else "float64",
            "scales": None,
            "preprocessing": None,
        }
        if self.preprocessing is not None:
            mean, std = self.preprocessing
            info["scales"] = dict(SCALES)
            info["preprocessing"] = (
                f"pixels x in [0, 1] become (x - {mean:g}) / {std:g}; 0-255 values are divided "
                f'by 255 first. Say which with "scale"; without it the scale is inferred '
                f"(all values within [0, 1]: 0-1; whole numbers from 0 to 255: 0-255; anything "
                f"else: normalized) and stated in the answer"
            )
        return info

    def describe(self) -> dict:
        """What /v1/model answers: the model, its input, classes, format and metrics."""
        return {
            "kind": self.kind,
            "class": type(self.model).__name__,
            "input_shape": list(self._shape),
            "input": self.describe_input(),
            "classes": self.classes,
            "format_version": self.format_version,
            "metrics": self.metadata.get("metrics"),
            "image_input": self.supports_images,
        }

    # -- predicting -------------------------------------------------------------------------

    def to_batch(self, inputs, scale: str | None = None) -> tuple[np.ndarray, str | None]:
        """Validate JSON inputs into a ``(n, *input_shape)`` float array as the model takes
        it, and the scale they were read in (None for models without preprocessing).
        """
        x = to_array(inputs, self.expected())
        shapes, shape = self.sample_shapes(), self._shape
        if x.shape in shapes:
            x = x.reshape((1, *shape))
        elif x.ndim >= 2 and x.shape[1:] in shapes:
            x = x.reshape((len(x), *shape))
        else:
            raise InputError(f"inputs have shape {list(x.shape)}; expected {self.expected()}")
        if self.preprocessing is None:
            if scale not in (None, "normalized"):
                raise InputError(
                    f'"scale": "{scale}" needs a model saved with its normalisation (mean and '
                    f"std in its metadata); this {type(self.model).__name__} has none, so send "
                    f'inputs as the model takes them and leave out "scale"'
                )
            return x, None
        scale = scale or infer_scale(x)
        return normalise(x, scale, *self.preprocessing), scale

    def _raw_outputs(self, x: np.ndarray) -> dict:
        """The model's outputs for a batch: ``scores`` (logits or probabilities, one row per
        sample) and for estimators ``labels``.
        """
        if self.kind == "nn":
            return {"scores": self._forward(x)}
        outputs = {"labels": np.asarray(self.model.predict(x))}
        if _has(self.model, "predict_proba"):
            outputs["scores"] = np.asarray(self.model.predict_proba(x))
        return outputs

    def _forward(self, x: np.ndarray) -> np.ndarray:
        import homeml as hm

        weight = next(iter(self.model.parameters()), None)
        dtype = weight.numpy().dtype if weight is not None else np.dtype(np.float32)
        if np.abs(x).max() > np.finfo(dtype).max:
            raise InputError(
                f"inputs beyond the range of the model's {dtype} (largest "
                f"{np.finfo(dtype).max:.3g}); expected {self.expected()}"
            )
        with hm.no_grad():  # grad mode is thread-local; the weights are only read
            return self.model(hm.tensor(x.astype(dtype))).numpy()

    def predict_array(self, x: np.ndarray) -> dict:
        """Predictions (and probabilities where the model has them) for a batch from
        :meth:`to_batch`.
        """
        try:
            outputs = self._raw_outputs(x)
        except (ValueError, TypeError, IndexError) as error:
            if isinstance(error, InputError):
                raise
            raise InputError(
                f"the model cannot take these inputs ({error}); expected {self.expected()}"
            ) from None
        for values in outputs.values():
            if values.dtype.kind in "fc":
                check_finite_outputs(values, self.expected())
        if self.kind == "estimator":
            result = {"predictions": outputs["labels"].tolist()}
            if "scores" in outputs:
                result["probabilities"] = outputs["scores"].tolist()
            return result
        out = outputs["scores"]
        if out.ndim == 2 and out.shape[1] >= 2:  # a classifier's logits
            shifted = np.exp(out - out.max(axis=1, keepdims=True))
            probs = shifted / shifted.sum(axis=1, keepdims=True)
            index = probs.argmax(axis=1)
            labels = [self.classes[i] for i in index] if self.classes else index.tolist()
            return {"predictions": labels, "probabilities": probs.tolist()}
        if out.ndim == 2 and out.shape[1] == 1:  # one output per sample: a plain number
            out = out[:, 0]
        return {"predictions": out.tolist()}

    def predict_pixels(self, pixels: np.ndarray) -> dict:
        """Classify one MNIST-prepared picture (28x28 floats in [0, 1])."""
        x = np.asarray(pixels, dtype=np.float64).reshape((1, *self._shape))
        if self.preprocessing is None:
            raise ModelCheckError("this model takes no pictures: it was saved without mean and std")
        result = self.predict_array(normalise(x, "0-1", *self.preprocessing))
        return {"prediction": result["predictions"][0], "probabilities": result["probabilities"][0]}


def _has(obj, name) -> bool:
    try:  # a pipeline's predict_proba exists only when its last step has one
        return callable(getattr(obj, name))
    except AttributeError:
        return False
