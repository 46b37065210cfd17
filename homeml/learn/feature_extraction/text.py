"""Text features, as ``sklearn.feature_extraction.text``: bag-of-words counts, tf-idf weights
and hashed counts, each a ``scipy.sparse.csr_matrix`` equal to scikit-learn's.

The code lives in ``_analysis.py`` (tokenizing), ``_count.py`` (CountVectorizer,
HashingVectorizer), ``_tfidf.py`` (TfidfTransformer, TfidfVectorizer), ``_hash.py``
(MurmurHash3) and ``_stop_words.py`` (the English stop-word list).
"""

from homeml.learn.feature_extraction._analysis import (
    strip_accents_ascii,
    strip_accents_unicode,
    strip_tags,
)
from homeml.learn.feature_extraction._count import CountVectorizer, HashingVectorizer
from homeml.learn.feature_extraction._stop_words import ENGLISH_STOP_WORDS
from homeml.learn.feature_extraction._tfidf import TfidfTransformer, TfidfVectorizer

__all__ = [
    "ENGLISH_STOP_WORDS",
    "CountVectorizer",
    "HashingVectorizer",
    "TfidfTransformer",
    "TfidfVectorizer",
    "strip_accents_ascii",
    "strip_accents_unicode",
    "strip_tags",
]
