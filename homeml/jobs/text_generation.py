"""Text from a trained character-level language model: what ``homeml sample`` prints and
``POST /v1/generate`` answers.

A language-model run stores what generation needs in its model file's metadata:

- ``task``: ``"language-model"``;
- ``vocabulary``: the characters, id ``i`` for ``vocabulary[i]``;
- ``boundary``: the character that starts and ends a sample (names: ``"."``, id 0), or None for
  running text (shakespeare), which starts from the prompt or a newline, as nanoGPT's sampler;
- ``block_size``: the model's context length;
- ``context``: ``"window"`` for models that read exactly ``block_size`` previous characters
  (the lectures' MLP and WaveNet: shorter prompts are padded on the left with the boundary, as
  their training windows are), ``"sequence"`` for the others.
"""

from __future__ import annotations

from dataclasses import dataclass

TASK = "language-model"
MAX_PROMPT_CHARS = 1000  # the server's bound on a prompt
MAX_NEW_TOKENS = 2000  # the server's bound on one answer's length
MAX_SAMPLES = 100
MAX_TEMPERATURE = 10.0
# a name is rarely over 15 characters; running text gets a paragraph
_DEFAULT_NEW_TOKENS = {True: 30, False: 500}


def is_language_model(metadata: dict) -> bool:
    """Whether a model file's metadata describes a language model of a ``homeml train`` run."""
    return isinstance(metadata, dict) and metadata.get("task") == TASK


@dataclass(frozen=True)
class TextSettings:
    """How a language model's text maps to token ids, read from its run's metadata."""

    vocabulary: str
    boundary: str | None
    block_size: int
    window: bool

    @classmethod
    def from_metadata(cls, metadata: dict) -> TextSettings:
        """The settings in ``metadata``; ValueError naming a missing or malformed field."""
        if not is_language_model(metadata):
            raise ValueError(f"not a language model's metadata (task {metadata.get('task')!r})")
        vocabulary = metadata.get("vocabulary")
        if not isinstance(vocabulary, str) or len(set(vocabulary)) != len(vocabulary):
            raise ValueError("the metadata's vocabulary must be a string of distinct characters")
        boundary = metadata.get("boundary")
        if boundary is not None and (not isinstance(boundary, str) or boundary not in vocabulary):
            raise ValueError(f"the boundary {boundary!r} is not a character of the vocabulary")
        block_size = metadata.get("block_size")
        if not isinstance(block_size, int) or block_size < 1:
            raise ValueError(f"block_size must be a positive int, got {block_size!r}")
        context = metadata.get("context", "sequence")
        if context not in ("window", "sequence"):
            raise ValueError(f'context must be "window" or "sequence", got {context!r}')
        return cls(vocabulary, boundary, block_size, context == "window")

    @property
    def default_new_tokens(self) -> int:
        """How many characters a sample gets when the caller does not say."""
        return _DEFAULT_NEW_TOKENS[self.boundary is not None]

    def encode_prompt(self, prompt: str) -> list[int]:
        """The ids generation starts from: the boundary (if any), then the prompt's characters.

        Raises
        ------
        ValueError
            The prompt holds characters outside the vocabulary (named), or running text gets
            no prompt and its vocabulary has no newline to start from.
        """
        if not isinstance(prompt, str):
            raise TypeError(f"the prompt must be text, got {type(prompt).__name__}")
        stoi = {c: i for i, c in enumerate(self.vocabulary)}
        unknown = sorted({c for c in prompt if c not in stoi})
        if unknown:
            raise ValueError(
                f"the prompt holds {len(unknown)} character(s) this model does not know: "
                f"{''.join(unknown)!r}; it knows {self.vocabulary!r}"
            )
        if self.boundary is not None and self.boundary in prompt:
            raise ValueError(
                f"the prompt may not hold {self.boundary!r}: it marks where a sample starts "
                "and ends"
            )
        ids = [stoi[c] for c in prompt]
        if self.boundary is not None:
            ids = [stoi[self.boundary]] + ids
        elif not ids:
            if "\n" not in stoi:
                raise ValueError("this model needs a prompt (its vocabulary has no newline)")
            ids = [stoi["\n"]]  # nanoGPT's sampler starts from a newline
        if self.window and len(ids) < self.block_size:
            ids = [ids[0]] * (self.block_size - len(ids)) + ids
        return ids

    def decode_sample(self, prompt: str, new_ids: list[int]) -> str:
        """The prompt and the generated characters, cut at the first boundary."""
        text = "".join(self.vocabulary[i] for i in new_ids)
        if self.boundary is not None:
            text = text.split(self.boundary, 1)[0]
        return prompt + text


def check_generation_settings(
    settings: TextSettings,
    max_new_tokens: int | None,
    temperature: float,
    top_k: int | None,
    num_samples: int = 1,
) -> int:
    """Check the sampling settings; the number of new tokens to generate.

    Raises
    ------
    ValueError
        A setting out of its range, naming the range and the value.
    """
    if max_new_tokens is None:
        max_new_tokens = settings.default_new_tokens
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int):
        raise TypeError(f"max_new_tokens must be an int, got {type(max_new_tokens).__name__}")
    if not 1 <= max_new_tokens <= MAX_NEW_TOKENS:
        raise ValueError(f"max_new_tokens must be 1 to {MAX_NEW_TOKENS}, got {max_new_tokens}")
    if not 0 < temperature <= MAX_TEMPERATURE:
        raise ValueError(
            f"temperature must be above 0 and at most {MAX_TEMPERATURE:g}, got {temperature}"
        )
    vocab = len(settings.vocabulary)
    if top_k is not None and not 1 <= top_k <= vocab:
        raise ValueError(f"top_k must be 1 to {vocab} (the vocabulary's size), got {top_k}")
    if not 1 <= num_samples <= MAX_SAMPLES:
        raise ValueError(f"the number of samples must be 1 to {MAX_SAMPLES}, got {num_samples}")
    return max_new_tokens


def generate_text(
    model,
    metadata: dict,
    prompt: str = "",
    num_samples: int = 1,
    max_new_tokens: int | None = None,
    temperature: float = 1.0,
    top_k: int | None = None,
    seed: int | None = None,
) -> list[str]:
    """Samples of text from a trained language model.

    Parameters
    ----------
    model : homeml.nn.Module
        A language model with ``generate(idx, max_new_tokens, temperature, top_k, generator)``
        (the models of :mod:`homeml.models`).
    metadata : dict
        Its run's metadata (see the module's docstring).
    prompt : str, default ""
        The text each sample continues. Names: the first letters of a name.
    num_samples : int, default 1
        How many samples, drawn in one batch.
    max_new_tokens : int, optional
        Characters generated per sample (names stop earlier at their end): default 30 for
        names, 500 for running text.
    temperature : float, default 1.0
        Divides the logits: below 1 sharper, above 1 flatter.
    top_k : int, optional
        Sample only among the ``top_k`` likeliest characters.
    seed : int, optional
        Seeds the sampling, so the same call gives the same text.

    Returns
    -------
    list of str
        The samples, each starting with the prompt.

    Raises
    ------
    ValueError
        Unknown characters in the prompt, or a setting out of range (each named).
    """
    import homeml as hm

    settings = TextSettings.from_metadata(metadata)
    new = check_generation_settings(settings, max_new_tokens, temperature, top_k, num_samples)
    ids = settings.encode_prompt(prompt)
    generator = hm.Generator().manual_seed(seed) if seed is not None else None
    idx = hm.tensor([ids] * num_samples, dtype=hm.int64)
    was_training = model.training
    model.eval()
    try:
        with hm.no_grad():
            out = model.generate(
                idx, new, temperature=temperature, top_k=top_k, generator=generator
            )
    finally:
        model.train(was_training)
    rows = out.numpy()[:, len(ids) :].tolist()
    return [settings.decode_sample(prompt, row) for row in rows]


def load_language_run(run_dir) -> tuple:
    """The model and metadata of a language-model run (a folder or its model file).

    Raises
    ------
    FileNotFoundError
        No model file there.
    ValueError
        The file holds something other than a language model.
    """
    from pathlib import Path

    from homeml import io

    path = Path(run_dir)
    if path.is_dir():
        path = path / "model.safetensors"
    if not path.is_file():
        raise FileNotFoundError(
            f"no model file at {path}; train one with `homeml train names` or "
            "`homeml train shakespeare`"
        )
    metadata = io.load_metadata(path)
    if not is_language_model(metadata):
        raise ValueError(
            f"{path} is not a language model (it was not written by `homeml train names` or "
            "`homeml train shakespeare`)"
        )
    TextSettings.from_metadata(metadata)  # a clear error before the model is built
    return io.load(path), metadata
