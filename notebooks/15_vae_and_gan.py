# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 15 · Generative models: the VAE's evidence bound and the GAN's game
#
# A classifier learns $p(y \mid x)$. A generative model learns $p(x)$ itself, so that it can
# *draw new* digits. Two families dominate, and this notebook writes the heart of each by hand:
#
# - the **variational autoencoder** (Kingma & Welling 2014): an encoder maps an image to a
#   Gaussian over a small latent code $z$, a decoder maps $z$ back to pixel probabilities, and
#   both are trained on the **evidence lower bound** (ELBO) of $\log p(x)$;
# - the **generative adversarial network** (Goodfellow et al. 2014): a generator turns noise
#   into images, a discriminator tells them from real ones, and each trains against the other.
#
# We compute the ELBO and its gradient by hand against `homeml.models.VAE` / `vae_loss` (and
# PyTorch), train the VAE briefly, then write the GAN losses by hand against
# `homeml.models.gan`.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import homeml as hm
from homeml import optim
from homeml.datasets import load_mnist
from homeml.models import VAE
from homeml.models import gan as gan_models
from homeml.models.vae import vae_loss

try:
    import torch
except ImportError:
    torch = None
    print("PyTorch is not installed: comparing with homeml only")

FULL = False  # True: all 60,000 digits and 10 epochs (pytorch/examples' run: about 106 nats)
N_TRAIN = 60_000 if FULL else 6_000
EPOCHS = 10 if FULL else 2
(train_images, _), (test_images, _) = load_mnist(download=False, progress=False)
X = (train_images[:N_TRAIN].reshape(N_TRAIN, 784) / 255.0).astype(np.float32)  # (n, 784)
X_test = (test_images[:1000].reshape(1000, 784) / 255.0).astype(np.float32)
hm.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## The evidence lower bound
#
# For an image $x$ the encoder gives $q(z \mid x) = \mathcal{N}(\mu, \operatorname{diag}
# \sigma^2)$ (it outputs $\mu$ and $\log \sigma^2$). Jensen's inequality bounds the log-likelihood:
#
# $$\log p(x) \ge \mathbb{E}_{q}[\log p(x \mid z)]
#   - \mathrm{KL}\big(q(z \mid x) \,\|\, \mathcal{N}(0, I)\big).$$
#
# With Bernoulli pixels the first term is minus the binary cross-entropy between the decoder's
# probabilities $\hat x$ and the image, estimated with one sample $z$; the KL of two Gaussians
# has a closed form. The loss is the negative ELBO, in nats:
#
# $$\mathcal{L} = -\sum_{j} \big[x_j \log \hat x_j + (1 - x_j)\log(1 - \hat x_j)\big]
#   - \tfrac12 \sum_k \big(1 + \log\sigma_k^2 - \mu_k^2 - \sigma_k^2\big).$$
#
# The **reparameterisation trick** makes the sample differentiable: $z = \mu + \sigma \odot
# \varepsilon$ with $\varepsilon \sim \mathcal{N}(0, I)$ drawn outside the graph.

# %%
vae = VAE()  # 784-400-20-400-784, pytorch/examples' sizes
params = {name: p.numpy().astype(np.float64) for name, p in vae.named_parameters()}
batch = X[:64].astype(np.float64)
eps = rng.standard_normal((64, 20))


def relu(a):
    return np.maximum(a, 0)


def negative_elbo_by_hand(x, eps, P):
    """The summed negative ELBO of the images ``x`` (n, 784) for the noise ``eps`` (n, 20)."""
    linear = lambda a, name: a @ P[name + ".weight"].T + P[name + ".bias"]  # noqa: E731
    h = relu(linear(x, "fc1"))
    mu, logvar = linear(h, "fc21"), linear(h, "fc22")
    z = mu + np.exp(0.5 * logvar) * eps  # the reparameterisation trick
    logits = linear(relu(linear(z, "fc3")), "fc4")
    # Bernoulli log-likelihood from logits, stably: x * l - log(1 + e^l)
    log_lik = (x * logits - np.logaddexp(0, logits)).sum()
    kl = -0.5 * (1 + logvar - mu**2 - np.exp(logvar)).sum()
    return -log_lik + kl, kl


ours, ours_kl = negative_elbo_by_hand(batch, eps, params)
vae64 = VAE().to(hm.float64)
vae64.load_state_dict(params)
recon, mu, logvar = vae64(hm.tensor(batch), eps=eps)
theirs, theirs_kl = vae_loss(recon, hm.tensor(batch), mu, logvar)
assert np.isclose(ours, theirs.item(), rtol=1e-10) and np.isclose(ours_kl, theirs_kl.item())
print(f"negative ELBO of 64 digits by hand {ours:.4f} nats = homeml's vae_loss")
print(f"({ours / 64:.1f} nats per image before training, of which KL {ours_kl / 64:.2f})")

# %% [markdown]
# Its gradient: finite differences on a few weights against homeml's autograd (and PyTorch's).

# %%
theirs.backward()
grad = dict(vae64.named_parameters())["fc21.weight"].grad.numpy()
picks = [(0, 0), (3, 17), (19, 399)]
for i, j in picks:
    step = {k: v.copy() for k, v in params.items()}
    step["fc21.weight"][i, j] += 1e-6
    up = negative_elbo_by_hand(batch, eps, step)[0]
    step["fc21.weight"][i, j] -= 2e-6
    numeric = (up - negative_elbo_by_hand(batch, eps, step)[0]) / 2e-6
    assert np.isclose(numeric, grad[i, j], rtol=1e-5, atol=1e-6), (numeric, grad[i, j])
if torch is not None:
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    t_linear = lambda a, name: a @ tp[name + ".weight"].T + tp[name + ".bias"]  # noqa: E731
    tb, te = torch.tensor(batch), torch.tensor(eps)
    h = torch.relu(t_linear(tb, "fc1"))
    t_mu, t_logvar = t_linear(h, "fc21"), t_linear(h, "fc22")
    z = t_mu + torch.exp(0.5 * t_logvar) * te
    t_recon = torch.sigmoid(t_linear(torch.relu(t_linear(z, "fc3")), "fc4"))
    t_loss = (
        torch.nn.functional.binary_cross_entropy(t_recon, tb, reduction="sum")
        - 0.5 * (1 + t_logvar - t_mu**2 - t_logvar.exp()).sum()
    )
    t_loss.backward()
    assert np.allclose(tp["fc21.weight"].grad.numpy(), grad, rtol=1e-7, atol=1e-9)
    print("the same gradient as PyTorch's autograd, and as finite differences")

# %% [markdown]
# ## Training it
#
# Adam at $10^{-3}$, batches of 128, as pytorch/examples. The test bound is reported per image.

# %%
optimizer = optim.Adam(vae.parameters(), lr=1e-3)
rows = []
for epoch in range(1, EPOCHS + 1):
    order = rng.permutation(N_TRAIN)
    total = 0.0
    for start in range(0, N_TRAIN, 128):
        x = hm.tensor(X[order[start : start + 128]])
        recon, mu, logvar = vae(x)
        loss, _ = vae_loss(recon, x, mu, logvar)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    with hm.no_grad():
        x = hm.tensor(X_test)
        recon, mu, logvar = vae(x)
        test_loss = vae_loss(recon, x, mu, logvar)[0].item()
    rows.append(
        {"epoch": epoch, "train nats/image": total / N_TRAIN, "test nats/image": test_loss / 1000}
    )
history = pd.DataFrame(rows).set_index("epoch")
history

# %%
assert history["test nats/image"].iloc[-1] < 0.6 * ours / 64  # far below the untrained bound
with hm.no_grad():
    samples = vae.sample(16, generator=hm.Generator().manual_seed(0)).numpy()
fig, axes = plt.subplots(2, 8, figsize=(8, 2))
for ax, image in zip(axes.flat, samples):
    ax.imshow(image[0], cmap="gray")
    ax.axis("off")
fig.suptitle("digits decoded from z ~ N(0, I)")
plt.show()

# %% [markdown]
# ## The GAN's game
#
# The discriminator $D$ outputs the probability that an image is real; it minimises the binary
# cross-entropy of telling real ($y = 1$) from generated ($y = 0$):
# $\mathcal{L}_D = -\log D(x) - \log(1 - D(G(z)))$. The generator would minimise
# $\log(1 - D(G(z)))$, but that gradient vanishes exactly when $D$ wins easily (early on), so
# DCGAN uses the **non-saturating** loss $\mathcal{L}_G = -\log D(G(z))$ instead: same fixed
# point, strong gradients when the generator is bad. Written with the discriminator's logits
# $\ell$: $-\log \sigma(\ell) = \log(1 + e^{-\ell})$.

# %%
generator, discriminator = gan_models.DCGANGenerator(), gan_models.DCGANDiscriminator()
z = hm.randn(8, generator.latent_dim)
real = hm.tensor(X[:8].reshape(8, 1, 28, 28) * 2 - 1)  # images in [-1, 1], as the Tanh output
fake = generator(z)
real_logits, fake_logits = discriminator(real).numpy(), discriminator(fake).numpy()
softplus = lambda a: np.logaddexp(0, a)  # noqa: E731  log(1 + e^a)
d_by_hand = softplus(-real_logits).mean() + softplus(fake_logits).mean()
g_by_hand = softplus(-fake_logits).mean()
d_loss = gan_models.discriminator_loss(discriminator(real), discriminator(fake))
g_loss = gan_models.generator_loss(discriminator(fake))
assert np.isclose(d_by_hand, d_loss.item(), rtol=1e-5)
assert np.isclose(g_by_hand, g_loss.item(), rtol=1e-5)
print(f"discriminator loss {d_by_hand:.4f}, generator loss {g_by_hand:.4f}: as homeml.models.gan")

# why the non-saturating loss: the gradient of each generator loss with respect to D's logit
logit = np.linspace(-8, 4, 200)
sigmoid = 1 / (1 + np.exp(-logit))
plt.plot(logit, sigmoid, label="saturating: d log(1 - D) / dl = -D")
plt.plot(logit, sigmoid - 1, label="non-saturating: d(-log D) / dl = D - 1")
plt.axvline(-5, color="gray", linestyle=":")
plt.xlabel("discriminator logit of a generated image (very negative: D is sure it is fake)")
plt.ylabel("gradient")
plt.legend()
plt.show()
# the two gradients at logit -5 by homeml's autograd, against the formulas plotted above
logit_5 = hm.tensor([-5.0], dtype=hm.float64, requires_grad=True)
(1 - logit_5.sigmoid()).log().sum().backward()  # the saturating loss log(1 - D)
saturating = logit_5.grad.item()
logit_5.grad = None
(-logit_5.sigmoid().log()).sum().backward()  # the non-saturating loss -log D
non_saturating = logit_5.grad.item()
d_at_minus_5 = 1 / (1 + np.exp(5))
assert np.isclose(saturating, -d_at_minus_5) and np.isclose(non_saturating, d_at_minus_5 - 1)
assert abs(saturating) < 0.01 and abs(non_saturating) > 0.99

# %% [markdown]
# Where the discriminator is sure a sample is fake (logit $-5$ and below), the saturating loss
# gives the generator a gradient under 0.01, the non-saturating one a gradient near 1: that is
# why `homeml train mnist-gan` uses it. The VAE, in contrast, optimises a single bound with no
# game, which makes it stable but its samples blurrier; `homeml train mnist-vae` reaches about
# 106 nats per image on the test set with pytorch/examples' settings.
