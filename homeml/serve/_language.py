"""A trained language model behind the server: ``POST /v1/generate`` continues a prompt."""

from __future__ import annotations

from homeml.jobs.text_generation import (
    MAX_NEW_TOKENS,
    MAX_PROMPT_CHARS,
    MAX_TEMPERATURE,
    TextSettings,
    generate_text,
    is_language_model,
)
from homeml.serve._inputs import InputError, ModelCheckError

__all__ = ["ServedLanguageModel", "is_language_model"]


class ServedLanguageModel:
    """A language model of a ``homeml train names|shakespeare`` run, used read-only.

    Parameters
    ----------
    model : homeml.nn.Module
        The model, with a ``generate`` method.
    metadata : dict
        Its run's metadata: vocabulary, boundary, block size (see
        :mod:`homeml.jobs.text_generation`).
    format_version : int, optional
        The file format version it was read from.
    """

    kind = "language-model"
    supports_images = False

    def __init__(self, model, metadata: dict, format_version: int | None = None):
        self.model = model
        self.metadata = dict(metadata)
        self.format_version = format_version
        try:
            self.settings = TextSettings.from_metadata(self.metadata)
        except ValueError as error:
            raise ModelCheckError(f"this language model's metadata is broken: {error}") from None
        self.check()

    def check(self) -> None:
        """Generate one character; ModelCheckError if the model cannot."""
        if not callable(getattr(self.model, "generate", None)):
            raise ModelCheckError(f"{type(self.model).__name__} has no generate method")
        try:
            self.generate(self.example_prompt(), max_new_tokens=1, seed=0)
        except Exception as error:  # a broken model: refuse it with the reason
            raise ModelCheckError(
                f"this {type(self.model).__name__} fails to generate: "
                f"{type(error).__name__}: {error}"
            ) from None

    def example_prompt(self) -> str:
        """A prompt for the API docs: "em" for names, "ROMEO:" for Shakespeare-like text."""
        vocabulary, boundary = self.settings.vocabulary, self.settings.boundary
        for prompt in ("ROMEO:", "em", "the"):
            if all(c in vocabulary and c != boundary for c in prompt):
                return prompt
        return next(c for c in vocabulary if c != boundary)

    def expected(self) -> str:
        """What a request must hold, in the words error answers use."""
        return (
            f"a prompt of 1 to {MAX_PROMPT_CHARS} characters from the vocabulary "
            f"{self.settings.vocabulary!r}"
        )

    def generate(
        self,
        prompt: str,
        max_new_tokens: int | None = None,
        temperature: float = 1.0,
        top_k: int | None = None,
        seed: int | None = None,
    ) -> dict:
        """The prompt's continuation; InputError (422) naming a bad prompt or setting."""
        if not prompt:
            raise InputError("the prompt is empty; send at least one character")
        if len(prompt) > MAX_PROMPT_CHARS:
            raise InputError(
                f"the prompt has {len(prompt)} characters; at most {MAX_PROMPT_CHARS} are taken"
            )
        try:
            (text,) = generate_text(
                self.model,
                self.metadata,
                prompt,
                max_new_tokens=max_new_tokens,
                temperature=temperature,
                top_k=top_k,
                seed=seed,
            )
        except (ValueError, TypeError) as error:
            raise InputError(str(error)) from None
        return {"text": text, "prompt": prompt, "new_characters": len(text) - len(prompt)}

    def describe(self) -> dict:
        """What /v1/model answers."""
        keep = ("dataset", "model", "val_loss", "test_loss", "iterations")
        return {
            "kind": self.kind,
            "class": type(self.model).__name__,
            "vocabulary": self.settings.vocabulary,
            "block_size": self.settings.block_size,
            "boundary": self.settings.boundary,
            "format_version": self.format_version,
            "limits": {
                "prompt_characters": MAX_PROMPT_CHARS,
                "max_new_tokens": MAX_NEW_TOKENS,
                "temperature": MAX_TEMPERATURE,
            },
            "metrics": {k: self.metadata[k] for k in keep if k in self.metadata},
        }
