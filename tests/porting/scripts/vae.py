# pytorch/examples vae: encoder/decoder, reparameterisation, BCE + KL loss summed over the batch,
# train_loss accumulated with .item(); the noise comes from NumPy so both runs share it.
import numpy as np
import torch
import torch.utils.data
from torch import nn, optim
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 8)
        self.fc21 = nn.Linear(8, 2)
        self.fc22 = nn.Linear(8, 2)
        self.fc3 = nn.Linear(2, 8)
        self.fc4 = nn.Linear(8, 16)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, noise):
        std = torch.exp(0.5 * logvar)
        return mu + noise * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x, noise):
        mu, logvar = self.encode(x.view(-1, 16))
        z = self.reparameterize(mu, logvar, noise)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 16), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


device = torch.device("cpu")
rng = np.random.default_rng(4)
images = torch.from_numpy(rng.uniform(0, 1, (24, 1, 4, 4)).astype(np.float32))
train_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(images, torch.zeros(24)), batch_size=8, shuffle=False
)
model = init_weights(VAE()).to(device)  # noqa: F821 - provided by the runner
optimizer = optim.Adam(model.parameters(), lr=1e-2)
epoch_losses = []
for _epoch in range(3):
    model.train()
    train_loss = 0
    for data, _ in train_loader:
        data = data.to(device)
        noise = torch.from_numpy(rng.standard_normal((data.shape[0], 2)).astype(np.float32))
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data, noise)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    epoch_losses.append(train_loss / len(train_loader.dataset))

with torch.no_grad():
    sample = model.decode(torch.from_numpy(rng.standard_normal((4, 2)).astype(np.float32)))

RESULTS = {"epoch_losses": epoch_losses, "sample": sample.cpu()}
