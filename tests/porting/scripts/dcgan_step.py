# pytorch/examples dcgan: generator and discriminator, labels made with torch.full and refilled
# with fill_, errD = errD_real + errD_fake, fake.detach(), in-place LeakyReLU, Adam with betas.
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

nz, ngf, ndf, nc = 4, 4, 4, 1
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


netG = init_weights(Generator(), seed=1).to(device)  # noqa: F821 - provided by the runner
netD = init_weights(Discriminator(), seed=2).to(device)  # noqa: F821
criterion = nn.BCELoss()
optimizerD = optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
real_label, fake_label = 1, 0
rng = np.random.default_rng(9)
history = []
for _i in range(3):
    real_cpu = torch.from_numpy(rng.uniform(-1, 1, (5, nc, 8, 8)).astype(np.float32)).to(device)
    batch_size = real_cpu.size(0)
    netD.zero_grad()
    label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)
    output = netD(real_cpu)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = output.mean().item()

    noise = torch.from_numpy(rng.standard_normal((batch_size, nz, 1, 1)).astype(np.float32))
    fake = netG(noise.to(device))
    label.fill_(fake_label)
    output = netD(fake.detach())
    errD_fake = criterion(output, label)
    errD_fake.backward()
    errD = errD_real + errD_fake
    optimizerD.step()

    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake)
    errG = criterion(output, label)
    errG.backward()
    optimizerG.step()
    history.append([errD.item(), errG.item(), D_x])

RESULTS = {
    "history": history,
    "running_mean": netG.main[1].running_mean,
    "g_last": netG.main[3].weight.detach(),
}
