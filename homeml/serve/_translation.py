"""A trained translation model behind the server: ``POST /v1/translate`` translates sentences."""

from __future__ import annotations

from typing import Any

from homeml.jobs.translation import (
    MAX_BEAM,
    is_translation_model,
    tokenizers,
    translate_texts,
)
from homeml.serve._inputs import InputError, ModelCheckError

__all__ = ["MAX_TEXT_CHARS", "MAX_TEXTS", "ServedTranslator", "is_translation_model"]

MAX_TEXT_CHARS = 200  # the longest sentence a request may hold
MAX_TEXTS = 32  # the most sentences one request may hold


class ServedTranslator:
    """A translation model of a ``homeml train translate`` run, used read-only.

    Parameters
    ----------
    model : GRUSeq2Seq or TransformerSeq2Seq
        The model, with a ``translate`` method.
    metadata : dict
        Its run's metadata: both vocabularies, the direction and ``max_len`` (see
        :mod:`homeml.jobs.translation`).
    format_version : int, optional
        The file format version it was read from.
    """

    kind = "translation"
    supports_images = False

    def __init__(self, model: Any, metadata: dict, format_version: int | None = None):
        self.model = model
        self.metadata = dict(metadata)
        self.format_version = format_version
        try:
            self.tokenizers = tokenizers(self.metadata)
        except ValueError as error:
            raise ModelCheckError(f"this translation model's metadata is broken: {error}") from None
        self.direction = str(self.metadata.get("direction", "source-target"))
        self.check()

    def check(self) -> None:
        """Translate the example sentence; ModelCheckError if the model cannot."""
        if not callable(getattr(self.model, "translate", None)):
            raise ModelCheckError(f"{type(self.model).__name__} has no translate method")
        try:
            self.translate([self.example_text()])
        except Exception as error:  # a broken model: refuse it with the reason
            raise ModelCheckError(
                f"this {type(self.model).__name__} fails to translate: "
                f"{type(error).__name__}: {error}"
            ) from None

    def example_text(self) -> str:
        """A sentence for the docs and the page, made of words the model knows."""
        known = self.tokenizers[0].vocab
        for text in ("je suis content .", "i am happy .", "il est grand ."):
            if all(word in known for word in text.split()):
                return text
        return " ".join(known.itos[4:7]) or "."

    def expected(self) -> str:
        """What a request must hold, in the words error answers use."""
        source = self.direction.split("-")[0]
        return (
            f"1 to {MAX_TEXTS} texts ({source}) of 1 to {MAX_TEXT_CHARS} characters each, and "
            f"beam_size 1 to {MAX_BEAM}"
        )

    def translate(self, texts: Any, beam_size: int = 1) -> dict:
        """The translations of ``texts``; InputError (422) naming the limit a request breaks."""
        if not isinstance(texts, list) or not texts:
            raise InputError(f"texts must be a list of 1 to {MAX_TEXTS} sentences")
        if len(texts) > MAX_TEXTS:
            raise InputError(f"{len(texts)} texts sent; at most {MAX_TEXTS} are taken at once")
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise InputError(f"texts[{i}] is {type(text).__name__}, not a string")
            if not text.strip():
                raise InputError(f"texts[{i}] is empty; send at least one word")
            if len(text) > MAX_TEXT_CHARS:
                raise InputError(
                    f"texts[{i}] has {len(text)} characters; at most {MAX_TEXT_CHARS} are taken"
                )
        if isinstance(beam_size, bool) or not isinstance(beam_size, int):
            raise InputError(f"beam_size must be an integer 1 to {MAX_BEAM}")
        if not 1 <= beam_size <= MAX_BEAM:
            raise InputError(f"beam_size must be 1 to {MAX_BEAM}, got {beam_size}")
        try:
            translations = translate_texts(
                self.model, self.metadata, texts, beam_size, tokenizers_=self.tokenizers
            )
        except (ValueError, TypeError) as error:
            raise InputError(str(error)) from None
        return {"translations": translations}

    def describe(self) -> dict:
        """What /v1/model answers."""
        keep = ("model", "test_loss", "bleu", "chrf", "max_iters")
        source, target = self.tokenizers
        return {
            "kind": self.kind,
            "class": type(self.model).__name__,
            "direction": self.direction,
            "source_vocabulary_size": source.vocab_size,
            "target_vocabulary_size": target.vocab_size,
            "max_len": self.metadata["max_len"],
            "format_version": self.format_version,
            "limits": {
                "texts": MAX_TEXTS,
                "text_characters": MAX_TEXT_CHARS,
                "beam_size": MAX_BEAM,
            },
            "metrics": {k: self.metadata[k] for k in keep if k in self.metadata},
        }
