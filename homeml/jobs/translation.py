"""Sentence translation, as ``homeml train translate`` runs it and ``homeml translate`` uses it.

The data are Tatoeba's English-French pairs (``$HOMEML_DATA/eng-fra/eng-fra.txt``, the first
5,000 lines of manythings.org's ``fra.txt``) or any tab-separated pairs file (``data_file``),
split 90/10 with :func:`homeml.datasets.split_sentence_pairs`'s fixed seed. A word tokenizer per
language (:class:`homeml.text.WordTokenizer`, the PyTorch seq2seq tutorial's normalisation) is
built on the training split. The model, :class:`homeml.models.GRUSeq2Seq` (the tutorial's GRU
encoder-decoder with Bahdanau attention) or :class:`homeml.models.TransformerSeq2Seq`, learns by
teacher forcing (cross-entropy over the target tokens, padding ignored) with Adam, in
:func:`homeml.train_steps.fit_iterations` (checkpoints and exact resume). Every
``eval_interval`` iterations the loss is estimated on ``eval_iters`` batches of each split, and
at every ``bleu_every``-th evaluation the corpus BLEU of greedy translations of the first
``bleu_sentences`` held-out pairs is added to the history. At the end the held-out loss is
computed over the whole held-out split, with corpus BLEU and chrF (sacrebleu's definitions,
:mod:`homeml.learn.metrics`) of greedy translations of every held-out sentence, scored against
the normalised references (lowercase, no accents, punctuation split off: the words the
tokenizer produces).

A run folder holds ``model.safetensors`` (its metadata: ``task`` ``"translation"``, both
vocabularies, the direction and ``max_len``; see :func:`load_translation_run`),
``checkpoint.safetensors`` and ``run.json`` (for ``resume``), ``history.json``,
``metrics.json``, ``samples.txt`` (10 held-out translations with their references) and
``report.png`` (the losses, BLEU over training and, for the GRU, one sentence's attention).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import homeml as hm
from homeml import io, nn, optim
from homeml.callbacks import Callback, TrainingRun
from homeml.datasets import load_sentence_pairs, split_sentence_pairs
from homeml.jobs._run_folder import CHECKPOINT, SETTINGS, resume_settings
from homeml.learn.metrics import corpus_bleu, corpus_chrf
from homeml.models import GRUSeq2Seq, Seq2SeqConfig, TransformerSeq2Seq, TransformerSeq2SeqConfig
from homeml.tensor import Tensor
from homeml.text import SPECIAL_TOKENS, Vocabulary, WordTokenizer
from homeml.train_steps import fit_iterations

__all__ = [
    "DIRECTIONS",
    "MAX_BEAM",
    "MODELS",
    "TASK",
    "defaults",
    "is_translation_model",
    "load_translation_run",
    "translate_texts",
    "train",
]

TASK = "translation"
DIRECTIONS = ("fra-eng", "eng-fra")  # source-target; the eng-fra file's columns are eng, fra
MODELS = ("gru-attention", "transformer")
MAX_BEAM = 8
SAMPLES_SHOWN = 10
_COMMON = dict(
    max_iters=3000,
    batch_size=32,
    eval_interval=250,
    eval_iters=20,
    bleu_every=2,
    bleu_sentences=200,
    dropout=0.1,
    grad_clip=1.0,
)
# The tutorial's sizes for the GRU (hidden 128, dropout 0.1, Adam at 1e-3); a small Transformer
DEFAULTS: dict[str, dict[str, Any]] = {
    "gru-attention": dict(_COMMON, hidden_size=128, lr=1e-3),
    "transformer": dict(
        _COMMON,
        d_model=128,
        nhead=4,
        num_encoder_layers=2,
        num_decoder_layers=2,
        dim_feedforward=256,
        lr=5e-4,
    ),
}


def defaults(model: str | None) -> dict:
    """The settings a run of ``model`` starts from (``overrides`` change them).

    Raises
    ------
    ValueError
        An unknown model, naming the choices.
    """
    model = model or "gru-attention"
    if model not in DEFAULTS:
        raise ValueError(f"unknown translation model {model!r}; choose one of {', '.join(MODELS)}")
    return {"model": model, **DEFAULTS[model]}


def is_translation_model(metadata: dict) -> bool:
    """Whether a model file's metadata describes a ``homeml train translate`` model."""
    return isinstance(metadata, dict) and metadata.get("task") == TASK


# -- the data ------------------------------------------------------------------------------------


class _Pairs:
    """The split pairs as id lists, the tokenizers, and batches of padded id arrays.

    A batch is ``(x, y)``: ``x`` (B, 2, L) stacks the sources (``... <eos>``) and the target
    inputs (``<sos> ...``), ``y`` (B, T) the target outputs (``... <eos>``), all right-padded
    with 0; :class:`_TeacherForcing` unpacks them.
    """

    def __init__(self, settings: dict, data_dir: Any = None):
        path = settings.get("data_file") or data_dir
        pairs = load_sentence_pairs(path, reverse=settings["direction"] == "fra-eng")
        self.train_pairs, self.test_pairs = split_sentence_pairs(pairs)
        self.src_tok = WordTokenizer.from_texts(s for s, _ in self.train_pairs)
        self.tgt_tok = WordTokenizer.from_texts(t for _, t in self.train_pairs)
        self.ids = {
            "train": self._encode(self.train_pairs),
            "val": self._encode(self.test_pairs),
        }
        longest = max(len(t) for _, t in self.ids["train"])
        self.max_len = longest + 2  # a little room past the longest training target
        self.batch_size = settings["batch_size"]

    def _encode(self, pairs: list[tuple[str, str]]) -> list[tuple[list[int], list[int]]]:
        encoded = []
        for source, target in pairs:
            src = self.src_tok.encode(source) + [WordTokenizer.eos_id]
            encoded.append((src, self.tgt_tok.encode(target)))
        return encoded

    def batch(self, split: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        rows = rng.integers(0, len(self.ids[split]), size=self.batch_size)
        return pack([self.ids[split][i] for i in rows])

    def references(self, split_pairs: list[tuple[str, str]]) -> list[str]:
        """The normalised target sentences (what BLEU compares the translations with)."""
        return [" ".join(self.tgt_tok.tokenize(t)) for _, t in split_pairs]


def pack(pairs: list[tuple[list[int], list[int]]]) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` of id pairs (source with ``<eos>``, target without specials); see
    :class:`_Pairs`.
    """
    sos, eos, pad = WordTokenizer.sos_id, WordTokenizer.eos_id, WordTokenizer.pad_id
    width = max(max(len(s), len(t) + 1) for s, t in pairs)
    x = np.full((len(pairs), 2, width), pad, dtype=np.int64)
    y = np.full((len(pairs), width), pad, dtype=np.int64)
    for i, (src, tgt) in enumerate(pairs):
        x[i, 0, : len(src)] = src
        x[i, 1, : len(tgt) + 1] = [sos, *tgt]
        y[i, : len(tgt) + 1] = [*tgt, eos]
    return x, y


def _trim(ids: np.ndarray) -> np.ndarray:
    """``ids`` (B, L) without the columns that are padding in every row."""
    used = np.flatnonzero((ids != WordTokenizer.pad_id).any(axis=0))
    return ids[:, : used[-1] + 1] if len(used) else ids[:, :1]


class _TeacherForcing(nn.Module):
    """``fit_iterations``'s ``model(x, y) -> (logits, loss)`` around a seq2seq model: teacher
    forcing with cross-entropy that ignores the padding.
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        """Logits (B, T, V) and the mean cross-entropy over the real target tokens."""
        ids = np.asarray(x.numpy())
        target = _trim(np.asarray(y.numpy()))
        src, tgt_in = _trim(ids[:, 0]), ids[:, 1, : target.shape[1]]
        logits = self.model(src, tgt_in)
        loss = nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]),
            hm.tensor(target.reshape(-1)),
            ignore_index=WordTokenizer.pad_id,
        )
        return logits, loss


# -- decoding ------------------------------------------------------------------------------------


def _greedy_texts(
    model: Any, tgt_tok: WordTokenizer, sources: list[list[int]], max_len: int, chunk: int = 64
) -> list[str]:
    """Greedy translations of id lists (with ``<eos>``), decoded to text, in chunks."""
    texts: list[str] = []
    for start in range(0, len(sources), chunk):
        part = sources[start : start + chunk]
        src = np.zeros((len(part), max(map(len, part))), dtype=np.int64)
        for i, ids in enumerate(part):
            src[i, : len(ids)] = ids
        out, _ = model.greedy(src, max_len=max_len)
        texts.extend(tgt_tok.decode(row) for row in out)
    return texts


class _BleuCallback(Callback):
    """Adds ``bleu`` (greedy, on the first held-out sentences) to every ``every``-th
    evaluation's history row and to the last one; it runs before the checkpoint, so a
    resumed run keeps the earlier scores.
    """

    def __init__(self, data: _Pairs, settings: dict, show: bool):
        self.every, self.show = settings["bleu_every"], show
        self.max_iters = settings["max_iters"]
        count = settings["bleu_sentences"]
        self.sources = [s for s, _ in data.ids["val"][:count]]
        self.references = data.references(data.test_pairs[:count])
        self.data = data

    def on_epoch_end(self, run: TrainingRun) -> None:
        if (len(run.history) - 1) % self.every and run.epoch < self.max_iters:
            return
        model = run.model.model
        texts = _greedy_texts(model, self.data.tgt_tok, self.sources, self.data.max_len)
        score = corpus_bleu(texts, [self.references]).score
        run.history.rows[-1]["bleu"] = round(float(score), 2)
        if self.show:
            from tqdm.auto import tqdm

            tqdm.write(f"iter {run.epoch}  held-out BLEU {score:.2f} (first {len(texts)})")


# -- the job -------------------------------------------------------------------------------------


def train(
    direction: str | None = "fra-eng",
    model: str | None = "gru-attention",
    max_iters: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    data_dir: str | Path | None = None,
    data_file: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
    overrides: dict | None = None,
) -> dict:
    """Train a translation model; write the run folder; return its metrics.

    Parameters
    ----------
    direction : {"fra-eng", "eng-fra"}
        Source and target language (None: the default, or the resumed run's). With
        ``data_file``, ``"eng-fra"`` translates the file's first column into its second and
        ``"fra-eng"`` the second into the first.
    model : {"gru-attention", "transformer"}
        The architecture (:func:`defaults` gives its settings; None: the default, or the
        resumed run's).
    max_iters, batch_size, lr, seed : optional
        Override the defaults; seed defaults to 1337.
    out : path, optional
        The run folder, default ``runs/translate-DIRECTION-MODEL``.
    data_dir : path, optional
        Where ``eng-fra/eng-fra.txt`` is (default ``$HOMEML_DATA``).
    data_file : path, optional
        Any tab-separated pairs file (``source<TAB>target[<TAB>...]``) instead.
    resume : bool
        Continue the run in ``out`` from its checkpoint, with its settings.
    progress : bool
        Show the progress bar and the BLEU at each scored evaluation.
    overrides : dict, optional
        More settings by name (``hidden_size``, ``eval_interval``, ``bleu_every``, ...);
        unknown names are refused.

    Returns
    -------
    dict
        What ``metrics.json`` holds: the settings, ``train_loss`` and ``val_loss`` of the last
        evaluation, ``test_loss`` (the whole held-out split), ``bleu`` and ``chrf`` (greedy
        translations of the held-out split), ``train_seconds``, ``parameters`` and the split's
        sizes.

    Raises
    ------
    ValueError
        An unknown direction, model or setting, or a resume whose options differ from the run's.
    FileNotFoundError
        No pairs file, or nothing to resume.
    """
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; choose one of {', '.join(DIRECTIONS)}")
    given: dict[str, Any] = dict(direction=direction, model=model, **(overrides or {}))
    explicit = dict(max_iters=max_iters, batch_size=batch_size, lr=lr, seed=seed)
    given.update({k: v for k, v in explicit.items() if v is not None or k not in given})
    if data_file is not None:
        if not Path(data_file).is_file():
            raise FileNotFoundError(
                f"no pairs file at {data_file}: --data takes a tab-separated file of "
                "source<TAB>target lines"
            )
        given["data_file"] = str(data_file)
    out = Path(out or f"runs/translate-{direction or 'fra-eng'}-{model or 'gru-attention'}")
    settings = _settings(out, resume, given)
    data = _Pairs(settings, data_dir)
    out.mkdir(parents=True, exist_ok=True)
    io.atomic_write(out / SETTINGS, [json.dumps(settings, indent=2).encode()])

    hm.manual_seed(settings["seed"])
    net = build_model(settings, data.src_tok.vocab_size, data.tgt_tok.vocab_size, data.max_len)
    wrapper = _TeacherForcing(net)
    optimizer = optim.Adam(wrapper.parameters(), lr=settings["lr"])
    history = fit_iterations(
        wrapper,
        optimizer,
        data.batch,
        settings["max_iters"],
        eval_interval=settings["eval_interval"],
        eval_iters=settings["eval_iters"],
        grad_clip=settings["grad_clip"],
        seed=settings["seed"],
        checkpoint=out / CHECKPOINT,
        resume=resume,
        history_path=out / "history.json",
        callbacks=[_BleuCallback(data, settings, progress)],
        progress=progress,
    )
    net.eval()
    last = history.rows[-1]
    metrics = {**settings}
    metrics.update(train_loss=round(last["train_loss"], 4), val_loss=round(last["val_loss"], 4))
    metrics["test_loss"] = _split_loss(wrapper, data.ids["val"])
    sources = [s for s, _ in data.ids["val"]]
    translations = _greedy_texts(net, data.tgt_tok, sources, data.max_len)
    references = data.references(data.test_pairs)
    metrics["bleu"] = round(float(corpus_bleu(translations, [references]).score), 2)
    metrics["chrf"] = round(float(corpus_chrf(translations, [references]).score), 2)
    metrics.update(train_pairs=len(data.train_pairs), test_pairs=len(data.test_pairs))
    metrics["train_seconds"] = round(sum(history["seconds"]), 1)
    metrics["parameters"] = sum(p.numel() for p in net.parameters())
    _write_run(out, net, data, history, metrics, translations, references)
    return metrics


def _settings(out: Path, resume: bool, given: dict) -> dict:
    """The run's settings: the resumed run's, or the model's defaults with ``given`` on top."""
    if resume:
        return resume_settings(out, given)
    settings = {"direction": given["direction"] or "fra-eng", **defaults(given["model"])}
    settings["seed"] = 1337
    settings["data_file"] = None
    for key, value in given.items():
        if key in ("model", "direction") or value is None:
            continue
        if key not in settings:
            raise ValueError(
                f"unknown setting {key!r} for {settings['model']}; the settings are "
                f"{', '.join(sorted(settings))}"
            )
        settings[key] = value
    for key in ("max_iters", "batch_size", "eval_interval", "eval_iters", "bleu_every"):
        if not isinstance(settings[key], int) or settings[key] < 1:
            raise ValueError(f"{key} must be a positive integer, got {settings[key]!r}")
    return settings


def build_model(settings: dict, src_vocab: int, tgt_vocab: int, max_len: int) -> nn.Module:
    """The network ``settings["model"]`` names, sized by the settings."""
    if settings["model"] == "gru-attention":
        return GRUSeq2Seq(
            Seq2SeqConfig(src_vocab, tgt_vocab, settings["hidden_size"], settings["dropout"])
        )
    config = TransformerSeq2SeqConfig(
        src_vocab_size=src_vocab,
        tgt_vocab_size=tgt_vocab,
        d_model=settings["d_model"],
        nhead=settings["nhead"],
        num_encoder_layers=settings["num_encoder_layers"],
        num_decoder_layers=settings["num_decoder_layers"],
        dim_feedforward=settings["dim_feedforward"],
        dropout=settings["dropout"],
        max_len=max(64, max_len + 2),
    )
    return TransformerSeq2Seq(config)


def _split_loss(wrapper: _TeacherForcing, pairs: list, chunk: int = 256) -> float:
    """The cross-entropy per target token over every pair, not an estimate."""
    total, count = 0.0, 0
    wrapper.eval()
    with hm.no_grad():
        for start in range(0, len(pairs), chunk):
            x, y = pack(pairs[start : start + chunk])
            _, loss = wrapper(hm.tensor(x), hm.tensor(y))
            tokens = int((y != WordTokenizer.pad_id).sum())
            total += float(loss.item()) * tokens
            count += tokens
    return round(total / count, 4)


def _metadata(data: _Pairs, metrics: dict) -> dict:
    scores = ("test_loss", "bleu", "chrf", "max_iters", "train_seconds")
    return {
        "task": TASK,
        "model": metrics["model"],
        "direction": metrics["direction"],
        "src_vocabulary": data.src_tok.vocab.itos[len(SPECIAL_TOKENS) :],
        "tgt_vocabulary": data.tgt_tok.vocab.itos[len(SPECIAL_TOKENS) :],
        "lowercase": True,
        "strip_accents": True,
        "max_len": data.max_len,
        **{k: metrics[k] for k in scores},
    }


def _write_run(
    out: Path,
    net: nn.Module,
    data: _Pairs,
    history: Any,
    metrics: dict,
    translations: list[str],
    references: list[str],
) -> None:
    """The run folder: model (with its metadata), history, metrics, samples and the report."""
    from homeml.plot import plot_translation_report

    io.save(net, out / "model.safetensors", metadata=_metadata(data, metrics))
    history.to_json(out / "history.json")
    io.atomic_write(out / "metrics.json", [json.dumps(metrics, indent=2).encode()])
    lines = []
    for (source, _), text, reference in zip(
        data.test_pairs[:SAMPLES_SHOWN], translations, references, strict=False
    ):
        lines += [f"> {source}", f"= {reference}", f"< {text}", ""]
    io.atomic_write(out / "samples.txt", ["\n".join(lines).encode()])
    attention = None
    if isinstance(net, GRUSeq2Seq):
        source_ids = data.ids["val"][0][0]
        ids, weights = net.translate(source_ids, max_len=data.max_len)
        if weights is not None and len(ids):
            attention = (
                weights,
                data.src_tok.vocab.lookup_tokens(source_ids),
                data.tgt_tok.vocab.lookup_tokens(ids),
            )
    title = (
        f"{metrics['model']} {metrics['direction']}: held-out BLEU {metrics['bleu']:.2f}, "
        f"chrF {metrics['chrf']:.2f}"
    )
    plot_translation_report(
        history, "\n".join(lines), out / "report.png", attention=attention, title=title
    )


# -- using a run ---------------------------------------------------------------------------------


def load_translation_run(run_dir: str | Path) -> tuple[Any, dict, WordTokenizer, WordTokenizer]:
    """The model, metadata and source and target tokenizers of a translation run.

    Parameters
    ----------
    run_dir : path
        A ``homeml train translate`` folder, or its ``model.safetensors``.

    Raises
    ------
    FileNotFoundError
        No model file there.
    ValueError
        The file holds something other than a translation model, or its metadata is broken.
    """
    path = Path(run_dir)
    if path.is_dir():
        path = path / "model.safetensors"
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}; train one with `homeml train translate`")
    metadata = io.load_metadata(path)
    if not is_translation_model(metadata):
        raise ValueError(
            f"{path} is not a translation model (it was not written by `homeml train translate`)"
        )
    src_tok, tgt_tok = tokenizers(metadata)
    return io.load(path), metadata, src_tok, tgt_tok


def tokenizers(metadata: dict) -> tuple[WordTokenizer, WordTokenizer]:
    """The source and target tokenizers a translation model's metadata describes.

    Raises
    ------
    ValueError
        A missing or malformed field, named.
    """
    made = []
    for key in ("src_vocabulary", "tgt_vocabulary"):
        words = metadata.get(key)
        if not isinstance(words, list):
            raise ValueError(f"the metadata's {key} must be a list of words, got {words!r:.60}")
        made.append(
            WordTokenizer(
                Vocabulary(words),
                bool(metadata.get("lowercase", True)),
                bool(metadata.get("strip_accents", True)),
            )
        )
    max_len = metadata.get("max_len")
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise ValueError(f"the metadata's max_len must be a positive int, got {max_len!r}")
    return made[0], made[1]


def translate_texts(
    model: Any,
    metadata: dict,
    texts: list[str],
    beam_size: int = 1,
    tokenizers_: tuple[WordTokenizer, WordTokenizer] | None = None,
) -> list[str]:
    """Translate sentences with a trained model: greedy (``beam_size=1``) or beam search.

    Parameters
    ----------
    model : GRUSeq2Seq or TransformerSeq2Seq
    metadata : dict
        Its run's metadata (vocabularies, ``max_len``).
    texts : list of str
        Sentences in the source language; words the model never saw become ``<unk>``.
    beam_size : int, default 1
        1 to :data:`MAX_BEAM`.
    tokenizers_ : (WordTokenizer, WordTokenizer), optional
        The source and target tokenizers, when already built (:func:`tokenizers`).

    Returns
    -------
    list of str
        The translations, normalised words separated by spaces.

    Raises
    ------
    ValueError
        A beam size out of range, or a text with no words.
    """
    if isinstance(beam_size, bool) or not isinstance(beam_size, int):
        raise TypeError(f"beam_size must be an int, got {type(beam_size).__name__}")
    if not 1 <= beam_size <= MAX_BEAM:
        raise ValueError(f"beam_size must be 1 to {MAX_BEAM}, got {beam_size}")
    src_tok, tgt_tok = tokenizers_ or tokenizers(metadata)
    results = []
    for text in texts:
        ids = src_tok.encode(text)
        if not ids:
            raise ValueError(f"{text!r} holds no words to translate")
        out, _ = model.translate(
            [*ids, WordTokenizer.eos_id], max_len=metadata["max_len"], beam_size=beam_size
        )
        results.append(tgt_tok.decode(out))
    return results
