"""Utilities shaped like ``torch.nn.utils``: gradient clipping and ``rnn`` (sequence padding)."""

from homeml.nn.utils import rnn
from homeml.nn.utils.clip_grad import clip_grad_norm_

__all__ = ["clip_grad_norm_", "rnn"]
