"""`homeml train sms-spam|sentiment`, `homeml predict` on a text run, the splits, the scores and
the run folder (tiny runs on subsets: full runs are the README's commands)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from support import requires_datasets

from homeml.cli import main
from homeml.datasets import load_sentiment, load_sms_spam
from homeml.jobs import text_classification as tc
from homeml.learn.pipeline import Pipeline
from homeml.models import RNNClassifier

pytestmark = requires_datasets("sms-spam-collection", "sentiment-labelled-sentences")

RUN_FILES = ("model.safetensors", "run.json", "metrics.json", "misclassified.txt", "report.png")


def test_the_files_read_as_documented():
    texts, labels = load_sms_spam()
    assert len(texts) == 5574 and labels.count("spam") == 747
    for source in ("yelp", "amazon", "imdb"):
        sentences, y = load_sentiment(source)
        assert len(sentences) == 1000 and sum(y) == 500
    # read as pandas.read_csv(sep="\t") does, imdb's unbalanced quotes merge lines
    assert len(load_sentiment("imdb", csv_quoting=True)[0]) == 748
    with pytest.raises(ValueError, match="unknown sentiment source"):
        load_sentiment("twitter")


def test_the_sentiment_split_is_scikit_learns():
    sklearn = pytest.importorskip("sklearn.model_selection", reason="scikit-learn is the reference")
    sentences, y = load_sentiment("amazon")
    want = sklearn.train_test_split(sentences, y, test_size=0.25, random_state=1000)
    got = tc._split({"dataset": "sentiment", "source": "amazon", "csv_quoting": False}, None)
    assert got["train"][0] == list(want[0]) and got["test"][0] == list(want[1])
    assert got["test"][1].tolist() == list(want[3])


def test_matthews_against_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the reference")
    rng = np.random.default_rng(0)
    for classes in (2, 3):
        y, p = rng.integers(0, classes, 200), rng.integers(0, classes, 200)
        p[:120] = y[:120]
        assert tc.matthews(y, p, classes) == pytest.approx(metrics.matthews_corrcoef(y, p))
    assert tc.matthews(np.array([0, 0]), np.array([0, 0]), 2) == 0.0


def test_a_classic_sms_run_writes_its_folder_and_predicts(tmp_path, capsys):
    out = tmp_path / "sms"
    overrides = dict(C=1.0, features="char")  # fixed: no cross-validation in a test
    metrics = tc.train("sms-spam", "tfidf-svm", out=out, limit=400, overrides=overrides)
    for name in RUN_FILES:
        assert (out / name).is_file(), name
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["accuracy"] == metrics["accuracy"] and metrics["test_texts"] == 400
    for key in ("mcc", "f1", "roc_auc", "spam_caught_pct", "ham_blocked_pct"):
        assert key in metrics
    assert metrics["calibrated"] is False  # a linear SVM's margins, not probabilities
    model, metadata = tc.load_text_classifier_run(out)
    assert isinstance(model, Pipeline) and metadata["class_names"] == ["ham", "spam"]
    spam = "URGENT! You have won a 1 week FREE membership in our prize Jackpot! Txt CLAIM to 81010"
    assert main(["predict", str(out), spam, "see you soon"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("spam\t") and lines[1].startswith("ham\t")
    assert "see you soon" in lines[1]


def test_cross_validation_chooses_the_settings_left_open(tmp_path):
    metrics = tc.train("sentiment", "nb", source="yelp", out=tmp_path / "nb", limit=200)
    chosen = metrics["cross_validation"]["chosen"]
    assert chosen["alpha"] in (0.1, 0.3, 1.0) and chosen["ngram_max"] in (1, 2)
    assert 0.5 <= metrics["cross_validation"]["cv_accuracy"] <= 1


def test_the_countvec_baseline_reproduces_the_tutorial(tmp_path):
    metrics = tc.train("sentiment", "countvec-logreg", source="yelp", out=tmp_path / "cv")
    assert metrics["accuracy"] == pytest.approx(0.796, abs=0.01)


def test_a_network_run_on_all_sources_through_the_cli(tmp_path, capsys):
    out = tmp_path / "lstm"
    argv = ["train", "sentiment", "--source", "all", "--model", "bilstm", "--epochs", "1"]
    argv += ["--limit", "120", "--out", str(out), "--quiet", "--set", "embed_dim=8"]
    assert main([*argv, "--set", "hidden_size=8"]) == 0
    capsys.readouterr()
    for name in (*RUN_FILES, "history.json", "checkpoint.safetensors"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["accuracy_by_source"]) == {"yelp"}  # the first 120 test rows are yelp's
    model, metadata = tc.load_text_classifier_run(out)
    assert isinstance(model, RNNClassifier) and metadata["vocabulary"]
    results = tc.predict_texts(model, metadata, ["good", "an unseenword here", ""])
    for result in results:
        assert sum(result["probabilities"].values()) == pytest.approx(1, abs=1e-5)
    # resume continues the run with its settings (one more epoch)
    tc.train("sentiment", out=out, epochs=2, resume=True, progress=False)
    history = json.loads((out / "history.json").read_text())
    assert len(history) == 2


@pytest.mark.parametrize("model", ["fasttext", "cnn", "transformer"])
def test_each_network_trains(tmp_path, model):
    overrides = dict(embed_dim=8)
    metrics = tc.train(
        "sms-spam", model, out=tmp_path / model, epochs=1, limit=100, progress=False,
        overrides=overrides,
    )  # fmt: skip
    assert 0 <= metrics["accuracy"] <= 1 and metrics["parameters"] > 0


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(dataset="news"), "unknown dataset"),
        (dict(model="bert"), "unknown text model"),
        (dict(source="yelp"), "source is for the sentiment dataset"),
        (dict(dataset="sentiment", source="twitter"), "unknown source"),
        (dict(overrides={"hidden": 3}), "unknown setting 'hidden'"),
        (dict(model="tfidf-svm", epochs=3), "unknown setting 'epochs'"),
        (dict(model="cnn", overrides={"max_len": 0}), "max_len must be a positive integer"),
    ],
)
def test_bad_options_are_named(tmp_path, kwargs, words):
    kwargs = {"dataset": "sms-spam", "out": tmp_path / "x", **kwargs}
    with pytest.raises(ValueError, match=words):
        tc.train(**kwargs)


def test_cli_refuses_options_of_other_jobs(capsys):
    with pytest.raises(SystemExit):
        main(["train", "sms-spam", "--source", "yelp"])
    assert "--source is for" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "sms-spam", "--model", "gpt"])
    assert "not a text classifier" in capsys.readouterr().err
