"""Scores of generative models: the Fréchet distance against SciPy's sqrtm formula, the
classifier score against torch's KL divergence, the VAE bounds against torch.distributions on
the same noise, class coverage, and the classifier's outputs with a tiny untrained CNN."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from support import requires_torch, torch

import homeml as hm
from homeml.models import CNN, VAE
from homeml.models.scores import (
    class_coverage,
    classifier_outputs,
    classifier_score,
    frechet_distance,
    gaussian_frechet_distance,
    importance_weighted_log_likelihood,
    log_importance_weights,
    negative_elbo,
)
from homeml.models.vae import vae_loss


def scipy_frechet(a, b):
    """The formula, directly: |mu1 - mu2|^2 + tr(S1 + S2 - 2 sqrtm(S1 S2))."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    root = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * root))


@pytest.mark.parametrize("d", [1, 5, 32])
def test_frechet_distance_equals_the_sqrtm_formula(d):
    rng = np.random.default_rng(d)
    a = rng.standard_normal((300, d)) @ rng.standard_normal((d, d))
    b = 0.5 + rng.standard_normal((200, d)) @ rng.standard_normal((d, d))
    np.testing.assert_allclose(frechet_distance(a, b), scipy_frechet(a, b), rtol=1e-6)
    assert abs(frechet_distance(a, a)) < 1e-6 * np.trace(np.atleast_2d(np.cov(a, rowvar=False)))


def test_frechet_distance_of_known_gaussians_and_bad_input():
    # N(0, I) and N(m, 4I) in d dimensions: |m|^2 + d (1 + 4 - 2 * 2)
    m = np.array([1.0, 2.0, 0.0])
    got = gaussian_frechet_distance(np.zeros(3), np.eye(3), m, 4 * np.eye(3))
    np.testing.assert_allclose(got, 5.0 + 3.0, rtol=1e-12)
    with pytest.raises(ValueError, match=r"\(N, d\)"):
        frechet_distance(np.zeros((5, 2)), np.zeros((5, 3)))


@requires_torch
def test_classifier_score_matches_torch_kl():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.full(10, 0.3), size=400)
    p = torch.tensor(probs)
    marginal = p.mean(0, keepdim=True).expand_as(p)
    kl = torch.nn.functional.kl_div(marginal.log(), p, reduction="none").sum(1)
    np.testing.assert_allclose(classifier_score(probs), torch.exp(kl.mean()).item(), rtol=1e-10)
    # the extremes: confident and even -> the number of classes; all alike -> 1
    assert classifier_score(np.eye(10)[np.arange(50) % 10]) == pytest.approx(10.0)
    assert classifier_score(np.tile(probs[:1], (30, 1))) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="summing to 1"):
        classifier_score(np.full((3, 4), 0.5))


def test_class_coverage():
    result = class_coverage(np.array([0, 0, 1, 3, 3, 3]), 5)
    assert result == {"counts": [2, 1, 0, 3, 0], "covered": 3, "smallest_fraction": 0.0}
    assert class_coverage(np.arange(20) % 4, 4)["smallest_fraction"] == 0.25
    with pytest.raises(ValueError, match="class indices"):
        class_coverage(np.array([0.5]), 2)


def binary_images(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 784)).astype(np.float32)
    x[x < 0.6] = 0.0
    return x


@requires_torch
def test_importance_weights_match_torch_distributions():
    hm.manual_seed(0)
    vae = VAE(latent_dim=4, hidden=16)
    x = binary_images(5, 1)
    eps = np.random.default_rng(2).standard_normal((7, 5, 4))
    got = log_importance_weights(vae, x, eps)  # (N, k)

    dist = torch.distributions
    with hm.no_grad():
        encoded = vae.encode(hm.tensor(x))
    mu, logvar = (torch.tensor(t.numpy(), dtype=torch.float64) for t in encoded)
    std = torch.exp(0.5 * logvar)
    z = mu + std * torch.tensor(eps)
    with hm.no_grad():
        logits = vae.decode_logits(hm.tensor(z.numpy().reshape(35, 4).astype(np.float32)))
    logits = torch.tensor(logits.numpy(), dtype=torch.float64).reshape(7, 5, 784)
    target = torch.tensor(x, dtype=torch.float64)
    log_px_z = -torch.nn.functional.binary_cross_entropy_with_logits(
        logits, target.expand_as(logits), reduction="none"
    ).sum(-1)
    log_pz = dist.Normal(0.0, 1.0).log_prob(z).sum(-1)
    log_qz = dist.Normal(mu, std).log_prob(z).sum(-1)
    want = (log_px_z + log_pz - log_qz).T.numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_bounds_agree_with_the_training_loss():
    """negative_elbo is vae_loss with the seeded noise; the importance-weighted estimate with
    k=1 averages to the ELBO, and with more samples it rises (a tighter bound)."""
    hm.manual_seed(0)
    vae = VAE(latent_dim=3, hidden=16)
    x = binary_images(40, 3)
    eps = np.random.default_rng(5).standard_normal((40, 3)).astype(np.float32)
    with hm.no_grad():
        recon, mu, logvar = vae(hm.tensor(x), eps=eps)
        want = vae_loss(recon, hm.tensor(x), mu, logvar)[0].item() / 40
    np.testing.assert_allclose(negative_elbo(vae, x, batch_size=64, seed=5), want, rtol=1e-6)

    many = np.repeat(x[:4], 500, axis=0)
    elbo = -negative_elbo(vae, many, seed=1)
    k1 = importance_weighted_log_likelihood(vae, many, k=1, batch_size=500, seed=2)
    assert abs(k1 - elbo) < 0.05 * abs(elbo)
    k50 = importance_weighted_log_likelihood(vae, x[:4], k=50, seed=3)
    k1_exact = importance_weighted_log_likelihood(vae, np.repeat(x[:4], 50, 0), k=1, seed=3)
    assert k50 > k1_exact
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        negative_elbo(vae, x * 2 - 1)


def test_classifier_outputs_of_a_tiny_untrained_cnn():
    hm.manual_seed(0)
    net = CNN(num_classes=10, width=2).eval()
    images = np.random.default_rng(0).uniform(0, 1, (7, 28, 28)).astype(np.float32)
    probs, features = classifier_outputs(net, images, mean=0.1307, std=0.3081, batch_size=3)
    with hm.no_grad():
        x = hm.tensor(((images - 0.1307) / 0.3081).reshape(7, 1, 28, 28))
        want_probs = net(x).softmax(1).numpy()
        want_features = net[:-1](x).numpy()
    np.testing.assert_allclose(probs, want_probs, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(features, want_features, rtol=1e-5, atol=1e-7)
    assert features.shape == (7, 128)
