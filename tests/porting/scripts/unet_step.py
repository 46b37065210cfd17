# A U-Net training step: down and up paths with skip connections joined by torch.cat,
# BCEWithLogitsLoss on a mask, Adam, and the input saliency from torch.autograd.grad.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class DoubleConv(nn.Module):
    def __init__(self, in_ch, out_ch):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_ch, out_ch, 3, padding=1),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_ch, out_ch, 3, padding=1),
            nn.ReLU(inplace=True),
        )

    def forward(self, x):
        return self.net(x)


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.down1 = DoubleConv(1, 4)
        self.down2 = DoubleConv(4, 8)
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.conv = DoubleConv(8, 4)
        self.out = nn.Conv2d(4, 1, 1)

    def forward(self, x):
        x1 = self.down1(x)
        x2 = self.down2(F.max_pool2d(x1, 2))
        x = self.conv(torch.cat([self.up(x2), x1], dim=1))
        return self.out(x)


device = "cuda" if torch.cuda.is_available() else "cpu"
rng = np.random.default_rng(10)
images = torch.from_numpy(rng.standard_normal((2, 1, 8, 8)).astype(np.float32)).to(device)
masks = torch.from_numpy((rng.uniform(size=(2, 1, 8, 8)) > 0.5).astype(np.float32)).to(device)
model = init_weights(UNet()).to(device)  # noqa: F821 - provided by the runner
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
criterion = nn.BCEWithLogitsLoss()
losses = []
for _step in range(3):
    model.train()
    optimizer.zero_grad()
    loss = criterion(model(images), masks)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

model.eval()
x = images.clone().requires_grad_(True)
(saliency,) = torch.autograd.grad(model(x).sigmoid().sum(), x)

RESULTS = {"losses": losses, "saliency": saliency, "up_grad": model.up.weight.grad}
