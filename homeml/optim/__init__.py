"""Optimizers and learning-rate schedulers shaped like ``torch.optim``.

``from homeml.optim import SGD, Adam`` and ``from homeml.optim.lr_scheduler import StepLR`` work
as their PyTorch counterparts do; updates change parameters' arrays in place.
"""

from homeml.optim import lr_scheduler
from homeml.optim.adadelta import Adadelta
from homeml.optim.adagrad import Adagrad
from homeml.optim.adam import Adam, AdamW
from homeml.optim.lbfgs import LBFGS
from homeml.optim.optimizer import Optimizer
from homeml.optim.rmsprop import RMSprop
from homeml.optim.sgd import SGD

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "LBFGS",
    "Optimizer",
    "RMSprop",
    "lr_scheduler",
]
