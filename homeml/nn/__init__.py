"""Neural-network building blocks shaped like ``torch.nn``."""

from homeml.nn import functional, init
from homeml.nn.activation import (
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from homeml.nn.attention import MultiheadAttention
from homeml.nn.container import ModuleDict, ParameterDict, ParameterList
from homeml.nn.conv import Conv1d, Conv2d, ConvTranspose2d
from homeml.nn.dropout import Dropout, Dropout2d
from homeml.nn.linear import Embedding, EmbeddingBag, Flatten, Identity, Linear
from homeml.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from homeml.nn.module import Module, ModuleList, Parameter, Sequential
from homeml.nn.norm import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from homeml.nn.parallel import DataParallel, DistributedDataParallel
from homeml.nn.pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from homeml.nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from homeml.nn.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from homeml.nn.upsample import Upsample
from homeml.nn.utils import clip_grad_norm_
