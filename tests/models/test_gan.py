"""DCGAN generator and discriminator (plain and conditional) against torch twins holding the
same weights: outputs, the non-saturating losses and every parameter's gradient."""

from __future__ import annotations

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml import _nn_io
from homeml.models import DCGANDiscriminator, DCGANGenerator
from homeml.models.gan import dcgan_init_, discriminator_loss, generator_loss

pytestmark = requires_torch
TOL = dict(rtol=1e-4, atol=1e-5)
LATENT, WIDTH, N = 8, 4, 5

if torch is not None:
    tnn, TF = torch.nn, torch.nn.functional

    class TGenerator(tnn.Module):
        def __init__(self, num_classes):
            super().__init__()
            self.num_classes, w = num_classes, WIDTH
            self.net = tnn.Sequential(
                tnn.ConvTranspose2d(LATENT + num_classes, 4 * w, 7, 1, 0, bias=False),
                tnn.BatchNorm2d(4 * w),
                tnn.ReLU(),
                tnn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False),
                tnn.BatchNorm2d(2 * w),
                tnn.ReLU(),
                tnn.ConvTranspose2d(2 * w, 1, 4, 2, 1),
                tnn.Tanh(),
            )

        def forward(self, z, labels=None):
            if self.num_classes:
                z = torch.cat([z, TF.one_hot(labels, self.num_classes).float()], 1)
            return self.net(z[:, :, None, None])

    class TDiscriminator(tnn.Module):
        def __init__(self, num_classes):
            super().__init__()
            self.num_classes, w = num_classes, WIDTH
            self.net = tnn.Sequential(
                tnn.Conv2d(1 + num_classes, w, 4, 2, 1),
                tnn.LeakyReLU(0.2),
                tnn.Conv2d(w, 2 * w, 4, 2, 1, bias=False),
                tnn.BatchNorm2d(2 * w),
                tnn.LeakyReLU(0.2),
                tnn.Conv2d(2 * w, 1, 7, 1, 0),
                tnn.Flatten(0),
            )

        def forward(self, x, labels=None):
            if self.num_classes:
                planes = TF.one_hot(labels, self.num_classes).float()[:, :, None, None]
                x = torch.cat([x, planes.expand(-1, -1, 28, 28)], 1)
            return self.net(x)


def twin(model, torch_model):
    """``torch_model`` with ``model``'s parameters and buffers."""
    state = {k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()}
    torch_model.load_state_dict(state, strict=False)
    return torch_model


def grads(model):
    return {name: p.grad.numpy() for name, p in model.named_parameters()}


def torch_grads(model):
    return {name: p.grad.numpy() for name, p in model.named_parameters()}


@pytest.mark.parametrize("num_classes", [0, 10])
def test_one_gan_step_matches_torch(num_classes):
    """Discriminator loss and gradients on real and generated images, then the generator's
    loss and gradients through the discriminator, all in training mode (batch statistics)."""
    hm.manual_seed(0)
    g = dcgan_init_(DCGANGenerator(LATENT, WIDTH, num_classes))
    d = dcgan_init_(DCGANDiscriminator(WIDTH, num_classes))
    tg, td = twin(g, TGenerator(num_classes)), twin(d, TDiscriminator(num_classes))
    rng = np.random.default_rng(1)
    z = rng.standard_normal((N, LATENT)).astype(np.float32)
    real = rng.uniform(-1, 1, (N, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, N) if num_classes else None
    t_labels = torch.tensor(labels) if num_classes else None

    fake = g(hm.tensor(z), labels)
    t_fake = tg(torch.tensor(z), t_labels)
    np.testing.assert_allclose(fake.detach().numpy(), t_fake.detach().numpy(), **TOL)

    loss_d = discriminator_loss(d(hm.tensor(real), labels), d(fake.detach(), labels))
    t_loss_d = TF.binary_cross_entropy_with_logits(
        td(torch.tensor(real), t_labels), torch.ones(N)
    ) + TF.binary_cross_entropy_with_logits(td(t_fake.detach(), t_labels), torch.zeros(N))
    loss_d.backward()
    t_loss_d.backward()
    np.testing.assert_allclose(loss_d.item(), t_loss_d.item(), **TOL)
    for name, grad in grads(d).items():
        np.testing.assert_allclose(grad, torch_grads(td)[name], **TOL, err_msg=name)

    loss_g = generator_loss(d(fake, labels))
    t_loss_g = TF.binary_cross_entropy_with_logits(td(t_fake, t_labels), torch.ones(N))
    loss_g.backward()
    t_loss_g.backward()
    np.testing.assert_allclose(loss_g.item(), t_loss_g.item(), **TOL)
    for name, grad in grads(g).items():
        np.testing.assert_allclose(grad, torch_grads(tg)[name], rtol=1e-3, atol=1e-5, err_msg=name)
    # BatchNorm's running statistics moved the same way
    for name, value in g.state_dict().items():
        if "running" in name:
            np.testing.assert_allclose(value.numpy(), tg.state_dict()[name].numpy(), **TOL)


def test_losses_on_extreme_logits_match_torch():
    logits = np.array([-80.0, -3.0, 0.0, 2.5, 90.0], np.float32)
    other = np.array([5.0, -60.0, 0.5, 1.0, -2.0], np.float32)
    t_l, t_o = torch.tensor(logits), torch.tensor(other)
    want_d = TF.binary_cross_entropy_with_logits(t_l, torch.ones(5)) + (
        TF.binary_cross_entropy_with_logits(t_o, torch.zeros(5))
    )
    got_d = discriminator_loss(hm.tensor(logits), hm.tensor(other))
    np.testing.assert_allclose(got_d.item(), want_d.item(), rtol=1e-6)
    want_g = -torch.log(torch.sigmoid(t_o.double())).mean()  # the non-saturating form
    np.testing.assert_allclose(generator_loss(hm.tensor(other)).item(), want_g.item(), rtol=1e-5)


def test_init_labels_and_saving():
    hm.manual_seed(0)
    g = dcgan_init_(DCGANGenerator(LATENT, WIDTH, num_classes=3))
    weight = g.net[0].weight.numpy()
    assert abs(weight.std() - 0.02) < 0.003 and abs(weight.mean()) < 0.003
    np.testing.assert_allclose(g.net[1].bias.numpy(), 0)
    with pytest.raises(ValueError, match="needs labels"):
        g(hm.randn(2, LATENT))
    with pytest.raises(ValueError, match="0..2"):
        g(hm.randn(2, LATENT), [0, 3])
    with pytest.raises(ValueError, match=r"\(N, 8\)"):
        g(hm.randn(2, LATENT + 1), [0, 1])
    with pytest.raises(ValueError, match="not conditional"):
        DCGANDiscriminator(WIDTH)(hm.randn(2, 1, 28, 28), [0, 1])
    rebuilt = _nn_io.build(_nn_io.describe(g))
    assert isinstance(rebuilt, DCGANGenerator) and rebuilt.num_classes == 3
