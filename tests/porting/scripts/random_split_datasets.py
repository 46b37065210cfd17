# Datasets as tutorials build them: random_split with fractions and a seeded generator, Subset,
# ConcatDataset, a DataLoader over each, evaluation under torch.no_grad().
import numpy as np
import torch
from torch import nn
from torch.utils.data import ConcatDataset, DataLoader, Subset, TensorDataset, random_split

rng = np.random.default_rng(6)
x = torch.from_numpy(rng.standard_normal((40, 3)).astype(np.float32))
y = (x.sum(1, keepdim=True) > 0).float()
full = TensorDataset(x, y)
train_set, val_set = random_split(full, [0.75, 0.25], generator=torch.Generator().manual_seed(42))
# which samples land where depends on each library's generator; the partition does not
covered = sorted(list(train_set.indices) + list(val_set.indices))

first, second = Subset(full, range(0, 20)), Subset(full, range(30, 40))
train_data = ConcatDataset([first, second])
loader = DataLoader(train_data, batch_size=6, shuffle=False, drop_last=True)
model = init_weights(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)))  # noqa: F821
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.BCEWithLogitsLoss()
losses = []
for _epoch in range(3):
    model.train()
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

model.eval()
with torch.no_grad():
    val_loader = DataLoader(Subset(full, range(20, 30)), batch_size=5)
    val_loss = sum(loss_fn(model(xb), yb).item() for xb, yb in val_loader)

RESULTS = {
    "sizes": [len(train_set), len(val_set), len(train_data), len(loader)],
    "covered": covered,
    "losses": losses,
    "val_loss": val_loss,
}
