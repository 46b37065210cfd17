"""The models of ``homeml train sms-spam|sentiment``: scikit-learn-style pipelines (a vectorizer
and a linear classifier or naive Bayes, their settings chosen by cross-validation on the
training part) and the neural classifiers of :mod:`homeml.models.text_classifier` (trained with
:func:`homeml.train.fit`, a validation tenth of the training part watched each epoch).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import homeml as hm
from homeml import nn, optim
from homeml.creation import default_generator
from homeml.learn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from homeml.learn.linear_model import LogisticRegression
from homeml.learn.model_selection import GridSearchCV, StratifiedKFold
from homeml.learn.naive_bayes import MultinomialNB
from homeml.learn.pipeline import Pipeline
from homeml.learn.svm import LinearSVC
from homeml.models import (
    FastText,
    RNNClassifier,
    SentenceCNN,
    TextClassifierConfig,
    TransformerClassifier,
)
from homeml.tensor import Tensor
from homeml.text import WordTokenizer
from homeml.train import fit

__all__ = [
    "CLASSIC",
    "NEURAL",
    "build_network",
    "fit_classic",
    "fit_neural",
    "neural_probabilities",
    "pipeline_probabilities",
    "telling_features",
]

CLASSIC = ("countvec-logreg", "tfidf-logreg", "tfidf-svm", "nb")
NEURAL = ("fasttext", "cnn", "bilstm", "bigru", "transformer")
# the feature sets a tfidf model's cross-validation chooses between (``features`` setting)
FEATURES: dict[str, tuple[str, tuple[int, int]]] = {
    "word": ("word", (1, 2)),  # (analyzer, ngram_range)
    "char": ("char_wb", (2, 5)),
}
# the values cross-validation tries when a setting is left at None
GRIDS: dict[str, dict[str, list]] = {
    "tfidf-logreg": {"C": [3.0, 10.0, 30.0], "features": ["word", "char"]},
    "tfidf-svm": {"C": [0.1, 0.3, 1.0, 3.0], "features": ["word", "char"]},
    "nb": {"alpha": [0.1, 0.3, 1.0], "ngram_max": [1, 2]},
}


# -- pipelines -----------------------------------------------------------------------------------


def _tfidf(features: str) -> TfidfVectorizer:
    analyzer, ngram_range = FEATURES[features]
    return TfidfVectorizer(analyzer=analyzer, ngram_range=ngram_range, sublinear_tf=True)


def _pipeline(settings: dict) -> Pipeline:
    """The model's pipeline with the settings given (None: the first value of its grid)."""
    model = settings["model"]
    if model == "countvec-logreg":  # the tutorials' baseline: every default
        steps: tuple[Any, Any] = (CountVectorizer(), LogisticRegression())
    elif model == "nb":
        steps = (
            CountVectorizer(ngram_range=(1, settings.get("ngram_max") or 1)),
            MultinomialNB(alpha=settings.get("alpha") or 1.0),
        )
    else:
        C = settings.get("C") or 1.0
        classifier = LogisticRegression(C=C, max_iter=1000) if model == "tfidf-logreg" else None
        steps = (_tfidf(settings.get("features") or "word"), classifier or LinearSVC(C=C))
    return Pipeline([("vectorizer", steps[0]), ("classifier", steps[1])])


def fit_classic(settings: dict, texts: list[str], y: np.ndarray) -> tuple[Pipeline, dict]:
    """The pipeline of ``settings["model"]`` fitted on ``texts``; settings left at None are
    chosen by stratified k-fold cross-validation (accuracy) on these texts only. Returns the
    pipeline and what the search found (empty without one).
    """
    model = settings["model"]
    strength = "alpha" if model == "nb" else "C"
    grid = {k: v for k, v in GRIDS.get(model, {}).items() if settings.get(k) is None}
    pipeline = _pipeline(settings)
    if not grid:
        return pipeline.fit(texts, y), {}
    params: dict[str, list] = {}
    if strength in grid:
        params[f"classifier__{strength}"] = grid[strength]
    if "features" in grid:
        params["vectorizer"] = [_tfidf(name) for name in grid["features"]]
    if "ngram_max" in grid:
        params["vectorizer__ngram_range"] = [(1, n) for n in grid["ngram_max"]]
    folds = StratifiedKFold(settings["cv_folds"], shuffle=True, random_state=settings["seed"])
    search = GridSearchCV(pipeline, params, cv=folds, scoring="accuracy").fit(texts, y)
    chosen: dict[str, Any] = {}
    for key, value in search.best_params_.items():
        if key == "vectorizer":
            chosen["features"] = next(
                name for name, (analyzer, _) in FEATURES.items() if analyzer == value.analyzer
            )
        elif key == "vectorizer__ngram_range":
            chosen["ngram_max"] = int(value[1])
        else:
            chosen[key.split("__")[1]] = float(value)
    cv_accuracy = round(float(search.best_score_), 4)
    found = {"chosen": chosen, "cv_accuracy": cv_accuracy, "folds": settings["cv_folds"]}
    return search.best_estimator_, found


def pipeline_probabilities(pipeline: Any, texts: list[str]) -> tuple[np.ndarray, bool]:
    """Class probabilities (n, classes) and whether they are calibrated: a linear SVM has
    none, so its margins go through a logistic (binary) or softmax (multi-class) instead.
    """
    if hasattr(pipeline[-1], "predict_proba"):
        return np.asarray(pipeline.predict_proba(texts), dtype=np.float64), True
    margin = np.asarray(pipeline.decision_function(texts), dtype=np.float64)
    if margin.ndim == 1:
        positive = 1.0 / (1.0 + np.exp(-margin))
        return np.stack([1.0 - positive, positive], axis=1), False
    exp = np.exp(margin - margin.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True), False


def telling_features(pipeline: Any, count: int = 12) -> tuple[list, list] | None:
    """The ``count`` features pulling hardest toward class 0 and toward class 1 (binary linear
    models and naive Bayes), as (feature, weight) lists; None otherwise.
    """
    classifier = pipeline[-1]
    if hasattr(classifier, "coef_") and np.shape(classifier.coef_)[0] == 1:
        weights = np.asarray(classifier.coef_, dtype=np.float64)[0]
    elif hasattr(classifier, "feature_log_prob_") and len(classifier.feature_log_prob_) == 2:
        log_prob = np.asarray(classifier.feature_log_prob_, dtype=np.float64)
        weights = log_prob[1] - log_prob[0]
    else:
        return None
    names = pipeline[0].get_feature_names_out()
    order = np.argsort(weights, kind="stable")
    negative = [(str(names[i]), round(float(weights[i]), 4)) for i in order[:count]]
    positive = [(str(names[i]), round(float(weights[i]), 4)) for i in order[::-1][:count]]
    return negative, positive


# -- neural networks -----------------------------------------------------------------------------


def build_network(settings: dict, vocab_size: int, num_classes: int) -> nn.Module:
    """The network ``settings["model"]`` names, sized by the settings."""
    config = TextClassifierConfig(
        vocab_size=vocab_size,
        num_classes=num_classes,
        embed_dim=settings["embed_dim"],
        hidden_size=settings.get("hidden_size", 64),
        num_layers=settings.get("num_layers", 1),
        cell="gru" if settings["model"] == "bigru" else "lstm",
        num_filters=settings.get("num_filters", 100),
        num_buckets=settings.get("num_buckets", 0),
        nhead=settings.get("nhead", 4),
        dim_feedforward=settings.get("dim_feedforward", 128),
        max_len=settings["max_len"],
        dropout=settings["dropout"],
        pad_id=WordTokenizer.pad_id,
    )
    kinds = {"fasttext": FastText, "cnn": SentenceCNN, "transformer": TransformerClassifier}
    return kinds.get(settings["model"], RNNClassifier)(config)


def encode_texts(tokenizer: WordTokenizer, texts: list[str], max_len: int) -> list[list[int]]:
    """Each text's word ids, cut to its first ``max_len`` words."""
    return [tokenizer.encode(text)[:max_len] for text in texts]


def pad(rows: list[list[int]]) -> np.ndarray:
    """Right-padded (B, L) ids (L at least 1)."""
    width = max(max(map(len, rows)), 1)
    ids = np.full((len(rows), width), WordTokenizer.pad_id, dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
    return ids


class _Batches:
    """``(ids, labels)`` tensor batches, each padded to its longest text; shuffled each pass
    by homeml's default generator (saved with checkpoints) when ``shuffle``.
    """

    def __init__(self, rows: list[list[int]], labels: np.ndarray, batch_size: int, shuffle: bool):
        self.rows, self.labels = rows, np.asarray(labels, dtype=np.int64)
        self.batch_size, self.shuffle = batch_size, shuffle

    def __len__(self) -> int:
        return -(-len(self.rows) // self.batch_size)

    def __iter__(self):
        order = np.arange(len(self.rows))
        if self.shuffle:
            order = default_generator.rng.permutation(len(self.rows))
        for start in range(0, len(order), self.batch_size):
            part = order[start : start + self.batch_size]
            ids = pad([self.rows[i] for i in part])
            yield Tensor._make(ids), Tensor._make(self.labels[part])


def fit_neural(
    settings: dict,
    net: nn.Module,
    train: tuple[list[list[int]], np.ndarray],
    val: tuple[list[list[int]], np.ndarray],
    checkpoint: Path,
    resume: bool,
    history_path: Path,
    progress: bool,
):
    """Train ``net`` with Adam and cross-entropy for ``settings["epochs"]`` epochs (the
    validation rows give ``val_loss`` and ``val_acc`` each epoch); returns the history.
    """
    optimizer = optim.Adam(
        net.parameters(), lr=settings["lr"], weight_decay=settings.get("weight_decay", 0.0)
    )
    return fit(
        net,
        optimizer,
        nn.CrossEntropyLoss(),
        _Batches(*train, settings["batch_size"], shuffle=True),
        _Batches(*val, 256, shuffle=False),
        epochs=settings["epochs"],
        checkpoint=checkpoint,
        resume=resume,
        progress=progress,
        history_path=history_path,
    )


def neural_probabilities(net: nn.Module, rows: list[list[int]], chunk: int = 256) -> np.ndarray:
    """Softmax class probabilities (n, classes) of id rows, in eval mode, in chunks."""
    net.eval()
    parts = []
    with hm.no_grad():
        for start in range(0, len(rows), chunk):
            logits = net(pad(rows[start : start + chunk]))
            parts.append(nn.functional.softmax(logits, dim=1).numpy().astype(np.float64))
    return np.concatenate(parts) if parts else np.zeros((0, 2))
