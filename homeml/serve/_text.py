"""A trained text classifier behind the server: ``POST /v1/predict`` with ``{"texts": [...]}``
answers each text's label and class probabilities.
"""

from __future__ import annotations

from typing import Any

from homeml.jobs._kinds import is_text_classifier
from homeml.serve._inputs import InputError, ModelCheckError

__all__ = ["MAX_TEXT_CHARS", "MAX_TEXTS", "ServedTextClassifier", "is_text_classifier"]

MAX_TEXT_CHARS = 1000  # the longest text a request may hold
MAX_TEXTS = 64  # the most texts one request may hold


class ServedTextClassifier:
    """A ``homeml train sms-spam|sentiment`` model (a pipeline or a network), used read-only.

    Parameters
    ----------
    model : Pipeline or nn.Module
        The model of the run.
    metadata : dict
        Its run's metadata: ``class_names`` and, for a network, the vocabulary and ``max_len``.
    format_version : int, optional
        The file format version it was read from.
    """

    kind = "text-classification"
    supports_images = False

    def __init__(self, model: Any, metadata: dict, format_version: int | None = None):
        self.model = model
        self.metadata = dict(metadata)
        self.format_version = format_version
        names = self.metadata.get("class_names")
        if not isinstance(names, list) or len(names) < 2:
            raise ModelCheckError(
                f"the metadata's class_names must list the classes, got {names!r:.60}"
            )
        from homeml.jobs.text_classification import tokenizer_of  # only when serving one

        try:
            self.tokenizer = tokenizer_of(self.metadata)
        except ValueError as error:
            raise ModelCheckError(f"this text classifier's metadata is broken: {error}") from None
        self.class_names = [str(n) for n in names]
        self.check()

    def check(self) -> None:
        """Classify the example text; ModelCheckError if the model cannot."""
        try:
            self.predict([self.example_text()])
        except Exception as error:  # a broken model: refuse it with the reason
            raise ModelCheckError(
                f"this {type(self.model).__name__} fails to classify a text: "
                f"{type(error).__name__}: {error}"
            ) from None

    def example_text(self) -> str:
        """A text for the docs."""
        if self.metadata.get("dataset") == "sms-spam":
            return "Congratulations! You have won a free prize, call now to claim it"
        return "The food was great and the staff were friendly"

    def expected(self) -> str:
        """What a request must hold, in the words error answers use."""
        return f"1 to {MAX_TEXTS} texts of 1 to {MAX_TEXT_CHARS} characters each"

    def predict(self, texts: Any) -> dict:
        """Labels and probabilities of ``texts``; InputError (422) naming the limit broken."""
        if not isinstance(texts, list) or not texts:
            raise InputError(f"texts must be a list of 1 to {MAX_TEXTS} strings")
        if len(texts) > MAX_TEXTS:
            raise InputError(f"{len(texts)} texts sent; at most {MAX_TEXTS} are taken at once")
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise InputError(f"texts[{i}] is {type(text).__name__}, not a string")
            if not text.strip():
                raise InputError(f"texts[{i}] is empty; send at least one character")
            if len(text) > MAX_TEXT_CHARS:
                raise InputError(
                    f"texts[{i}] has {len(text)} characters; at most {MAX_TEXT_CHARS} are taken"
                )
        from homeml.jobs.text_classification import predict_texts

        results = predict_texts(self.model, self.metadata, texts, tokenizer=self.tokenizer)
        return {
            "labels": [r["label"] for r in results],
            "probabilities": [[r["probabilities"][n] for n in self.class_names] for r in results],
            "classes": self.class_names,
        }

    def describe(self) -> dict:
        """What /v1/model answers."""
        keep = ("model", "dataset", "source", "accuracy", "mcc", "f1", "roc_auc", "calibrated")
        return {
            "kind": self.kind,
            "class": type(self.model).__name__,
            "classes": self.class_names,
            "vocabulary_size": self.tokenizer.vocab_size if self.tokenizer else None,
            "format_version": self.format_version,
            "limits": {"texts": MAX_TEXTS, "text_characters": MAX_TEXT_CHARS},
            "metrics": {k: self.metadata[k] for k in keep if k in self.metadata},
        }
