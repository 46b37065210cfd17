"""Text features against scikit-learn: vocabulary and matrix equal on real corpora and on
generated text, across a grid of parameters; MurmurHash3; parameter errors; params and clone."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from homeml.datasets import data_dir
from homeml.learn import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
    clone,
)
from homeml.learn.feature_extraction._hash import murmurhash3_32
from homeml.learn.feature_extraction.text import ENGLISH_STOP_WORDS
from tests.support import requires_datasets

sktext = pytest.importorskip("sklearn.feature_extraction.text")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _sms() -> list[str]:
    path = data_dir() / "sms-spam-collection" / "SMSSpamCollection"
    return [line.split("\t", 1)[1] for line in path.read_text("utf-8").split("\n") if line]


def _sentiment() -> list[str]:
    folder = data_dir() / "sentiment-labelled-sentences"
    docs = []
    for name in ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"):
        # split on "\n" only: imdb_labelled.txt holds U+0085, which str.splitlines splits on
        lines = (folder / name).read_text("utf-8").split("\n")
        docs += [line.rsplit("\t", 1)[0] for line in lines if line.strip()]
    return docs


def assert_same(sk, hm, docs, *, tfidf: bool, fit_docs=None):
    fit_docs = docs if fit_docs is None else fit_docs
    A = sk.fit(fit_docs).transform(docs) if fit_docs is not docs else sk.fit_transform(docs)
    B = hm.fit(fit_docs).transform(docs) if fit_docs is not docs else hm.fit_transform(docs)
    assert isinstance(B, sp.csr_matrix) and B.has_sorted_indices
    assert B.shape == A.shape and B.dtype == A.dtype
    if hasattr(sk, "vocabulary_"):
        assert hm.vocabulary_ == sk.vocabulary_
        assert list(hm.get_feature_names_out()) == list(sk.get_feature_names_out())
    assert_same_matrix(A, B, exact=not tfidf)


def assert_same_matrix(A, B, *, exact: bool):
    """Entry for entry equality (or within 1e-12), without densifying a 5,574 x 62,000 matrix:
    the difference of the two sparse matrices is computed and checked instead."""
    assert B.shape == A.shape
    difference = (sp.csr_matrix(B, dtype=np.float64) - sp.csr_matrix(A, dtype=np.float64)).tocsr()
    difference.eliminate_zeros()
    if exact:
        assert difference.nnz == 0
    else:
        assert difference.nnz == 0 or np.abs(difference.data).max() <= 1e-12


GRID = [
    {},
    {"ngram_range": (1, 2), "stop_words": "english"},
    {"ngram_range": (2, 3), "lowercase": False},
    {"analyzer": "char", "ngram_range": (2, 4)},
    {"analyzer": "char_wb", "ngram_range": (1, 3)},
    {"max_features": 300, "min_df": 2},
    {"max_df": 0.5, "min_df": 0.001, "binary": True},
    {"max_df": 40, "min_df": 3},
    {"strip_accents": "unicode", "lowercase": False},
    {"strip_accents": "ascii", "token_pattern": r"(?u)\b\w+\b"},
    {"stop_words": ["the", "a", "to"], "dtype": np.float32},
    {"analyzer": str.split},
]
TFIDF_GRID = [
    {},
    {"norm": "l1", "sublinear_tf": True},
    {"norm": None, "smooth_idf": False},
    {"use_idf": False},
    {"ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True, "norm": "l1"},
]


@requires_datasets("sms-spam-collection", "sentiment-labelled-sentences")
@pytest.mark.parametrize("corpus", ["sms", "sentiment"])
@pytest.mark.parametrize("params", GRID, ids=str)
def test_count_vectorizer_equals_scikit_learn_on_real_text(corpus, params):
    docs = _sms() if corpus == "sms" else _sentiment()
    assert_same(sktext.CountVectorizer(**params), CountVectorizer(**params), docs, tfidf=False)


@requires_datasets("sms-spam-collection", "sentiment-labelled-sentences")
@pytest.mark.parametrize("corpus", ["sms", "sentiment"])
@pytest.mark.parametrize("params", TFIDF_GRID + GRID[1:6], ids=str)
def test_tfidf_vectorizer_equals_scikit_learn_on_real_text(corpus, params):
    docs = _sms() if corpus == "sms" else _sentiment()
    sk, hm = sktext.TfidfVectorizer(**params), TfidfVectorizer(**params)
    assert_same(sk, hm, docs, tfidf=True)
    if params.get("use_idf", True):
        np.testing.assert_allclose(hm.idf_, sk.idf_, rtol=0, atol=1e-12)
    # transform of unseen documents with the fitted vocabulary
    assert_same(sk, hm, docs, tfidf=True, fit_docs=docs[500:])


@requires_datasets("sms-spam-collection")
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"n_features": 2**10, "alternate_sign": False, "norm": "l1"},
        {"n_features": 16, "binary": True, "norm": None},
        {"analyzer": "char_wb", "ngram_range": (2, 3), "n_features": 2**12},
    ],
    ids=str,
)
def test_hashing_vectorizer_equals_scikit_learn(params):
    docs = _sms()
    A = sktext.HashingVectorizer(**params).fit_transform(docs)
    B = HashingVectorizer(**params).fit_transform(docs)
    assert isinstance(B, sp.csr_matrix) and B.has_sorted_indices and B.shape == A.shape
    np.testing.assert_array_equal(B.indptr, A.indptr)
    np.testing.assert_array_equal(B.indices, A.indices)
    np.testing.assert_allclose(B.data, A.data, rtol=0, atol=1e-12)


@requires_datasets("sms-spam-collection")
@pytest.mark.filterwarnings("ignore:divide by zero")  # columns unseen in 50 rows, both sides
def test_tfidf_transformer_and_inverse_transform():
    docs = _sms()
    counts = CountVectorizer().fit(docs)
    X = counts.transform(docs)
    for params in TFIDF_GRID[:4]:
        A = sktext.TfidfTransformer(**params).fit_transform(X)
        B = TfidfTransformer(**params).fit_transform(X)
        assert_same_matrix(A, B, exact=False)
        B_dense = TfidfTransformer(**params).fit_transform(X[:50].toarray())
        A_dense = sktext.TfidfTransformer(**params).fit_transform(X[:50].toarray())
        np.testing.assert_allclose(B_dense.toarray(), A_dense.toarray(), rtol=0, atol=1e-12)
    sk_counts = sktext.CountVectorizer().fit(docs)
    for inverse, expected in zip(
        counts.inverse_transform(X[:20]), sk_counts.inverse_transform(X[:20])
    ):
        assert sorted(inverse) == sorted(expected)
    for inverse, expected in zip(
        counts.inverse_transform(X[:5].toarray()), sk_counts.inverse_transform(X[:5].toarray())
    ):
        assert list(inverse) == list(expected)


words = st.text(alphabet="abcdeéÀxyz'-_0129 \t\n.,!", max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    docs=st.lists(words, min_size=1, max_size=12),
    params=st.sampled_from(
        [
            {},
            {"analyzer": "char", "ngram_range": (1, 3)},
            {"analyzer": "char_wb", "ngram_range": (2, 4)},
            {"ngram_range": (1, 3), "token_pattern": r"(?u)\b\w+\b"},
            {"strip_accents": "ascii", "binary": True},
            {"strip_accents": "unicode", "max_features": 3},
            {"min_df": 2, "max_df": 0.9},
        ]
    ),
)
def test_vectorizers_equal_scikit_learn_on_generated_text(docs, params):
    for sk_class, hm_class in [
        (sktext.CountVectorizer, CountVectorizer),
        (sktext.TfidfVectorizer, TfidfVectorizer),
    ]:
        try:
            expected = sk_class(**params).fit_transform(docs)
        except ValueError as error:  # empty vocabulary, nothing left after pruning
            with pytest.raises(ValueError, match=str(error).split(";")[0][:20]):
                hm_class(**params).fit_transform(docs)
            continue
        hm = hm_class(**params)
        B = hm.fit_transform(docs)
        assert hm.vocabulary_ == sk_class(**params).fit(docs).vocabulary_
        np.testing.assert_allclose(B.toarray(), expected.toarray(), rtol=0, atol=1e-12)
    hashed = HashingVectorizer(
        n_features=64, **{k: v for k, v in params.items() if "df" not in k and k != "max_features"}
    )
    sk_hashed = sktext.HashingVectorizer(**hashed.get_params())
    np.testing.assert_allclose(
        hashed.transform(docs).toarray(), sk_hashed.transform(docs).toarray(), atol=1e-12
    )


@settings(max_examples=200, deadline=None)
@given(
    key=st.one_of(st.text(max_size=30), st.binary(max_size=30), st.integers(-(2**31), 2**31 - 1)),
    seed=st.integers(0, 2**32 - 1),
    positive=st.booleans(),
)
def test_murmurhash3_32_equals_scikit_learn(key, seed, positive):
    from sklearn.utils import murmurhash3_32 as reference

    assert murmurhash3_32(key, seed=seed, positive=positive) == reference(
        key, seed=seed, positive=positive
    )


def test_murmurhash3_32_on_int_arrays():
    from sklearn.utils import murmurhash3_32 as reference

    keys = np.arange(-1000, 1000, 7, dtype=np.int32)
    np.testing.assert_array_equal(murmurhash3_32(keys, seed=3), reference(keys, seed=3))
    np.testing.assert_array_equal(
        murmurhash3_32(keys, positive=True), reference(keys, positive=True)
    )


def test_english_stop_words_equal_scikit_learns():
    assert ENGLISH_STOP_WORDS == sktext.ENGLISH_STOP_WORDS
    assert isinstance(ENGLISH_STOP_WORDS, frozenset)


DOCS = ["the cat sat on the mat", "the dog ate my homework", "a cat and a dog"]


@pytest.mark.parametrize(
    ("cls", "params", "name"),
    [
        (CountVectorizer, {"min_df": -1}, "min_df"),
        (CountVectorizer, {"max_df": 1.5}, "max_df"),
        (CountVectorizer, {"max_features": 0}, "max_features"),
        (CountVectorizer, {"analyzer": "sentence"}, "analyzer"),
        (CountVectorizer, {"stop_words": "french"}, "stop_words"),
        (CountVectorizer, {"strip_accents": "latin"}, "strip_accents"),
        (CountVectorizer, {"ngram_range": [1, 2]}, "ngram_range"),
        (CountVectorizer, {"input": "url"}, "input"),
        (TfidfVectorizer, {"norm": "l3"}, "norm"),
        (TfidfVectorizer, {"use_idf": "yes"}, "use_idf"),
        (HashingVectorizer, {"n_features": 0}, "n_features"),
        (HashingVectorizer, {"alternate_sign": 1}, "alternate_sign"),
    ],
)
def test_bad_parameters_raise_like_scikit_learn(cls, params, name):
    sk_cls = getattr(sktext, cls.__name__)
    with pytest.raises(ValueError, match=f"'{name}' parameter") as sk_error:
        sk_cls(**params).fit(DOCS)
    with pytest.raises(ValueError, match=f"'{name}' parameter") as hm_error:
        cls(**params).fit(DOCS)
    assert (
        str(hm_error.value).split(" must be ")[0].replace("homeml", "sk")
        == str(sk_error.value).split(" must be ")[0]
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"ngram_range": (2, 1)}, "lower boundary larger than the upper boundary"),
        ({"min_df": 3, "max_df": 2}, "max_df corresponds to < documents than min_df"),
        ({"min_df": 0.99}, "After pruning, no terms remain"),
        (
            {
                "stop_words": [
                    "the",
                    "cat",
                    "sat",
                    "on",
                    "mat",
                    "dog",
                    "ate",
                    "my",
                    "homework",
                    "and",
                ]
            },
            "empty vocabulary",
        ),
        ({"vocabulary": ["cat", "cat"]}, "Duplicate term in vocabulary"),
        ({"vocabulary": {"cat": 0, "dog": 2}}, "doesn't contain index 1"),
        ({"token_pattern": r"(a)(b)"}, "More than 1 capturing group"),
    ],
)
def test_bad_combinations_raise_like_scikit_learn(params, message):
    with pytest.raises(ValueError, match=message):
        sktext.CountVectorizer(**params).fit(DOCS)
    with pytest.raises(ValueError, match=message):
        CountVectorizer(**params).fit(DOCS)


def test_a_single_string_and_unfitted_use_raise():
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        CountVectorizer().fit("the cat")
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        HashingVectorizer().transform("the cat")
    with pytest.raises(Exception, match="not fitted"):
        TfidfVectorizer().transform(DOCS)
    with pytest.raises(Exception, match="Vocabulary not fitted or provided"):
        CountVectorizer().transform(DOCS)


def test_fixed_vocabulary_and_custom_callables():
    for vocabulary in (["dog", "cat", "zebra"], {"dog": 1, "cat": 0}, {"dog", "cat"}):
        A = sktext.CountVectorizer(vocabulary=vocabulary).fit_transform(DOCS)
        hm = CountVectorizer(vocabulary=vocabulary)
        np.testing.assert_array_equal(hm.fit_transform(DOCS).toarray(), A.toarray())
        np.testing.assert_array_equal(hm.transform(DOCS).toarray(), A.toarray())
        assert hm.fixed_vocabulary_
    params = {"preprocessor": str.upper, "tokenizer": str.split, "token_pattern": None}
    A = sktext.CountVectorizer(**params).fit_transform(DOCS)
    hm = CountVectorizer(**params)
    np.testing.assert_array_equal(hm.fit_transform(DOCS).toarray(), A.toarray())
    assert hm.vocabulary_ == sktext.CountVectorizer(**params).fit(DOCS).vocabulary_
    doc = "Héllo wörld"
    assert CountVectorizer(strip_accents=str.upper).build_analyzer()(doc) == (
        sktext.CountVectorizer(strip_accents=str.upper).build_analyzer()(doc)
    )
    docs_bytes = [d.encode("utf-8") for d in DOCS]
    np.testing.assert_array_equal(
        CountVectorizer().fit_transform(docs_bytes).toarray(),
        sktext.CountVectorizer().fit_transform(docs_bytes).toarray(),
    )


@pytest.mark.parametrize(
    "cls", [CountVectorizer, TfidfVectorizer, HashingVectorizer, TfidfTransformer]
)
def test_get_params_set_params_and_clone(cls):
    sk_cls = getattr(sktext, cls.__name__)
    assert cls().get_params().keys() == sk_cls().get_params().keys()
    for key, value in cls().get_params().items():
        sk_value = sk_cls().get_params()[key]
        assert value == sk_value or (callable(value) and value is sk_value), key
    estimator = cls()
    key = "norm" if "norm" in estimator.get_params() else "binary"
    value = "l1" if key == "norm" else True
    assert estimator.set_params(**{key: value}) is estimator
    copy = clone(estimator)
    assert copy is not estimator and copy.get_params() == estimator.get_params()
    assert cls.__name__ in repr(estimator) and key in repr(estimator)


def test_idf_can_be_set_and_is_shared_like_scikit_learn():
    sk = sktext.TfidfVectorizer().fit(DOCS)
    hm = TfidfVectorizer(vocabulary=sk.vocabulary_)
    hm.idf_ = sk.idf_
    np.testing.assert_allclose(
        hm.transform(DOCS).toarray(), sk.transform(DOCS).toarray(), atol=1e-12
    )
    with pytest.raises(ValueError, match="idf_"):
        TfidfVectorizer(use_idf=False).idf_ = sk.idf_


def test_vectorizers_are_exported_from_homeml_learn():
    import homeml.learn as learn

    for name in ("CountVectorizer", "TfidfTransformer", "TfidfVectorizer", "HashingVectorizer"):
        assert name in learn.__all__ and learn._MODULE_OF[name] == "feature_extraction"
    assert len(list(itertools.islice(learn.__all__, 3))) == 3


def test_analyzers_and_tokenizers_may_return_any_iterable():
    docs = ["a b", "b c c"]
    for params in (
        {"analyzer": lambda doc: (w for w in doc.split())},
        {"tokenizer": lambda doc: iter(doc.split()), "token_pattern": None},
    ):
        expected = sktext.CountVectorizer(**params).fit_transform(docs).toarray()
        np.testing.assert_array_equal(
            CountVectorizer(**params).fit_transform(docs).toarray(), expected
        )
