"""One training step of the job's DCGAN (both networks) and of the pytorch/examples VAE, in
homeml and PyTorch (CPU), in one process; prints the median step times and the ratio.

    python benchmarks/bench_generative.py [--repeats 15] [--width 32]

DCGAN step: generator forward on 128 noise vectors, a discriminator step on 128 real and the 128
generated images, then a generator step through the discriminator (Adam both). VAE step: forward,
negative ELBO, backward and Adam on 128 images. Both libraries start from the same weights and
see the same inputs; the timings interleave (homeml, torch, homeml, ...) so machine noise hits
both alike. The ratio is homeml / PyTorch: below 1 means homeml is faster.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import homeml as hm
from homeml import optim
from homeml.models import VAE, DCGANDiscriminator, DCGANGenerator
from homeml.models.gan import dcgan_init_, discriminator_loss, generator_loss
from homeml.models.vae import vae_loss

tnn, TF = torch.nn, torch.nn.functional
BATCH, LATENT = 128, 100


def torch_dcgan(w):
    g = tnn.Sequential(
        tnn.ConvTranspose2d(LATENT, 4 * w, 7, 1, 0, bias=False),
        tnn.BatchNorm2d(4 * w),
        tnn.ReLU(),
        tnn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False),
        tnn.BatchNorm2d(2 * w),
        tnn.ReLU(),
        tnn.ConvTranspose2d(2 * w, 1, 4, 2, 1),
        tnn.Tanh(),
    )
    d = tnn.Sequential(
        tnn.Conv2d(1, w, 4, 2, 1),
        tnn.LeakyReLU(0.2),
        tnn.Conv2d(w, 2 * w, 4, 2, 1, bias=False),
        tnn.BatchNorm2d(2 * w),
        tnn.LeakyReLU(0.2),
        tnn.Conv2d(2 * w, 1, 7, 1, 0),
        tnn.Flatten(0),
    )
    return g, d


class TorchVAE(tnn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc21 = tnn.Linear(784, 400), tnn.Linear(400, 20)
        self.fc22, self.fc3 = tnn.Linear(400, 20), tnn.Linear(20, 400)
        self.fc4 = tnn.Linear(400, 784)

    def forward(self, x, eps):
        h1 = TF.relu(self.fc1(x))
        mu, logvar = self.fc21(h1), self.fc22(h1)
        z = mu + eps * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.fc4(TF.relu(self.fc3(z)))), mu, logvar


def copy_weights(source, target, prefix=""):
    state = {
        k.removeprefix(prefix): torch.from_numpy(v.numpy().copy())
        for k, v in source.state_dict().items()
    }
    missing, unexpected = target.load_state_dict(state, strict=False)
    assert not unexpected and all("num_batches" in k for k in missing), (missing, unexpected)


def dcgan_steps(width):
    hm.manual_seed(0)
    g, d = dcgan_init_(DCGANGenerator(LATENT, width)), dcgan_init_(DCGANDiscriminator(width))
    tg, td = torch_dcgan(width)
    copy_weights(g, tg, "net.")
    copy_weights(d, td, "net.")
    betas = (0.5, 0.999)
    og, od = optim.Adam(g.parameters(), 2e-4, betas), optim.Adam(d.parameters(), 2e-4, betas)
    tog = torch.optim.Adam(tg.parameters(), 2e-4, betas=betas)
    tod = torch.optim.Adam(td.parameters(), 2e-4, betas=betas)
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (BATCH, 1, 28, 28)).astype(np.float32)
    z = rng.standard_normal((BATCH, LATENT)).astype(np.float32)
    ones, zeros = torch.ones(BATCH), torch.zeros(BATCH)

    def homeml_step():
        fake = g(hm.tensor(z))
        od.zero_grad()
        discriminator_loss(d(hm.tensor(real)), d(fake.detach())).backward()
        od.step()
        og.zero_grad()
        generator_loss(d(fake)).backward()
        og.step()

    def torch_step():
        fake = tg(torch.from_numpy(z)[:, :, None, None])
        tod.zero_grad()
        loss = TF.binary_cross_entropy_with_logits(td(torch.from_numpy(real)), ones)
        loss = loss + TF.binary_cross_entropy_with_logits(td(fake.detach()), zeros)
        loss.backward()
        tod.step()
        tog.zero_grad()
        TF.binary_cross_entropy_with_logits(td(fake), ones).backward()
        tog.step()

    return homeml_step, torch_step


def vae_steps():
    hm.manual_seed(0)
    model, twin = VAE(), TorchVAE()
    copy_weights(model, twin)
    opt, t_opt = optim.Adam(model.parameters(), 1e-3), torch.optim.Adam(twin.parameters(), 1e-3)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (BATCH, 784)).astype(np.float32)
    x[x < 0.8] = 0.0
    eps = rng.standard_normal((BATCH, 20)).astype(np.float32)

    def homeml_step():
        opt.zero_grad()
        recon, mu, logvar = model(hm.tensor(x), eps=eps)
        vae_loss(recon, hm.tensor(x), mu, logvar)[0].backward()
        opt.step()

    def torch_step():
        t_opt.zero_grad()
        recon, mu, logvar = twin(torch.from_numpy(x), torch.from_numpy(eps))
        bce = TF.binary_cross_entropy(recon, torch.from_numpy(x), reduction="sum")
        (bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())).backward()
        t_opt.step()

    return homeml_step, torch_step


def median_times(steps, repeats):
    for step in steps:  # warm up
        step()
    times = [[] for _ in steps]
    for _ in range(repeats):
        for i, step in enumerate(steps):
            start = time.perf_counter()
            step()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--width", type=int, default=32, help="the DCGAN's width (the job's: 32)")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; batch {BATCH}")
    print(f"{'step':<36}{'homeml ms':>10}{'torch ms':>10}{'ratio':>8}")
    for name, steps in (
        (f"DCGAN (width {args.width}), G + D", dcgan_steps(args.width)),
        ("VAE 784-400-20, pytorch/examples", vae_steps()),
    ):
        ours, theirs = median_times(steps, args.repeats)
        print(f"{name:<36}{1e3 * ours:10.1f}{1e3 * theirs:10.1f}{ours / theirs:8.2f}")


if __name__ == "__main__":
    main()
