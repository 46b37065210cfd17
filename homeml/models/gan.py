"""DCGAN for 28x28 grayscale images (MNIST, Fashion-MNIST), plain or class-conditional.

Radford, Metz & Chintala (2016), "Unsupervised representation learning with deep convolutional
generative adversarial networks", scaled to 28x28 the way the PyTorch DCGAN tutorial scales it
to 64x64:

- :class:`Generator`: noise ``z`` (N, latent_dim) -> transposed convolutions 1 -> 7 -> 14 -> 28
  pixels, BatchNorm and ReLU between them, Tanh output in [-1, 1].
- :class:`Discriminator`: image (N, 1, 28, 28) -> strided convolutions 28 -> 14 -> 7 -> 1, BatchNorm
  (not on the first layer) and LeakyReLU(0.2), one logit per image.
- :func:`discriminator_loss` and :func:`generator_loss`: the non-saturating GAN losses, written on
  logits (``binary_cross_entropy_with_logits``) so they stay finite for any logit.

The conditional variant (``num_classes > 0``, Mirza & Osindero 2014) gives both networks the
class label: the generator reads ``[z, one_hot(label)]``, the discriminator reads the image with
``num_classes`` extra constant planes (the one-hot label broadcast over 28x28).

WGAN-GP (Gulrajani et al. 2017) is not here: its gradient penalty differentiates a gradient
norm, which needs ``homeml.autograd.grad(..., create_graph=True)``; homeml's backward formulas
run without recording a graph, and asking for ``create_graph=True`` raises
``NotImplementedError``.
"""

from __future__ import annotations

import numpy as np

import homeml as hm
from homeml import nn
from homeml.nn import functional as F

__all__ = [
    "DCGANDiscriminator",
    "DCGANGenerator",
    "dcgan_init_",
    "discriminator_loss",
    "generator_loss",
    "label_planes",
]


def _one_hot(labels, num_classes: int) -> np.ndarray:
    """(N,) integer labels (array, list or tensor) -> (N, num_classes) float32 one-hot rows."""
    array = labels.numpy() if isinstance(labels, hm.Tensor) else np.asarray(labels)
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise ValueError(f"labels must be a 1-D integer array, got {array.dtype} {array.shape}")
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"labels must be in 0..{num_classes - 1}, got {array.min()}..{array.max()}"
        )
    return np.eye(num_classes, dtype=np.float32)[array]


def label_planes(labels, num_classes: int, size: int = 28) -> hm.Tensor:
    """The labels as (N, num_classes, size, size) constant planes: one-hot over the channels."""
    one_hot = _one_hot(labels, num_classes)
    planes = np.broadcast_to(one_hot[:, :, None, None], (*one_hot.shape, size, size))
    return hm.tensor(np.ascontiguousarray(planes))


def _check_labels(labels, num_classes: int, n: int, who: str) -> None:
    if num_classes and labels is None:
        raise ValueError(f"this conditional {who} needs labels (N,) in 0..{num_classes - 1}")
    if not num_classes and labels is not None:
        raise ValueError(f"this {who} is not conditional (num_classes=0): pass no labels")
    if labels is not None and len(labels) != n:
        raise ValueError(f"{who}: {len(labels)} labels for a batch of {n}")


class DCGANGenerator(nn.Module):
    """Noise (N, latent_dim) [and labels (N,)] -> images (N, channels, 28, 28) in [-1, 1].

    Parameters
    ----------
    latent_dim : int
        Size of the noise vector ``z``.
    width : int
        Channels of the last hidden layer; the first has ``4 * width``.
    num_classes : int
        0 for an unconditional generator; else the number of labels it is conditioned on.
    channels : int
        Image channels (1 for grayscale).
    """

    def __init__(self, latent_dim: int = 100, width: int = 32, num_classes: int = 0, channels=1):
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        w = width
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent_dim + num_classes, 4 * w, 7, 1, 0, bias=False),  # 7x7
            nn.BatchNorm2d(4 * w),
            nn.ReLU(),
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False),  # 14x14
            nn.BatchNorm2d(2 * w),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * w, channels, 4, 2, 1),  # 28x28
            nn.Tanh(),
        )

    def forward(self, z: hm.Tensor, labels=None) -> hm.Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"expected noise of shape (N, {self.latent_dim}), got {z.shape}")
        _check_labels(labels, self.num_classes, z.shape[0], "generator")
        if self.num_classes:
            z = hm.cat([z, hm.tensor(_one_hot(labels, self.num_classes)).to(z.dtype)], dim=1)
        return self.net(z.reshape(z.shape[0], -1, 1, 1))


class DCGANDiscriminator(nn.Module):
    """Images (N, channels, 28, 28) [and labels (N,)] -> one real-vs-fake logit per image (N,).

    Parameters
    ----------
    width : int
        Channels of the first convolution; the second has ``2 * width``.
    num_classes : int
        0 for an unconditional discriminator; else the labels arrive as that many extra planes.
    channels : int
        Image channels (1 for grayscale).
    """

    def __init__(self, width: int = 32, num_classes: int = 0, channels: int = 1):
        super().__init__()
        self.num_classes = num_classes
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(channels + num_classes, w, 4, 2, 1),  # 14x14
            nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False),  # 7x7
            nn.BatchNorm2d(2 * w),
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 1, 7, 1, 0),  # 1x1
            nn.Flatten(0),
        )

    def forward(self, images: hm.Tensor, labels=None) -> hm.Tensor:
        if images.ndim != 4 or images.shape[2:] != (28, 28):
            raise ValueError(f"expected images of shape (N, C, 28, 28), got {images.shape}")
        _check_labels(labels, self.num_classes, images.shape[0], "discriminator")
        if self.num_classes:
            planes = label_planes(labels, self.num_classes, 28).to(images.dtype)
            images = hm.cat([images, planes], dim=1)
        return self.net(images)


def dcgan_init_(module: nn.Module, generator: hm.Generator | None = None) -> nn.Module:
    """The DCGAN paper's initialisation, in place: convolution weights N(0, 0.02), BatchNorm
    weights N(1, 0.02) and biases 0. Returns ``module``.
    """
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(layer.weight, 0.0, 0.02, generator=generator)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.BatchNorm2d) and layer.weight is not None:
            assert layer.bias is not None  # affine: both
            nn.init.normal_(layer.weight, 1.0, 0.02, generator=generator)
            nn.init.zeros_(layer.bias)
    return module


def discriminator_loss(real_logits: hm.Tensor, fake_logits: hm.Tensor) -> hm.Tensor:
    """``BCE(D(x), 1) + BCE(D(G(z)), 0)``, each the mean over its batch."""
    real = F.binary_cross_entropy_with_logits(real_logits, hm.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, hm.zeros_like(fake_logits))
    return real + fake


def generator_loss(fake_logits: hm.Tensor) -> hm.Tensor:
    """The non-saturating generator loss ``BCE(D(G(z)), 1) = -mean log D(G(z))``: the generator
    maximises the log-probability that its samples look real, rather than minimising
    ``log(1 - D(G(z)))``, whose gradient vanishes while the discriminator wins.
    """
    return F.binary_cross_entropy_with_logits(fake_logits, hm.ones_like(fake_logits))
