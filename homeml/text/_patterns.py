r"""The split patterns that cut text into chunks before byte-pair merging: BPE never merges
across a chunk boundary, so letters, digits, punctuation and spaces stay apart.

They use the ``regex`` package (``\p{L}`` letters, ``\p{N}`` numbers, possessive quantifiers),
which the standard ``re`` module lacks.
"""

from __future__ import annotations

# GPT-2: English contractions, an optional space before a run of letters, of numbers or of
# other symbols, then whitespace (a trailing space joins the next word, not the run before).
GPT2_SPLIT_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

# GPT-4 (cl100k): contractions in any case, one leading non-letter symbol before letters,
# numbers in groups of at most three digits, punctuation with the newlines that follow it,
# and newlines kept apart from other whitespace.
GPT4_SPLIT_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*"""
    r"""|\s*[\r\n]|\s+(?!\S)|\s+"""
)

PATTERNS = {"gpt2": GPT2_SPLIT_PATTERN, "gpt4": GPT4_SPLIT_PATTERN}
