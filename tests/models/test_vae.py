"""The VAE of pytorch/examples and the convolutional VAE against torch twins holding the same
weights and drawing the same noise: reconstructions, the negative ELBO and gradients; the
helpers' shapes and values."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml.models import VAE, ConvVAE
from homeml.models.vae import interpolate, latent_grid, vae_loss

pytestmark = requires_torch
TOL = dict(rtol=1e-4, atol=1e-5)
N, LATENT = 6, 3

if torch is not None:
    tnn, TF = torch.nn, torch.nn.functional

    class TVAE(tnn.Module):  # pytorch/examples vae/main.py, with the noise passed in
        def __init__(self, hidden):
            super().__init__()
            self.fc1 = tnn.Linear(784, hidden)
            self.fc21 = tnn.Linear(hidden, LATENT)
            self.fc22 = tnn.Linear(hidden, LATENT)
            self.fc3 = tnn.Linear(LATENT, hidden)
            self.fc4 = tnn.Linear(hidden, 784)

        def forward(self, x, eps):
            h1 = TF.relu(self.fc1(x.view(-1, 784)))
            mu, logvar = self.fc21(h1), self.fc22(h1)
            z = mu + eps * torch.exp(0.5 * logvar)
            return torch.sigmoid(self.fc4(TF.relu(self.fc3(z)))), mu, logvar

    class TConvVAE(tnn.Module):
        def __init__(self, w):
            super().__init__()
            self.w = w
            self.encoder = tnn.Sequential(
                tnn.Conv2d(1, w, 4, 2, 1),
                tnn.ReLU(),
                tnn.Conv2d(w, 2 * w, 4, 2, 1),
                tnn.ReLU(),
                tnn.Flatten(),
            )
            self.mu = tnn.Linear(2 * w * 49, LATENT)
            self.logvar = tnn.Linear(2 * w * 49, LATENT)
            self.project = tnn.Linear(LATENT, 2 * w * 49)
            self.decoder = tnn.Sequential(
                tnn.ConvTranspose2d(2 * w, w, 4, 2, 1),
                tnn.ReLU(),
                tnn.ConvTranspose2d(w, 1, 4, 2, 1),
                tnn.Flatten(),
            )

        def forward(self, x, eps):
            h = self.encoder(x)
            mu, logvar = self.mu(h), self.logvar(h)
            z = mu + eps * torch.exp(0.5 * logvar)
            h = TF.relu(self.project(z)).view(-1, 2 * self.w, 7, 7)
            return torch.sigmoid(self.decoder(h)), mu, logvar


def torch_loss(recon, x, mu, logvar):  # pytorch/examples loss_function
    bce = TF.binary_cross_entropy(recon, x.view(-1, 784), reduction="sum")
    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


@pytest.mark.parametrize("conv", [False, True])
def test_negative_elbo_and_gradients_match_torch(conv):
    hm.manual_seed(0)
    model = ConvVAE(LATENT, width=4) if conv else VAE(LATENT, hidden=16)
    reference = TConvVAE(4) if conv else TVAE(16)
    reference.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (N, 1, 28, 28)).astype(np.float32)
    x[x < 0.5] = 0.0  # MNIST-like: many exact zeros
    eps = rng.standard_normal((N, LATENT)).astype(np.float32)

    recon, mu, logvar = model(hm.tensor(x), eps=eps)
    loss, kl = vae_loss(recon, hm.tensor(x), mu, logvar)
    loss.backward()
    t_recon, t_mu, t_logvar = reference(torch.tensor(x), torch.tensor(eps))
    t_loss = torch_loss(t_recon, torch.tensor(x), t_mu, t_logvar)
    t_loss.backward()

    np.testing.assert_allclose(recon.detach().numpy(), t_recon.detach().numpy(), **TOL)
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-5)
    t_kl = -0.5 * torch.sum(1 + t_logvar - t_mu.pow(2) - t_logvar.exp())
    np.testing.assert_allclose(kl.item(), t_kl.item(), rtol=1e-5, atol=1e-6)
    t_params = dict(reference.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), t_params[name].grad.numpy(), rtol=1e-3, atol=1e-4, err_msg=name
        )


def test_vae_loss_gradient_matches_finite_differences():
    """float64 central differences of the negative ELBO in mu and logvar."""
    rng = np.random.default_rng(2)
    x = hm.tensor(rng.uniform(0, 1, (2, 784)))
    recon = hm.tensor(rng.uniform(0.05, 0.95, (2, 784)))
    mu0, lv0 = rng.standard_normal((2, LATENT)), 0.3 * rng.standard_normal((2, LATENT))
    mu, logvar = hm.tensor(mu0, requires_grad=True), hm.tensor(lv0, requires_grad=True)
    vae_loss(recon, x, mu, logvar)[0].backward()

    def f(m, lv):
        return vae_loss(recon, x, hm.tensor(m), hm.tensor(lv))[0].item()

    h = 1e-6
    for which, base, grad in ((0, mu0, mu.grad), (1, lv0, logvar.grad)):
        numeric = np.zeros_like(base)
        for i in np.ndindex(base.shape):
            up, down = base.copy(), base.copy()
            up[i] += h
            down[i] -= h
            args_up = (up, lv0) if which == 0 else (mu0, up)
            args_down = (down, lv0) if which == 0 else (mu0, down)
            numeric[i] = (f(*args_up) - f(*args_down)) / (2 * h)
        np.testing.assert_allclose(grad.numpy(), numeric, rtol=1e-6, atol=1e-7)


def test_reparameterisation_draws_from_the_posterior():
    model = VAE(LATENT, hidden=8)
    mu = hm.tensor(np.full((20000, LATENT), 1.5, np.float32))
    logvar = hm.tensor(np.full((20000, LATENT), np.log(0.25), np.float32))
    hm.manual_seed(3)
    z = model.reparameterize(mu, logvar).numpy()
    np.testing.assert_allclose(z.mean(0), 1.5, atol=0.02)
    np.testing.assert_allclose(z.std(0), 0.5, atol=0.02)
    with pytest.raises(ValueError, match="posterior's shape"):
        model.reparameterize(mu, logvar, eps=np.zeros((2, LATENT)))


def test_interpolation_and_latent_grid():
    hm.manual_seed(0)
    model = VAE(2, hidden=8)
    a, b = np.zeros((28, 28)), np.ones((28, 28))
    path = interpolate(model, a, b, steps=5)
    assert path.shape == (5, 28, 28)
    with hm.no_grad():
        mu, _ = model.encode(hm.tensor(np.stack([a, b]).reshape(2, 784).astype(np.float32)))
        ends = model.decode(mu).numpy().reshape(2, 28, 28)
        middle = model.decode((mu[0:1] + mu[1:2]) * 0.5).numpy().reshape(28, 28)
    np.testing.assert_allclose(path[[0, -1]], ends, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(path[2], middle, rtol=1e-5, atol=1e-6)

    grid = latent_grid(model, n=3)
    assert grid.shape == (84, 84)
    q = NormalDist().inv_cdf(5 / 6)  # the top-left tile: z = (quantile 1/6, quantile 5/6)
    with hm.no_grad():
        tile = model.decode(hm.tensor(np.array([[-q, q]], np.float32))).numpy().reshape(28, 28)
    np.testing.assert_allclose(grid[:28, :28], tile, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="distinct dims"):
        latent_grid(model, n=3, dims=(0, 0))
    assert ConvVAE(2, width=2).sample(4).shape == (4, 1, 28, 28)
