"""Language models: the makemore family (:mod:`homeml.models.makemore`) and a GPT
(:mod:`homeml.models.gpt`), gathered under one name.
"""

from homeml.models.gpt import GPT, GPTConfig
from homeml.models.makemore import (
    MLP,
    RNN,
    Bigram,
    BigramCounts,
    FlattenConsecutive,
    ModelConfig,
    WaveNet,
    generate,
)

__all__ = [
    "GPT",
    "MLP",
    "RNN",
    "Bigram",
    "BigramCounts",
    "FlattenConsecutive",
    "GPTConfig",
    "ModelConfig",
    "WaveNet",
    "generate",
]
