"""Text classification, as ``homeml train sms-spam|sentiment`` runs it and ``homeml predict``
and ``homeml serve`` use it.

Data and splits:

- ``sms-spam``: the SMS Spam Collection (:func:`homeml.datasets.load_sms_spam`), split 70/30
  stratified by label (:func:`homeml.learn.model_selection.train_test_split`, ``random_state=0``).
- ``sentiment``: the Sentiment Labelled Sentences of one ``source`` (yelp, amazon, imdb), each
  split with ``test_size=0.25, random_state=1000`` (the same rows as scikit-learn's
  ``train_test_split``); ``all`` trains on the three training parts together and tests on the
  three test parts (with each source's accuracy too). The setting ``csv_quoting`` reads the
  files as ``pandas.read_csv`` does (imdb then has the 748 rows the tutorials report on).

Models: pipelines (``countvec-logreg``: CountVectorizer + LogisticRegression, every default,
the tutorials' baseline; ``tfidf-logreg``, ``tfidf-svm``: tf-idf of word 1-2-grams or char_wb
2-5-grams with LogisticRegression or LinearSVC; ``nb``: counts with MultinomialNB), whose
settings left unset are chosen by 5-fold cross-validation on the training part; and networks
(``fasttext``, ``cnn``, ``bilstm``, ``bigru``, ``transformer``: :mod:`homeml.models.text_classifier`
over :class:`homeml.text.WordTokenizer` ids, a stratified tenth of the training part for
validation). The test part is used once, at the end.

A run folder holds ``model.safetensors`` (metadata ``task`` ``"text-classification"``, the class
names and, for networks, the vocabulary), ``run.json``, ``metrics.json`` (accuracy, MCC, F1 and
ROC AUC; for SMS the share of spam caught and of ham blocked), ``misclassified.txt`` and
``report.png``; networks also ``history.json`` and ``checkpoint.safetensors`` (``resume``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

import homeml as hm
from homeml import io
from homeml.datasets import load_sentiment, load_sms_spam
from homeml.datasets.labelled_text import SENTIMENT_SOURCES
from homeml.jobs import _text_models as tm
from homeml.jobs._kinds import TEXT_CLASSIFICATION_TASK, is_text_classifier
from homeml.jobs._run_folder import CHECKPOINT, SETTINGS, resume_settings
from homeml.learn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score
from homeml.learn.model_selection import train_test_split
from homeml.text import SPECIAL_TOKENS, Vocabulary, WordTokenizer

__all__ = [
    "DATASETS",
    "MODELS",
    "SOURCES",
    "TASK",
    "defaults",
    "is_text_classifier",
    "load_text_classifier_run",
    "predict_texts",
    "train",
]

TASK = TEXT_CLASSIFICATION_TASK
DATASETS = ("sms-spam", "sentiment")
SOURCES = (*SENTIMENT_SOURCES, "all")
MODELS = (*tm.CLASSIC, *tm.NEURAL)
_NEURAL_COMMON = dict(epochs=10, batch_size=32, max_len=100, min_freq=1, dropout=0.5)
DEFAULTS: dict[str, dict[str, Any]] = {
    "countvec-logreg": {},
    "tfidf-logreg": dict(C=None, features=None, cv_folds=5),
    "tfidf-svm": dict(C=None, features=None, cv_folds=5),
    "nb": dict(alpha=None, ngram_max=None, cv_folds=5),
    "fasttext": dict(_NEURAL_COMMON, embed_dim=64, num_buckets=20_000, lr=5e-3, dropout=0.2),
    "cnn": dict(_NEURAL_COMMON, embed_dim=64, num_filters=64, lr=1e-3),
    "bilstm": dict(_NEURAL_COMMON, embed_dim=64, hidden_size=64, num_layers=1, lr=2e-3),
    "bigru": dict(_NEURAL_COMMON, embed_dim=64, hidden_size=64, num_layers=1, lr=2e-3),
    "transformer": dict(
        _NEURAL_COMMON, embed_dim=64, nhead=4, num_layers=2, dim_feedforward=128, lr=5e-4
    ),
}
DEFAULTS["transformer"]["dropout"] = 0.1
SHOWN_MISTAKES = 10


def defaults(model: str | None) -> dict:
    """The settings a run of ``model`` starts from (``overrides`` change them).

    Raises
    ------
    ValueError
        An unknown model, naming the choices.
    """
    model = model or "tfidf-svm"
    if model not in DEFAULTS:
        raise ValueError(f"unknown text model {model!r}; choose one of {', '.join(MODELS)}")
    return {"model": model, **DEFAULTS[model]}


# -- the data ------------------------------------------------------------------------------------


def _split(settings: dict, data_dir: Any) -> dict:
    """Train and test texts, integer labels, class names and, for ``all``, each test text's
    source.
    """
    limit = settings.get("limit")
    parts: list[Any] = [[], [], [], []]
    sources: list[str] = []
    if settings["dataset"] == "sms-spam":
        messages, labels = load_sms_spam(data_dir)
        y = np.array([label == "spam" for label in labels], dtype=np.int64)
        parts = train_test_split(messages, y, test_size=0.3, stratify=y, random_state=0)
        names = ["ham", "spam"]
    else:
        chosen = list(SENTIMENT_SOURCES) if settings["source"] == "all" else [settings["source"]]
        for source in chosen:
            texts, polarity = load_sentiment(source, data_dir, settings["csv_quoting"])
            split = train_test_split(texts, polarity, test_size=0.25, random_state=1000)
            for whole, piece in zip(parts, split):
                whole.extend(piece)
            sources += [source] * len(split[1])
        names = ["negative", "positive"]
    train_x, test_x, train_y, test_y = parts
    end = limit or len(train_x)
    return {
        "train": (list(train_x)[:end], np.asarray(train_y, dtype=np.int64)[:end]),
        "test": (list(test_x)[:end], np.asarray(test_y, dtype=np.int64)[:end]),
        "sources": sources[:end] if settings.get("source") == "all" else None,
        "class_names": names,
    }


# -- scores --------------------------------------------------------------------------------------


def matthews(y_true: np.ndarray, y_pred: np.ndarray, classes: int) -> float:
    """Matthews' correlation coefficient (Gorodkin's multi-class form; 0 when undefined)."""
    c = confusion_matrix(y_true, y_pred, labels=list(range(classes))).astype(np.float64)
    t, p, n, correct = c.sum(axis=1), c.sum(axis=0), c.sum(), np.trace(c)
    denominator = np.sqrt((n**2 - (p**2).sum()) * (n**2 - (t**2).sum()))
    return float((correct * n - (t * p).sum()) / denominator) if denominator else 0.0


def scores(data: dict, proba: np.ndarray, dataset: str) -> dict:
    """Accuracy, MCC, F1 (of class 1) and ROC AUC on the test part; for SMS the spam caught
    and ham blocked (percent); for several sources each one's accuracy.
    """
    y = data["test"][1]
    pred = proba.argmax(axis=1)
    result: dict[str, Any] = {
        "accuracy": round(float(accuracy_score(y, pred)), 4),
        "mcc": round(matthews(y, pred, proba.shape[1]), 4),
        "f1": round(float(f1_score(y, pred)), 4),
        "roc_auc": round(float(roc_auc_score(y, proba[:, 1])), 4),
    }
    if dataset == "sms-spam":
        result["spam_caught_pct"] = round(100 * float((pred[y == 1] == 1).mean()), 2)
        result["ham_blocked_pct"] = round(100 * float((pred[y == 0] == 1).mean()), 2)
    if data["sources"] is not None:
        sources = np.array(data["sources"])
        result["accuracy_by_source"] = {
            s: round(float((pred[sources == s] == y[sources == s]).mean()), 4)
            for s in dict.fromkeys(sources)
        }
    return result


# -- the job -------------------------------------------------------------------------------------


def train(
    dataset: str = "sms-spam",
    model: str | None = None,
    source: str | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    data_dir: str | Path | None = None,
    limit: int | None = None,
    resume: bool = False,
    progress: bool = True,
    overrides: dict | None = None,
) -> dict:
    """Train a text classifier; write the run folder; return its metrics.

    Parameters
    ----------
    dataset : {"sms-spam", "sentiment"}
    model : str, optional
        One of :data:`MODELS` (default ``tfidf-svm``, or the resumed run's).
    source : {"yelp", "amazon", "imdb", "all"}, optional
        The sentiment source (default yelp); only for ``sentiment``.
    epochs, batch_size, lr : optional
        The networks' training (defaults per model, :func:`defaults`).
    seed : int, optional
        Default 0: the cross-validation folds, the validation tenth and the network's start.
    out : path, optional
        The run folder, default ``runs/DATASET[-SOURCE]-MODEL``.
    data_dir : path, optional
        The data folder (default ``$HOMEML_DATA``).
    limit : int, optional
        Keep only this many texts of each part (quick checks).
    resume : bool
        Continue a network's run in ``out`` from its checkpoint, with its settings (``epochs``
        may be raised).
    progress : bool
        Show the progress bar (networks).
    overrides : dict, optional
        More settings by name (``C``, ``features``, ``embed_dim``, ``csv_quoting``, ...);
        unknown names are refused.

    Returns
    -------
    dict
        What ``metrics.json`` holds: the settings, the test scores (:func:`scores`), the split's
        sizes, ``train_seconds`` and, for pipelines, what cross-validation chose.

    Raises
    ------
    ValueError
        An unknown dataset, model, source or setting, or a resume whose options differ.
    FileNotFoundError
        A missing data file, or nothing to resume.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    if source is not None and dataset != "sentiment":
        raise ValueError("source is for the sentiment dataset")
    if source is not None and source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    given: dict[str, Any] = dict(model=model, source=source, **(overrides or {}))
    explicit = dict(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, limit=limit)
    given.update({k: v for k, v in explicit.items() if v is not None or k not in given})
    name = f"{dataset}-{source or 'yelp'}" if dataset == "sentiment" else dataset
    out = Path(out or f"runs/{name}-{model or 'tfidf-svm'}")
    if resume:  # a resumed run may be given more epochs; everything else must match
        more = given.pop("epochs", None)
        settings = resume_settings(out, given)
        settings["epochs"] = more or settings.get("epochs")
    else:
        settings = _settings(dataset, given)
    if resume and settings["model"] in tm.CLASSIC:
        raise ValueError(f"{settings['model']} trains in one go: there is nothing to resume")
    data = _split(settings, data_dir)
    out.mkdir(parents=True, exist_ok=True)
    io.atomic_write(out / SETTINGS, [json.dumps(settings, indent=2).encode()])
    started = time.perf_counter()
    if settings["model"] in tm.CLASSIC:
        pipeline, cv = tm.fit_classic(settings, *data["train"])
        proba, calibrated = tm.pipeline_probabilities(pipeline, data["test"][0])
        trained: Any = pipeline
        history = None
        extra: dict[str, Any] = {"cross_validation": cv} if cv else {}
        extra["calibrated"] = calibrated
        tokenizer = None
    else:
        trained, tokenizer, history = _train_network(settings, data, out, resume, progress)
        rows = tm.encode_texts(tokenizer, data["test"][0], settings["max_len"])
        proba = tm.neural_probabilities(trained, rows)
        extra = {"vocabulary_size": tokenizer.vocab_size, "calibrated": True}
        extra["parameters"] = sum(p.numel() for p in trained.parameters())
    metrics = {**settings, **scores(data, proba, dataset), **extra}
    metrics.update(train_texts=len(data["train"][0]), test_texts=len(data["test"][0]))
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)
    _write_run(out, trained, tokenizer, data, proba, history, metrics)
    return metrics


def _settings(dataset: str, given: dict) -> dict:
    """The model's defaults with ``given`` on top; unknown names refused."""
    settings = {"dataset": dataset, **defaults(given["model"])}
    settings.update(source=None, seed=0, limit=None, csv_quoting=False)
    if dataset == "sentiment":
        settings["source"] = given.get("source") or "yelp"
    for key, value in given.items():
        if key in ("model", "source") or value is None:
            continue
        if key not in settings:
            raise ValueError(
                f"unknown setting {key!r} for {settings['model']}; the settings are "
                f"{', '.join(sorted(settings))}"
            )
        settings[key] = value
    for key in ("epochs", "batch_size", "max_len", "cv_folds", "limit"):
        value = settings.get(key)
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValueError(f"{key} must be a positive integer, got {value!r}")
    return settings


def _train_network(settings: dict, data: dict, out: Path, resume: bool, progress: bool):
    """Tokenizer, network and history of a neural run (validation: a stratified tenth of the
    training part).
    """
    texts, y = data["train"]
    fit_x, val_x, fit_y, val_y = train_test_split(
        texts, y, test_size=0.1, stratify=y, random_state=settings["seed"]
    )
    tokenizer = WordTokenizer.from_texts(fit_x, min_freq=settings["min_freq"])
    hm.manual_seed(settings["seed"])
    net = tm.build_network(settings, tokenizer.vocab_size, len(data["class_names"]))
    history = tm.fit_neural(
        settings,
        net,
        (tm.encode_texts(tokenizer, fit_x, settings["max_len"]), fit_y),
        (tm.encode_texts(tokenizer, val_x, settings["max_len"]), val_y),
        out / CHECKPOINT,
        resume,
        out / "history.json",
        progress,
    )
    net.eval()
    return net, tokenizer, history


def _write_run(out, trained, tokenizer, data, proba, history, metrics) -> None:
    """model.safetensors (with its metadata), metrics, the misclassified texts and the report."""
    from homeml.plot import plot_text_classification_report

    names = data["class_names"]
    keep = ("accuracy", "mcc", "f1", "roc_auc", "dataset", "source", "calibrated")
    metadata: dict[str, Any] = {"task": TASK, "model": metrics["model"], "class_names": names}
    metadata.update({k: metrics[k] for k in keep if k in metrics})
    if tokenizer is not None:
        metadata["vocabulary"] = tokenizer.vocab.itos[len(SPECIAL_TOKENS) :]
        metadata["max_len"] = metrics["max_len"]
    io.save(trained, out / "model.safetensors", metadata=metadata)
    io.atomic_write(out / "metrics.json", [json.dumps(metrics, indent=2).encode()])
    texts, y = data["test"]
    pred = proba.argmax(axis=1)
    wrong = np.flatnonzero(pred != y)
    wrong = wrong[np.argsort(-proba[wrong, pred[wrong]], kind="stable")]  # surest mistakes first
    lines = [
        f"[{names[y[i]]} read as {names[pred[i]]}, p={proba[i, pred[i]]:.2f}] {texts[i]}"
        for i in wrong
    ]
    io.atomic_write(out / "misclassified.txt", ["\n".join(lines).encode()])
    features = tm.telling_features(trained) if metrics["model"] in tm.CLASSIC else None
    title = (
        f"{metrics['dataset']}{'-' + metrics['source'] if metrics.get('source') else ''} "
        f"{metrics['model']}: test accuracy {metrics['accuracy']:.4f}, MCC {metrics['mcc']:.3f}"
    )
    plot_text_classification_report(
        y,
        proba,
        names,
        out / "report.png",
        mistakes=lines[:SHOWN_MISTAKES],
        features=features,
        history=history,
        title=title,
    )


# -- using a run ---------------------------------------------------------------------------------


def load_text_classifier_run(run_dir: str | Path) -> tuple[Any, dict]:
    """The model (a pipeline or a network) and metadata of a text-classification run.

    Raises
    ------
    FileNotFoundError
        No model file there.
    ValueError
        The file holds another kind of model.
    """
    path = Path(run_dir)
    if path.is_dir():
        path = path / "model.safetensors"
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}; train one with `homeml train sms-spam`")
    metadata = io.load_metadata(path)
    if not is_text_classifier(metadata):
        raise ValueError(f"{path} is not a text classifier (not written by `homeml train`)")
    return io.load(path), metadata


def tokenizer_of(metadata: dict) -> WordTokenizer | None:
    """A network's tokenizer from its metadata (None for a pipeline, which holds its own)."""
    words = metadata.get("vocabulary")
    if words is None:
        return None
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValueError("the metadata's vocabulary must be a list of words")
    return WordTokenizer(Vocabulary(words))


def predict_texts(
    model: Any, metadata: dict, texts: list[str], tokenizer: WordTokenizer | None = None
) -> list[dict]:
    """The label and class probabilities of each text.

    Returns
    -------
    list of dict
        ``{"label": name, "probabilities": {name: p, ...}}`` per text, in order.
    """
    names = list(metadata["class_names"])
    tokenizer = tokenizer or tokenizer_of(metadata)
    if tokenizer is None:
        proba, _ = tm.pipeline_probabilities(model, list(texts))
    else:
        rows = tm.encode_texts(tokenizer, list(texts), int(metadata.get("max_len", 100)))
        proba = tm.neural_probabilities(model, rows)
    return [
        {
            "label": names[int(row.argmax())],
            "probabilities": {n: round(float(p), 6) for n, p in zip(names, row)},
        }
        for row in proba
    ]
