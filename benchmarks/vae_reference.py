"""The VAE of ``homeml train mnist-vae`` and its PyTorch twin, trained side by side from the same
initial weights on the same batches with the same reparameterisation noise; prints both loss
curves (train and test negative ELBO, nats per image) and their largest relative gap.

    python benchmarks/vae_reference.py                         # pytorch/examples: 10 epochs
    python benchmarks/vae_reference.py --epochs 1 --limit 10000  # a shorter check

homeml's side is the job's own code (:func:`homeml.jobs.vae.build_vae` and
:func:`homeml.jobs.vae.train_epoch`); PyTorch's side draws from a second NumPy generator with the
same seed in the same order (the batch order, then each batch's noise), so both see the same data.
The two curves drift apart only by float32 rounding, amplified by training.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import homeml as hm
from homeml import optim
from homeml.jobs._generative import load_images
from homeml.jobs.vae import DEFAULTS, build_vae, train_epoch
from homeml.models.scores import negative_elbo

F = torch.nn.functional


class TorchVAE(torch.nn.Module):  # pytorch/examples vae/main.py, the noise passed in
    def __init__(self, latent=20, hidden=400):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, hidden)
        self.fc21 = torch.nn.Linear(hidden, latent)
        self.fc22 = torch.nn.Linear(hidden, latent)
        self.fc3 = torch.nn.Linear(latent, hidden)
        self.fc4 = torch.nn.Linear(hidden, 784)

    def forward(self, x, eps):
        h1 = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h1), self.fc22(h1)
        z = mu + eps * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar


def torch_loss(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def torch_epoch(model, optimizer, images, batch_size, rng, latent):
    """train_epoch's loop in PyTorch, drawing from ``rng`` in the same order."""
    model.train()
    order = rng.permutation(len(images))
    total = 0.0
    for start in range(0, len(images), batch_size):
        batch = torch.from_numpy(images[order[start : start + batch_size]].reshape(-1, 784))
        eps = torch.from_numpy(rng.standard_normal((len(batch), latent)).astype(np.float32))
        optimizer.zero_grad()
        recon, mu, logvar = model(batch, eps)
        loss = torch_loss(recon, batch, mu, logvar)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(images)


def torch_test_loss(model, images, seed, latent):
    """negative_elbo's computation in PyTorch, with its noise."""
    rng = np.random.default_rng(seed)
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(images), 1000):
            x = torch.from_numpy(images[start : start + 1000].reshape(-1, 784))
            eps = torch.from_numpy(rng.standard_normal((len(x), latent)).astype(np.float32))
            recon, mu, logvar = model(x, eps)
            total += torch_loss(recon, x, mu, logvar).item()
    return total / len(images)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    parser.add_argument("--limit", type=int, help="training images (default all 60,000)")
    parser.add_argument("--test-limit", type=int, help="test images (default all 10,000)")
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    args = parser.parse_args()
    batch, lr, latent = DEFAULTS["batch_size"], DEFAULTS["lr"], DEFAULTS["latent_dim"]
    (x_train, _), (x_test, _) = load_images("mnist", limit=args.limit, test_limit=args.test_limit)

    model = build_vae(False, latent, args.seed)
    twin = TorchVAE(latent)
    state = {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
    twin.load_state_dict(state)
    opt = optim.Adam(model.parameters(), lr=lr)
    t_opt = torch.optim.Adam(twin.parameters(), lr=lr)
    rng, t_rng = np.random.default_rng(args.seed), np.random.default_rng(args.seed)
    print(f"{len(x_train)} training images, {len(x_test)} test images, batch {batch}, Adam {lr}")
    print("epoch  train homeml  train torch   test homeml   test torch   max rel. gap  seconds h/t")
    worst = 0.0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        train_h, _ = train_epoch(model, opt, x_train, batch, rng)
        middle = time.perf_counter()
        train_t = torch_epoch(twin, t_opt, x_train, batch, t_rng, latent)
        end = time.perf_counter()
        test_h = negative_elbo(model, x_test, seed=epoch)
        test_t = torch_test_loss(twin, x_test, epoch, latent)
        gap = max(abs(train_h - train_t) / train_t, abs(test_h - test_t) / test_t)
        worst = max(worst, gap)
        print(
            f"{epoch:5d} {train_h:13.3f} {train_t:12.3f} {test_h:13.3f} {test_t:12.3f} "
            f"{100 * gap:12.4f}%  {middle - start:.0f}/{end - middle:.0f}"
        )
    verdict = "within" if worst <= 0.01 else "NOT within"
    print(f"largest relative gap {100 * worst:.4f}%: {verdict} 1%")
    print(f"final test loss: homeml {test_h:.3f}, PyTorch {test_t:.3f} nats/image")


if __name__ == "__main__":
    hm.manual_seed(0)
    main()
