"""Tokenizers: text to token ids and back.

- :class:`CharTokenizer`: one id per character (makemore, nanoGPT's character scripts).
- :class:`BPETokenizer`: byte-level byte-pair encoding with GPT-2's or GPT-4's split pattern,
  trained from scratch, with special tokens.
- :class:`WordTokenizer`: normalized words (the PyTorch seq2seq tutorial's ``normalizeString``)
  and a :class:`Vocabulary` with ``<pad>``, ``<sos>``, ``<eos>``, ``<unk>``, for translation.

All three save to and load from JSON files.
"""

from homeml.text._files import TokenizerFileError
from homeml.text._patterns import GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN
from homeml.text.bpe import BPETokenizer
from homeml.text.char import CharTokenizer
from homeml.text.word import SPECIAL_TOKENS, Vocabulary, WordTokenizer, normalize_string

__all__ = [
    "GPT2_SPLIT_PATTERN",
    "GPT4_SPLIT_PATTERN",
    "BPETokenizer",
    "CharTokenizer",
    "SPECIAL_TOKENS",
    "TokenizerFileError",
    "Vocabulary",
    "WordTokenizer",
    "normalize_string",
]
