"""Variational autoencoders for 28x28 grayscale images (Kingma & Welling 2014).

- :class:`VAE`: the model of pytorch/examples (``vae/main.py``): 784 -> 400 -> (mu, logvar) of
  a 20-dimensional Gaussian posterior -> 400 -> 784 Bernoulli means, ReLU hidden layers.
- :class:`ConvVAE`: the same posterior and likelihood with a strided-convolution encoder
  (28 -> 14 -> 7) and a transposed-convolution decoder (7 -> 14 -> 28).
- :func:`vae_loss`: the negative ELBO of pytorch/examples, summed over the batch: the Bernoulli
  cross-entropy of the reconstruction plus ``KL(q(z|x) || N(0, I))`` in closed form.

Both models sample with the reparameterisation ``z = mu + exp(logvar / 2) * eps``,
``eps ~ N(0, I)``, so gradients flow through ``mu`` and ``logvar``; ``forward(x, eps=...)`` takes
a given ``eps`` (tests and the PyTorch reference use it to draw the same noise). Helpers:
:func:`interpolate` (decoded images along a line between two images' posterior means) and
:func:`latent_grid` (decoded images over a 2-D grid of latent values, Kingma's "manifold" map).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

import homeml as hm
from homeml import nn
from homeml.nn import functional as F

__all__ = ["VAE", "ConvVAE", "interpolate", "latent_grid", "vae_loss"]


class _Gaussian(nn.Module):
    """Shared by the two VAEs: the reparameterised sample and the decoder's probabilities."""

    latent_dim: int

    def reparameterize(self, mu: hm.Tensor, logvar: hm.Tensor, eps=None) -> hm.Tensor:
        """``mu + exp(logvar / 2) * eps``; ``eps`` drawn from N(0, I) when not given."""
        std = (0.5 * logvar).exp()
        if eps is None:
            eps = hm.randn_like(std)
        elif not isinstance(eps, hm.Tensor):
            eps = hm.tensor(np.asarray(eps, dtype=std.dtype))
        if eps.shape != std.shape:
            raise ValueError(f"eps must have the posterior's shape {std.shape}, got {eps.shape}")
        return mu + eps * std

    def decode(self, z: hm.Tensor) -> hm.Tensor:
        """Latent codes (N, latent_dim) -> Bernoulli means (N, 784)."""
        return self.decode_logits(z).sigmoid()

    def decode_logits(self, z: hm.Tensor) -> hm.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def encode(self, x: hm.Tensor) -> tuple[hm.Tensor, hm.Tensor]:  # pragma: no cover
        raise NotImplementedError

    def forward(self, x: hm.Tensor, eps=None) -> tuple[hm.Tensor, hm.Tensor, hm.Tensor]:
        """Images (N, 1, 28, 28) or (N, 784) in [0, 1] -> (reconstruction probabilities (N, 784),
        mu (N, latent_dim), logvar (N, latent_dim)).
        """
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar, eps)), mu, logvar

    def sample(self, num: int, generator: hm.Generator | None = None) -> hm.Tensor:
        """``num`` images (num, 1, 28, 28) decoded from z ~ N(0, I) (the decoder's means)."""
        z = hm.randn(num, self.latent_dim, generator=generator)
        with hm.no_grad():
            return self.decode(z).reshape(num, 1, 28, 28)


def _flat(x: hm.Tensor) -> hm.Tensor:
    if x.shape[-2:] != (28, 28) and x.shape[1:] != (784,):
        raise ValueError(f"expected images (N, 1, 28, 28) or (N, 784), got {x.shape}")
    return x.reshape(x.shape[0], 784)


class VAE(_Gaussian):
    """The VAE of pytorch/examples: 784-400-``latent_dim``-400-784 with ReLU.

    Parameters
    ----------
    latent_dim : int
        Dimensions of the latent Gaussian (20 in pytorch/examples).
    hidden : int
        Width of the encoder's and the decoder's hidden layer (400).
    """

    def __init__(self, latent_dim: int = 20, hidden: int = 400):
        super().__init__()
        self.latent_dim = latent_dim
        self.fc1 = nn.Linear(784, hidden)
        self.fc21 = nn.Linear(hidden, latent_dim)
        self.fc22 = nn.Linear(hidden, latent_dim)
        self.fc3 = nn.Linear(latent_dim, hidden)
        self.fc4 = nn.Linear(hidden, 784)

    def encode(self, x: hm.Tensor) -> tuple[hm.Tensor, hm.Tensor]:
        """Images -> (mu, logvar) of q(z|x), each (N, latent_dim)."""
        h1 = self.fc1(_flat(x)).relu()
        return self.fc21(h1), self.fc22(h1)

    def decode_logits(self, z: hm.Tensor) -> hm.Tensor:
        """Latent codes (N, latent_dim) -> Bernoulli logits (N, 784)."""
        return self.fc4(self.fc3(z).relu())


class ConvVAE(_Gaussian):
    """A convolutional VAE: conv 32@4x4/2, conv 64@4x4/2 -> (mu, logvar); linear -> 64x7x7,
    transposed conv 32@4x4/2, transposed conv 1@4x4/2 -> Bernoulli means; ReLU between.

    Parameters
    ----------
    latent_dim : int
        Dimensions of the latent Gaussian.
    width : int
        Channels of the first convolution (the second has twice as many).
    """

    def __init__(self, latent_dim: int = 20, width: int = 32):
        super().__init__()
        self.latent_dim, w = latent_dim, width
        self.encoder = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1),  # 14x14
            nn.ReLU(),
            nn.Conv2d(w, 2 * w, 4, 2, 1),  # 7x7
            nn.ReLU(),
            nn.Flatten(),
        )
        self.mu = nn.Linear(2 * w * 49, latent_dim)
        self.logvar = nn.Linear(2 * w * 49, latent_dim)
        self.project = nn.Linear(latent_dim, 2 * w * 49)
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1),  # 14x14
            nn.ReLU(),
            nn.ConvTranspose2d(w, 1, 4, 2, 1),  # 28x28
            nn.Flatten(),
        )

    def encode(self, x: hm.Tensor) -> tuple[hm.Tensor, hm.Tensor]:
        """Images -> (mu, logvar) of q(z|x), each (N, latent_dim)."""
        h = self.encoder(_flat(x).reshape(x.shape[0], 1, 28, 28))
        return self.mu(h), self.logvar(h)

    def decode_logits(self, z: hm.Tensor) -> hm.Tensor:
        """Latent codes (N, latent_dim) -> Bernoulli logits (N, 784)."""
        h = self.project(z).relu()
        return self.decoder(h.reshape(z.shape[0], -1, 7, 7))


def vae_loss(
    recon: hm.Tensor, x: hm.Tensor, mu: hm.Tensor, logvar: hm.Tensor
) -> tuple[hm.Tensor, hm.Tensor]:
    """(negative ELBO, KL term), each summed over the batch, as pytorch/examples' ``loss_function``.

    ``BCE(recon, x, reduction="sum") - 0.5 * sum(1 + logvar - mu^2 - exp(logvar))``: the
    Bernoulli negative log-likelihood of the pixels (in nats; grey pixels are the targets'
    probabilities, not binarised) plus ``KL(N(mu, exp(logvar)) || N(0, I))``.
    """
    bce = F.binary_cross_entropy(recon, _flat(x), reduction="sum")
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum()
    return bce + kl, kl


def interpolate(vae: _Gaussian, x_from: hm.Tensor, x_to: hm.Tensor, steps: int = 10) -> np.ndarray:
    """Images (steps, 28, 28) decoded along the straight line between the posterior means of
    two images (each (1, 28, 28), (28, 28) or (784,)).
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}")
    with hm.no_grad():
        pair = hm.tensor(np.stack([np.asarray(x, np.float32).reshape(784) for x in (x_from, x_to)]))
        mu, _ = vae.encode(pair)
        t = hm.tensor(np.linspace(0, 1, steps, dtype=np.float32)[:, None])
        z = mu[0:1] * (1 - t) + mu[1:2] * t
        return vae.decode(z).numpy().reshape(steps, 28, 28)


def latent_grid(vae: _Gaussian, n: int = 15, dims: tuple[int, int] = (0, 1)) -> np.ndarray:
    """The decoder's images over an ``n`` x ``n`` grid of two latent dimensions, (n*28, n*28).

    The grid's values are the standard normal's quantiles at ``(i + 0.5) / n`` (evenly spaced in
    prior probability, as in Kingma & Welling's figure 4); the other latent dimensions are 0, the
    prior's mean. For a 2-D latent space this is the whole learned manifold.
    """
    if (
        n < 1
        or len(dims) != 2
        or not all(0 <= d < vae.latent_dim for d in dims)
        or dims[0] == dims[1]
    ):
        raise ValueError(f"expected n >= 1 and two distinct dims in 0..{vae.latent_dim - 1}")
    quantiles = np.array([NormalDist().inv_cdf((i + 0.5) / n) for i in range(n)], np.float32)
    z = np.zeros((n * n, vae.latent_dim), np.float32)
    rows, cols = np.meshgrid(quantiles[::-1], quantiles, indexing="ij")  # top row: largest value
    z[:, dims[0]], z[:, dims[1]] = cols.ravel(), rows.ravel()
    with hm.no_grad():
        images = vae.decode(hm.tensor(z)).numpy().reshape(n, n, 28, 28)
    return images.transpose(0, 2, 1, 3).reshape(n * 28, n * 28)
