"""Feature extraction from raw data, as ``sklearn.feature_extraction``: text, in ``text``."""

from homeml.learn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)

__all__ = ["CountVectorizer", "HashingVectorizer", "TfidfTransformer", "TfidfVectorizer"]
