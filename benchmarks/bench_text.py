"""Time homeml's text vectorizers against scikit-learn's on the same corpora, in one process.

    HOMEML_DATA=/work/shared/datasets python benchmarks/bench_text.py [--repeats 5] [--no-large]
        [--models-only]

Workloads: ``fit_transform`` of CountVectorizer, TfidfVectorizer (default parameters, then word
1-2-grams with English stop words) and HashingVectorizer on (a) the SMS Spam Collection (5,574
messages) and (b) a corpus 100 times larger: the lines of tiny shakespeare, grouped 4 by 4 into
~10,000 documents and repeated 100 times with a line number prepended, so each copy differs a
little (~1M documents). Runs alternate between the libraries (and which goes first); the
median time of each and the ratio homeml / scikit-learn (below 1: homeml is faster) are printed.

Then the models on the SMS matrices (the same CSR matrix handed to both libraries): ``fit`` of
LogisticRegression, LinearSVC and RidgeClassifier on the TF-IDF matrix (5,574 x 8,713), and of
LatentDirichletAllocation (10 topics, batch and online) on the word counts with English stop
words removed and min_df=2.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sklearn import decomposition as sk_decomposition
from sklearn import linear_model as sk_linear_model
from sklearn import svm as sk_svm
from sklearn.feature_extraction import text as sk

import homeml.learn as hl
from homeml.datasets import data_dir


def sms() -> list[str]:
    path = data_dir() / "sms-spam-collection" / "SMSSpamCollection"
    return [line.split("\t", 1)[1] for line in path.read_text("utf-8").split("\n") if line]


def shakespeare_x100() -> list[str]:
    lines = (data_dir() / "tinyshakespeare" / "input.txt").read_text("utf-8").split("\n")
    docs = [" ".join(lines[i : i + 4]) for i in range(0, len(lines), 4)]
    return [f"line{k} {doc}" for k in range(100) for doc in docs]


WORKLOADS = [
    ("CountVectorizer()", "CountVectorizer", {}),
    ("TfidfVectorizer()", "TfidfVectorizer", {}),
    (
        "TfidfVectorizer(1-2-grams, english)",
        "TfidfVectorizer",
        {"ngram_range": (1, 2), "stop_words": "english"},
    ),
    ("HashingVectorizer()", "HashingVectorizer", {}),
]


def compare(corpus_name: str, docs: list[str], repeats: int) -> None:
    print(f"{corpus_name}: {len(docs):,} documents")
    for name, cls, params in WORKLOADS:
        classes = {"homeml": getattr(hl, cls), "sklearn": getattr(sk, cls)}
        times: dict[str, list[float]] = {lib: [] for lib in classes}
        for repeat in range(repeats):
            order = list(classes) if repeat % 2 == 0 else list(classes)[::-1]  # alternate first
            for lib in order:
                start = time.perf_counter()
                classes[lib](**params).fit_transform(docs)
                times[lib].append(time.perf_counter() - start)
        median = {lib: statistics.median(t) for lib, t in times.items()}
        print(
            f"  {name:<38} homeml {median['homeml']:8.3f} s   sklearn {median['sklearn']:8.3f} s"
            f"   ratio {median['homeml'] / median['sklearn']:.2f}"
        )


def sms_labels():
    path = data_dir() / "sms-spam-collection" / "SMSSpamCollection"
    return [line.split("\t", 1)[0] for line in path.read_text("utf-8").split("\n") if line]


MODELS = [
    # name, homeml class, scikit-learn class, parameters, features
    (
        "LogisticRegression()",
        hl.LogisticRegression,
        sk_linear_model.LogisticRegression,
        {},
        "tfidf",
    ),
    ("LinearSVC()", hl.LinearSVC, sk_svm.LinearSVC, {"random_state": 0}, "tfidf"),
    ("RidgeClassifier()", hl.RidgeClassifier, sk_linear_model.RidgeClassifier, {}, "tfidf"),
    (
        "LatentDirichletAllocation(10, batch)",
        hl.LatentDirichletAllocation,
        sk_decomposition.LatentDirichletAllocation,
        {"n_components": 10, "random_state": 0},
        "counts",
    ),
    (
        "LatentDirichletAllocation(10, online)",
        hl.LatentDirichletAllocation,
        sk_decomposition.LatentDirichletAllocation,
        {"n_components": 10, "random_state": 0, "learning_method": "online"},
        "counts",
    ),
]


def compare_models(repeats: int) -> None:
    docs, labels = sms(), sms_labels()
    features = {
        "tfidf": sk.TfidfVectorizer().fit_transform(docs),
        "counts": sk.CountVectorizer(min_df=2, stop_words="english").fit_transform(docs),
    }
    print(
        f"models on the SMS matrices: tfidf {features['tfidf'].shape}, counts "
        f"{features['counts'].shape}"
    )
    for name, ours, theirs, params, kind in MODELS:
        X = features[kind]
        classes = {"homeml": ours, "sklearn": theirs}
        times: dict[str, list[float]] = {lib: [] for lib in classes}
        for repeat in range(repeats):
            order = list(classes) if repeat % 2 == 0 else list(classes)[::-1]
            for lib in order:
                start = time.perf_counter()
                if kind == "tfidf":
                    classes[lib](**params).fit(X, labels)
                else:
                    classes[lib](**params).fit(X)
                times[lib].append(time.perf_counter() - start)
        median = {lib: statistics.median(t) for lib, t in times.items()}
        print(
            f"  {name:<38} homeml {median['homeml']:8.3f} s   sklearn {median['sklearn']:8.3f} s"
            f"   ratio {median['homeml'] / median['sklearn']:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-large", action="store_true", help="skip the 100x corpus")
    parser.add_argument("--models-only", action="store_true", help="only the models' fit")
    args = parser.parse_args()
    compare_models(args.repeats)
    if args.models_only:
        return
    compare("SMS Spam Collection", sms(), args.repeats)
    if not args.no_large:
        compare("tiny shakespeare x100", shakespeare_x100(), max(1, args.repeats // 2))


if __name__ == "__main__":
    main()
