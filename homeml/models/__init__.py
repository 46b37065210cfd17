"""Ready architectures that ``homeml train`` builds by name."""

from homeml.models.gan import DCGANDiscriminator, DCGANGenerator
from homeml.models.gpt import GPT, GPTConfig
from homeml.models.makemore import MLP as MakemoreMLP
from homeml.models.makemore import (
    RNN,
    Bigram,
    BigramCounts,
    FlattenConsecutive,
    ModelConfig,
    WaveNet,
)
from homeml.models.recommend import NeuMF, NeuMFRecommender, fit_neumf, sample_negatives
from homeml.models.text_classifier import (
    FastText,
    RNNClassifier,
    SentenceCNN,
    TextClassifierConfig,
    TransformerClassifier,
)
from homeml.models.translation import (
    BahdanauAttention,
    GRUSeq2Seq,
    PositionalEncoding,
    Seq2SeqConfig,
    TransformerSeq2Seq,
    TransformerSeq2SeqConfig,
)
from homeml.models.vae import VAE, ConvVAE
from homeml.models.vision import CNN, MLP, LeNet5

# the dataclasses a saved model may give as a constructor argument (see homeml._nn_io)
CONFIGS = {
    "GPTConfig": GPTConfig,
    "ModelConfig": ModelConfig,
    "Seq2SeqConfig": Seq2SeqConfig,
    "TextClassifierConfig": TextClassifierConfig,
    "TransformerSeq2SeqConfig": TransformerSeq2SeqConfig,
}

ARCHITECTURES = {"mlp": MLP, "cnn": CNN, "lenet5": LeNet5}


def build_model(name: str, num_classes: int = 10):
    """The named architecture for 28x28 grayscale images."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name](num_classes=num_classes)
