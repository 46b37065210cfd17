"""Labelled texts for classification: the SMS Spam Collection and the Sentiment Labelled
Sentences (UCI).

The files live in the data folder (:func:`homeml.datasets.data_dir`: ``$HOMEML_DATA``, or
``~/.cache/homeml``): ``sms-spam-collection/SMSSpamCollection`` (``label<TAB>text`` lines,
5,574 messages, 747 spam) and
``sentiment-labelled-sentences/{yelp,amazon_cells,imdb}_labelled.txt`` (``sentence<TAB>label``
lines, 1,000 a file, label 1 positive). Lines are split on newlines only (a few sentences hold
other Unicode line breaks). Nothing here downloads.
"""

from __future__ import annotations

import csv
import io
import os

from homeml.datasets._download import ENV_VAR, data_dir

__all__ = ["SENTIMENT_SOURCES", "SMS_SPAM_FILE", "load_sentiment", "load_sms_spam"]

SMS_SPAM_FILE = "sms-spam-collection/SMSSpamCollection"
SENTIMENT_SOURCES = {
    "yelp": "sentiment-labelled-sentences/yelp_labelled.txt",
    "amazon": "sentiment-labelled-sentences/amazon_cells_labelled.txt",
    "imdb": "sentiment-labelled-sentences/imdb_labelled.txt",
}
_ORIGIN = "the UCI Machine Learning Repository (see the dataset's SOURCE.md)"


def _read(relative: str, root: str | os.PathLike | None) -> str:
    path = data_dir(root) / relative
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: expected the file {relative} under the data folder (set "
            f"{ENV_VAR} to the folder holding {relative.split('/')[0]}/, default "
            f"~/.cache/homeml). The file comes from {_ORIGIN}"
        )
    with open(path, encoding="utf-8", newline="") as file:
        return file.read()


def load_sms_spam(root: str | os.PathLike | None = None) -> tuple[list[str], list[str]]:
    """The messages and their labels (``"ham"`` or ``"spam"``), in file order.

    Raises
    ------
    FileNotFoundError
        The file is missing (the message names the path and ``HOMEML_DATA``).
    ValueError
        A line is not ``ham|spam<TAB>text``.
    """
    texts, labels = [], []
    for number, line in enumerate(_read(SMS_SPAM_FILE, root).split("\n"), 1):
        if not line:
            continue
        label, _, text = line.partition("\t")
        if label not in ("ham", "spam") or not _:
            raise ValueError(f"{SMS_SPAM_FILE} line {number}: expected ham|spam<TAB>text")
        texts.append(text)
        labels.append(label)
    return texts, labels


def load_sentiment(
    source: str, root: str | os.PathLike | None = None, csv_quoting: bool = False
) -> tuple[list[str], list[int]]:
    """The sentences of one source and their labels (1 positive, 0 negative), in file order.

    Parameters
    ----------
    source : {"yelp", "amazon", "imdb"}
    root : path, optional
        The data folder (default ``$HOMEML_DATA``).
    csv_quoting : bool, default False
        Read the file as ``pandas.read_csv`` with a tab separator does (a ``"`` opens a quoted
        field that runs across lines): imdb then has 748 rows, as in the tutorials that report
        results on it. False reads the 1,000 lines as they are.

    Raises
    ------
    ValueError
        An unknown source, or a line that is not ``sentence<TAB>0|1``.
    """
    if source not in SENTIMENT_SOURCES:
        raise ValueError(
            f"unknown sentiment source {source!r}; choose one of {', '.join(SENTIMENT_SOURCES)}"
        )
    text = _read(SENTIMENT_SOURCES[source], root)
    if csv_quoting:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter="\t") if row]
    else:
        rows = [line.rsplit("\t", 1) for line in text.split("\n") if line]
    sentences, labels = [], []
    for number, row in enumerate(rows, 1):
        if len(row) != 2 or row[1].strip() not in ("0", "1"):
            raise ValueError(f"{source} row {number}: expected sentence<TAB>0|1, got {row!r:.80}")
        sentences.append(row[0])
        labels.append(int(row[1]))
    return sentences, labels
