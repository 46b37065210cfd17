"""How good a generative model is, in numbers.

Likelihood of a VAE (nats per image, Bernoulli pixels):

- :func:`negative_elbo`: the loss the VAE trains on, ``-ELBO(x) >= -log p(x)``, averaged over
  images with one posterior sample each (pytorch/examples' "test set loss").
- :func:`importance_weighted_log_likelihood`: Burda et al.'s (2016) bound
  ``log (1/k) sum_j p(x, z_j) / q(z_j | x)``, ``z_j ~ q(z | x)``, which tightens towards
  ``log p(x)`` as ``k`` grows (``k = 1`` is a sampled ELBO).

Samples judged by a classifier of the same images (homeml's own MNIST CNN stands where the
Inception network stands for ImageNet):

- :func:`classifier_score`: the Inception-score idea, ``exp(E_x KL(p(y|x) || p(y)))``: up to the
  number of classes when every sample is classified confidently and the classes are even.
- :func:`frechet_distance`: the Fréchet (2-Wasserstein) distance between Gaussians fitted to
  two sets of features (Heusel et al. 2017), here the classifier's penultimate layer.
- :func:`class_coverage`: how many samples fall in each class.
"""

from __future__ import annotations

import numpy as np

import homeml as hm
from homeml.models.vae import vae_loss

__all__ = [
    "class_coverage",
    "classifier_score",
    "frechet_distance",
    "gaussian_frechet_distance",
    "importance_weighted_log_likelihood",
    "negative_elbo",
]

_LOG_2PI = float(np.log(2 * np.pi))


def _images(images) -> np.ndarray:
    array = np.asarray(images.numpy() if isinstance(images, hm.Tensor) else images)
    if array.ndim < 2 or array.size == 0 or array[0].size != 784:
        raise ValueError(
            f"expected images (N, 28, 28), (N, 1, 28, 28) or (N, 784), got {array.shape}"
        )
    array = array.reshape(len(array), 784).astype(np.float32)
    if not np.all((array >= 0) & (array <= 1)):
        raise ValueError("expected pixel values in [0, 1] (Bernoulli probabilities)")
    return array


def negative_elbo(vae, images, batch_size: int = 1000, seed: int = 0) -> float:
    """Mean negative ELBO in nats per image (reconstruction cross-entropy + KL), one posterior
    sample per image drawn with ``seed``; the model is put in eval mode.
    """
    x = _images(images)
    rng = np.random.default_rng(seed)
    vae.eval()
    total = 0.0
    with hm.no_grad():
        for start in range(0, len(x), batch_size):
            batch = hm.tensor(x[start : start + batch_size])
            mu, logvar = vae.encode(batch)
            eps = rng.standard_normal(mu.shape).astype(np.float32)
            recon = vae.decode(vae.reparameterize(mu, logvar, eps))
            total += vae_loss(recon, batch, mu, logvar)[0].item()
    return total / len(x)


def log_importance_weights(vae, x: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """``log p(x|z_j) + log p(z_j) - log q(z_j|x)`` for ``z_j = mu + sigma * eps[j]``, (N, k).

    ``x`` is (N, 784) in [0, 1], ``eps`` (k, N, latent_dim); computed in float64 from the
    decoder's logits (``log p(x|z) = sum x * l - softplus(l)``).
    """
    k, n = eps.shape[:2]
    with hm.no_grad():
        mu, logvar = (t.numpy().astype(np.float64) for t in vae.encode(hm.tensor(x)))
        std = np.exp(0.5 * logvar)
        z = mu + std * eps  # (k, N, d)
        logits = vae.decode_logits(hm.tensor(z.reshape(k * n, -1).astype(np.float32)))
    logits = logits.numpy().astype(np.float64).reshape(k, n, 784)
    softplus = np.logaddexp(0.0, logits)
    log_px_z = (x.astype(np.float64) * logits - softplus).sum(-1)
    log_pz = -0.5 * (z**2 + _LOG_2PI).sum(-1)
    log_qz_x = -0.5 * (eps**2 + _LOG_2PI + logvar).sum(-1)
    return (log_px_z + log_pz - log_qz_x).T


def importance_weighted_log_likelihood(
    vae, images, k: int = 100, batch_size: int = 100, seed: int = 0
) -> float:
    """Mean importance-weighted estimate of ``log p(x)`` in nats per image with ``k`` samples
    (the negative of it is comparable with :func:`negative_elbo`, and lower).
    """
    if k < 1:
        raise ValueError(f"k must be a positive number of samples, got {k}")
    x = _images(images)
    rng = np.random.default_rng(seed)
    vae.eval()
    total = 0.0
    for start in range(0, len(x), batch_size):
        batch = x[start : start + batch_size]
        eps = rng.standard_normal((k, len(batch), vae.latent_dim))
        log_w = log_importance_weights(vae, batch, eps)  # (N, k)
        top = log_w.max(1, keepdims=True)
        total += float((top[:, 0] + np.log(np.exp(log_w - top).mean(1))).sum())
    return total / len(x)


def _probabilities(probs) -> np.ndarray:
    p = np.asarray(probs, dtype=np.float64)
    rows_sum_to_1 = p.ndim == 2 and np.allclose(p.sum(1), 1, atol=1e-4)
    if not rows_sum_to_1 or len(p) == 0 or not np.all(p >= 0):
        raise ValueError(
            f"expected class probabilities (N, classes) with rows summing to 1, got {p.shape}"
        )
    return p


def classifier_score(probs) -> float:
    """``exp(mean_x KL(p(y|x) || p(y)))`` for class probabilities (N, classes), ``p(y)`` their
    mean: 1 for identical predictions, the number of classes at best.
    """
    p = _probabilities(probs)
    marginal = p.mean(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(marginal)), 0.0)
    return float(np.exp(terms.sum(1).mean()))


def gaussian_frechet_distance(mu1, cov1, mu2, cov2) -> float:
    """``|mu1 - mu2|^2 + tr(cov1 + cov2 - 2 (cov1 cov2)^(1/2))`` for two Gaussians.

    The trace of the matrix square root is the sum of the square roots of the eigenvalues of the
    symmetric ``cov1^(1/2) cov2 cov1^(1/2)`` (similar to ``cov1 cov2``), from two ``eigh`` calls;
    tiny negative eigenvalues of rounding are taken as 0.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    cov1, cov2 = np.asarray(cov1, np.float64), np.asarray(cov2, np.float64)
    d = len(mu1)
    if mu2.shape != (d,) or cov1.shape != (d, d) or cov2.shape != (d, d):
        raise ValueError(
            f"expected two means (d,) and covariances (d, d), got {mu1.shape}, {cov1.shape}, "
            f"{mu2.shape}, {cov2.shape}"
        )
    values, vectors = np.linalg.eigh(cov1)
    root1 = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = root1 @ cov2 @ root1
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2 * trace_root)


def frechet_distance(features_a, features_b) -> float:
    """The Fréchet distance between Gaussians fitted to two feature sets (N, d) and (M, d)
    (means and unbiased covariances, as the FID).
    """
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(
            f"expected two feature sets (N, d), (M, d), N, M >= 2; got {a.shape}, {b.shape}"
        )
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))  # (d, d), also for d = 1
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    return gaussian_frechet_distance(a.mean(0), cov_a, b.mean(0), cov_b)


def class_coverage(predicted, num_classes: int) -> dict:
    """How the predicted classes of samples spread: ``{"counts": [...], "covered": classes
    with at least one sample, "smallest_fraction": the rarest class's share}``.
    """
    labels = np.asarray(predicted)
    if labels.ndim != 1 or labels.size == 0 or labels.dtype.kind not in "iu":
        raise ValueError(
            f"expected predicted class indices (N,), got {labels.dtype} {labels.shape}"
        )
    counts = np.bincount(labels, minlength=num_classes)
    return {
        "counts": counts.tolist(),
        "covered": int((counts > 0).sum()),
        "smallest_fraction": float(counts.min() / labels.size),
    }


def classifier_outputs(
    classifier, images, mean: float, std: float, batch_size: int = 500
) -> tuple[np.ndarray, np.ndarray]:
    """(class probabilities (N, classes), penultimate features (N, d)) of a ``Sequential``
    classifier whose last layer maps features to logits (homeml's digit CNN: the 128 ReLU
    features before its last ``Linear``); images (N, 28, 28) in [0, 1], normalised with
    ``mean`` and ``std`` as the classifier was trained; eval mode.
    """
    x = _images(images).reshape(-1, 1, 28, 28)
    layers = list(classifier.children()) if hasattr(classifier, "children") else []
    if not layers:
        raise TypeError(f"expected a Sequential classifier, got {type(classifier).__name__}")
    classifier.eval()
    probs, features = [], []
    with hm.no_grad():
        for start in range(0, len(x), batch_size):
            h = hm.tensor((x[start : start + batch_size] - mean) / std)
            for layer in layers[:-1]:
                h = layer(h)
            features.append(h.numpy().reshape(len(h), -1))
            probs.append(layers[-1](h).softmax(1).numpy())
    return np.concatenate(probs).astype(np.float64), np.concatenate(features)
