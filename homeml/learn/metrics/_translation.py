"""Machine-translation scores: BLEU and chrF, with sacrebleu's functional API and defaults.

BLEU (Papineni et al., 2002) counts the word n-grams (orders 1 to 4) a hypothesis shares with its
references, clipped by the largest count in any one reference, and multiplies the geometric mean
of those precisions by a brevity penalty. chrF (Popović, 2015) is an F-beta score of character
n-grams (orders 1 to 6, whitespace removed), averaged over the orders, recall weighted ``beta=2``.

Everything follows sacrebleu 2.x so that the numbers agree to rounding:

- the ``13a`` tokenizer (mteval-v13a.pl, the WMT default) with the same four regular expressions;
- corpus BLEU's default smoothing ``'exp'`` (NIST: the k-th order without a match counts
  ``1 / (2**k * total)``), no effective order; sentence BLEU the same smoothing *with* the
  effective order (orders that have no n-gram at all are left out of the mean);
- the closest reference length (ties to the shorter one) for the brevity penalty;
- chrF's effective-order averaging of precision and recall (sacrebleu's default,
  ``eps_smoothing=False``) and, with several references, the statistics of the reference with the
  best sentence-level F score.

``references`` for the corpus functions is sacrebleu's layout: a list of reference *streams*,
each as long as ``hypotheses`` (``references[k][i]`` is the k-th reference of sentence ``i``); a
reference may be ``None`` where a sentence has fewer references than others.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "BLEUScore",
    "CHRFScore",
    "corpus_bleu",
    "corpus_chrf",
    "sentence_bleu",
    "sentence_chrf",
    "tokenize_13a",
]

MAX_NGRAM_ORDER = 4
_SMOOTH_DEFAULTS: dict[str, float | None] = {"none": None, "floor": 0.1, "add-k": 1, "exp": None}
_TOKENIZERS = ("13a", "none")
_PUNCTS = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

# mteval-v13a's tokenization, as sacrebleu's TokenizerRegexp applies it after the 13a preamble
_RE_13A = (
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),  # punctuation and symbols
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),  # period and comma, unless preceded by a digit
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),  # ... unless followed by a digit
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),  # dash after a digit
)


@lru_cache(maxsize=2**16)
def tokenize_13a(line: str) -> str:
    """Tokenize one line as mteval-v13a (sacrebleu's ``tokenize='13a'``).

    Parameters
    ----------
    line : str
        A detokenized segment.

    Returns
    -------
    str
        The tokens joined by single spaces.
    """
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&")
        line = line.replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    for pattern, replacement in _RE_13A:
        line = pattern.sub(replacement, line)
    return " ".join(line.split())


@dataclass
class BLEUScore:
    """A BLEU score and its sufficient statistics (sacrebleu's ``BLEUScore``).

    Attributes
    ----------
    score : float
        BLEU in [0, 100].
    counts, totals : list of int
        Matched and total hypothesis n-grams for each order 1..4.
    precisions : list of float
        The (smoothed) n-gram precisions in percent.
    bp : float
        The brevity penalty.
    sys_len, ref_len : int
        Hypothesis and (closest) reference lengths in tokens, summed over the corpus.
    """

    score: float
    counts: list[int]
    totals: list[int]
    precisions: list[float]
    bp: float
    sys_len: int
    ref_len: int
    name: str = field(default="BLEU")

    @property
    def ratio(self) -> float:
        """Hypothesis length over reference length (0 when the references are empty)."""
        return self.sys_len / self.ref_len if self.ref_len else 0.0

    def __str__(self) -> str:
        precisions = "/".join(f"{p:.1f}" for p in self.precisions)
        return (
            f"{self.name} = {self.score:.2f} {precisions} (BP = {self.bp:.3f} ratio = "
            f"{self.ratio:.3f} hyp_len = {self.sys_len:d} ref_len = {self.ref_len:d})"
        )


@dataclass
class CHRFScore:
    """A chrF score (sacrebleu's ``CHRFScore``): ``score`` in [0, 100] and its settings."""

    score: float
    char_order: int
    word_order: int
    beta: int

    @property
    def name(self) -> str:
        """``chrF2``, or ``chrF2++`` with word bigrams (sacrebleu's names)."""
        return f"chrF{self.beta}" + "+" * self.word_order

    def __str__(self) -> str:
        return f"{self.name} = {self.score:.2f}"


# -- argument checks -----------------------------------------------------------------------------


def _check_corpus(hypotheses: Sequence[str], references: Sequence[Sequence[str | None]]) -> None:
    if isinstance(hypotheses, str) or not isinstance(hypotheses, Sequence):
        raise TypeError(f"hypotheses must be a list of strings, got {type(hypotheses).__name__}")
    if any(not isinstance(h, str) for h in hypotheses):
        raise TypeError("every hypothesis must be a string")
    if isinstance(references, str) or not isinstance(references, Sequence) or not references:
        raise TypeError(
            "references must be a non-empty list of reference streams (lists of strings, "
            "references[k][i] the k-th reference of hypothesis i)"
        )
    for k, stream in enumerate(references):
        if isinstance(stream, str) or not isinstance(stream, Sequence):
            raise TypeError(
                f"references[{k}] must be a list of strings (one per hypothesis), got "
                f"{type(stream).__name__}"
            )
        if len(stream) != len(hypotheses):
            raise ValueError(
                f"references[{k}] has {len(stream)} sentences, hypotheses has {len(hypotheses)}"
            )
        if any(r is not None and not isinstance(r, str) for r in stream):
            raise TypeError(f"references[{k}] holds something other than strings or None")


def _check_sentence(hypothesis: str, references: Sequence[str]) -> None:
    if not isinstance(hypothesis, str):
        raise TypeError(f"hypothesis must be a string, got {type(hypothesis).__name__}")
    if isinstance(references, str) or not isinstance(references, Sequence) or not references:
        raise TypeError("references must be a non-empty list of strings")


def _per_sentence(references: Sequence[Sequence[str | None]], n: int) -> list[list[str]]:
    """Streams -> for each sentence its defined references."""
    return [[r for stream in references if (r := stream[i]) is not None] for i in range(n)]


# -- BLEU ----------------------------------------------------------------------------------------


def _word_ngrams(line: str, max_order: int) -> tuple[Counter, int]:
    tokens = line.split()
    grams = Counter(
        tuple(tokens[i : i + n])
        for n in range(1, max_order + 1)
        for i in range(len(tokens) - n + 1)
    )
    return grams, len(tokens)


def _closest_ref_len(hyp_len: int, ref_lens: list[int]) -> int:
    best_diff, best_len = -1, -1
    for ref_len in ref_lens:
        diff = abs(hyp_len - ref_len)
        if best_diff == -1 or diff < best_diff or (diff == best_diff and ref_len < best_len):
            best_diff, best_len = diff, ref_len
    return best_len


def _bleu_statistics(
    hypotheses: Sequence[str],
    per_sentence: list[list[str]],
    lowercase: bool,
    tokenize: str,
    max_order: int,
) -> list[int]:
    """Summed ``[sys_len, ref_len, correct_1..N, total_1..N]`` over the corpus."""
    if tokenize not in _TOKENIZERS:
        raise ValueError(f"tokenize must be one of {', '.join(_TOKENIZERS)}, got {tokenize!r}")

    def prepare(text: str) -> str:
        text = text.lower() if lowercase else text
        return tokenize_13a(text.rstrip()) if tokenize == "13a" else text.rstrip()

    stats = [0] * (2 + 2 * max_order)
    for hypothesis, refs in zip(hypotheses, per_sentence, strict=True):
        ref_grams: Counter = Counter()
        ref_lens = []
        for ref in refs:
            grams, length = _word_ngrams(prepare(ref), max_order)
            ref_lens.append(length)
            for gram, count in grams.items():
                ref_grams[gram] = max(ref_grams[gram], count)
        hyp_grams, hyp_len = _word_ngrams(prepare(hypothesis), max_order)
        stats[0] += hyp_len
        stats[1] += _closest_ref_len(hyp_len, ref_lens)
        for gram, count in hyp_grams.items():
            n = len(gram) - 1
            stats[2 + max_order + n] += count
            stats[2 + n] += min(count, ref_grams.get(gram, 0))
    return stats


def _log(value: float) -> float:
    return -9999999999.0 if value == 0.0 else math.log(value)  # sacrebleu's floored log


def _bleu_from_statistics(
    stats: list[int],
    smooth_method: str,
    smooth_value: float | None,
    effective_order: bool,
    max_order: int,
) -> BLEUScore:
    if smooth_method not in _SMOOTH_DEFAULTS:
        raise ValueError(
            f"smooth_method must be one of {', '.join(_SMOOTH_DEFAULTS)}, got {smooth_method!r}"
        )
    if smooth_value is None:
        smooth_value = _SMOOTH_DEFAULTS[smooth_method]
    sys_len, ref_len = stats[0], stats[1]
    correct: list = list(stats[2 : 2 + max_order])
    total: list = list(stats[2 + max_order :])
    bp = 1.0
    if sys_len < ref_len:
        bp = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    precisions = [0.0] * max_order
    if not any(correct):
        return BLEUScore(0.0, correct, total, precisions, bp, sys_len, ref_len)
    smooth_mteval = 1.0
    eff_order = max_order
    for n in range(1, max_order + 1):
        if smooth_method == "add-k" and n > 1:
            assert smooth_value is not None
            correct[n - 1] += smooth_value
            total[n - 1] += smooth_value
        if total[n - 1] == 0:
            break  # no n-grams of this order (or above): the effective order stops here
        if effective_order:
            eff_order = n
        if correct[n - 1] == 0:
            if smooth_method == "exp":
                smooth_mteval *= 2
                precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1])
            elif smooth_method == "floor":
                assert smooth_value is not None
                precisions[n - 1] = 100.0 * smooth_value / total[n - 1]
        else:
            precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
    score = bp * math.exp(sum(_log(p) for p in precisions[:eff_order]) / eff_order)
    return BLEUScore(score, correct, total, precisions, bp, sys_len, ref_len)


def corpus_bleu(
    hypotheses: Sequence[str],
    references: Sequence[Sequence[str | None]],
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    force: bool = False,
    lowercase: bool = False,
    tokenize: str = "13a",
    use_effective_order: bool = False,
) -> BLEUScore:
    """Corpus-level BLEU, as ``sacrebleu.corpus_bleu``.

    Parameters
    ----------
    hypotheses : list of str
        One detokenized system output per sentence.
    references : list of list of str
        Reference streams: ``references[k][i]`` is the k-th reference of ``hypotheses[i]``
        (``None`` where sentence ``i`` has fewer references).
    smooth_method : {'exp', 'floor', 'add-k', 'none'}, default 'exp'
        Chen & Cherry (2014) smoothing: 'exp' is NIST's (method 3), 'floor' method 1, 'add-k'
        method 2.
    smooth_value : float, optional
        The value of 'floor' (default 0.1) and 'add-k' (default 1).
    force : bool, default False
        Accepted for sacrebleu compatibility (it only silences a warning there).
    lowercase : bool, default False
        Case-insensitive BLEU.
    tokenize : {'13a', 'none'}, default '13a'
        The tokenizer applied to hypotheses and references.
    use_effective_order : bool, default False
        Leave out the n-gram orders that have no n-gram at all.

    Returns
    -------
    BLEUScore
    """
    del force
    _check_corpus(hypotheses, references)
    per_sentence = _per_sentence(references, len(hypotheses))
    stats = _bleu_statistics(hypotheses, per_sentence, lowercase, tokenize, MAX_NGRAM_ORDER)
    return _bleu_from_statistics(
        stats, smooth_method, smooth_value, use_effective_order, MAX_NGRAM_ORDER
    )


def sentence_bleu(
    hypothesis: str,
    references: Sequence[str],
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    lowercase: bool = False,
    tokenize: str = "13a",
    use_effective_order: bool = True,
) -> BLEUScore:
    """Sentence-level BLEU, as ``sacrebleu.sentence_bleu`` ('exp' smoothing, effective order).

    Parameters
    ----------
    hypothesis : str
        One system output.
    references : list of str
        Its references.
    smooth_method, smooth_value, lowercase, tokenize
        As :func:`corpus_bleu`.
    use_effective_order : bool, default True
        Leave out the n-gram orders that have no n-gram at all (short sentences).

    Returns
    -------
    BLEUScore
    """
    _check_sentence(hypothesis, references)
    return corpus_bleu(
        [hypothesis],
        [[ref] for ref in references],
        smooth_method=smooth_method,
        smooth_value=smooth_value,
        lowercase=lowercase,
        tokenize=tokenize,
        use_effective_order=use_effective_order,
    )


# -- chrF ----------------------------------------------------------------------------------------


def _char_ngrams(line: str, max_order: int, whitespace: bool) -> list[Counter]:
    if not whitespace:
        line = "".join(line.split())
    return [
        Counter(line[i : i + n] for i in range(len(line) - n + 1)) for n in range(1, max_order + 1)
    ]


def _words_split_punctuation(sentence: str) -> list[str]:
    """chrF++'s words: one leading or trailing punctuation mark split off each word."""
    words: list[str] = []
    for word in sentence.split():
        if len(word) == 1:
            words.append(word)
        elif word[-1] in _PUNCTS:
            words += [word[:-1], word[-1]]
        elif word[0] in _PUNCTS:
            words += [word[0], word[1:]]
        else:
            words.append(word)
    return words


def _all_ngrams(line: str, char_order: int, word_order: int, whitespace: bool) -> list[Counter]:
    grams = _char_ngrams(line, char_order, whitespace)
    if word_order > 0:
        words = _words_split_punctuation(line)
        for n in range(1, word_order + 1):
            grams.append(Counter(" ".join(words[i : i + n]) for i in range(len(words) - n + 1)))
    return grams


def _chrf_f_score(stats: Sequence[int], order: int, beta: float, eps_smoothing: bool) -> float:
    eps = 1e-16
    factor = beta**2
    score, avg_prec, avg_rec, effective_order = 0.0, 0.0, 0.0, 0
    for i in range(order):
        n_hyp, n_ref, n_match = stats[3 * i : 3 * i + 3]
        prec = n_match / n_hyp if n_hyp > 0 else eps
        rec = n_match / n_ref if n_ref > 0 else eps
        denom = factor * prec + rec
        score += ((1 + factor) * prec * rec / denom) if denom > 0 else eps
        if n_hyp > 0 and n_ref > 0:
            avg_prec += prec
            avg_rec += rec
            effective_order += 1
    if eps_smoothing:
        return 100 * score / order
    if effective_order == 0:
        return 0.0
    avg_prec /= effective_order
    avg_rec /= effective_order
    if avg_prec + avg_rec:
        return 100 * (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec)
    return 0.0


def corpus_chrf(
    hypotheses: Sequence[str],
    references: Sequence[Sequence[str | None]],
    char_order: int = 6,
    word_order: int = 0,
    beta: int = 2,
    remove_whitespace: bool = True,
    eps_smoothing: bool = False,
) -> CHRFScore:
    """Corpus-level chrF (chrF++ with ``word_order=2``), as ``sacrebleu.corpus_chrf``.

    Parameters
    ----------
    hypotheses : list of str
        One system output per sentence.
    references : list of list of str
        Reference streams, as in :func:`corpus_bleu`.
    char_order : int, default 6
        Character n-gram orders 1..``char_order``.
    word_order : int, default 0
        Word n-gram orders 1..``word_order`` (2 gives chrF++).
    beta : int, default 2
        Recall is ``beta`` times as important as precision.
    remove_whitespace : bool, default True
        Drop whitespace before taking character n-grams.
    eps_smoothing : bool, default False
        Average the per-order F scores with epsilon smoothing (chrF++.py, NLTK) instead of
        sacrebleu's effective-order averaging of precision and recall.

    Returns
    -------
    CHRFScore
    """
    _check_corpus(hypotheses, references)
    if char_order < 1 or word_order < 0:
        raise ValueError(
            f"char_order must be >= 1 and word_order >= 0, got {char_order}, {word_order}"
        )
    order = char_order + word_order
    whitespace = not remove_whitespace
    totals = [0] * (3 * order)
    for hypothesis, refs in zip(
        hypotheses, _per_sentence(references, len(hypotheses)), strict=True
    ):
        hyp_grams = _all_ngrams(hypothesis, char_order, word_order, whitespace)
        best: list[int] = []
        best_f = -1.0
        for ref in refs:
            ref_grams = _all_ngrams(ref, char_order, word_order, whitespace)
            stats: list[int] = []
            for h, r in zip(hyp_grams, ref_grams, strict=True):
                matches = sum(min(count, r[g]) for g, count in h.items() if g in r)
                stats += [sum(h.values()) if r else 0, sum(r.values()), matches]
            f = _chrf_f_score(stats, order, beta, eps_smoothing)
            if f > best_f:
                best_f, best = f, stats
        for j, value in enumerate(best):
            totals[j] += value
    score = _chrf_f_score(totals, order, beta, eps_smoothing)
    return CHRFScore(score, char_order, word_order, beta)


def sentence_chrf(
    hypothesis: str,
    references: Sequence[str],
    char_order: int = 6,
    word_order: int = 0,
    beta: int = 2,
    remove_whitespace: bool = True,
    eps_smoothing: bool = False,
) -> CHRFScore:
    """Sentence-level chrF, as ``sacrebleu.sentence_chrf`` (parameters as :func:`corpus_chrf`).

    Returns
    -------
    CHRFScore
    """
    _check_sentence(hypothesis, references)
    return corpus_chrf(
        [hypothesis],
        [[ref] for ref in references],
        char_order=char_order,
        word_order=word_order,
        beta=beta,
        remove_whitespace=remove_whitespace,
        eps_smoothing=eps_smoothing,
    )
