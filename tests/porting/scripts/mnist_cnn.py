# pytorch/examples mnist: device selection, a CNN, DataLoader, Adadelta with StepLR, nll_loss.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(8 * 3 * 3, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


use_accel = torch.accelerator.is_available()
device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
rng = np.random.default_rng(0)
images = torch.from_numpy(rng.standard_normal((32, 1, 10, 10)).astype(np.float32))
labels = torch.from_numpy(rng.integers(0, 10, 32))
train_loader = DataLoader(TensorDataset(images, labels), batch_size=8, shuffle=False)

model = init_weights(Net()).to(device)  # noqa: F821 - provided by the runner
model.eval()  # dropout draws differ between libraries: keep it off
optimizer = optim.Adadelta(model.parameters(), lr=1.0)
scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
losses = []
for _epoch in range(2):
    for data, target in train_loader:
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    scheduler.step()

test_loss, correct = 0, 0
with torch.no_grad():
    for data, target in train_loader:
        output = model(data.to(device))
        test_loss += F.nll_loss(output, target.to(device), reduction="sum").item()
        pred = output.argmax(dim=1, keepdim=True)
        correct += pred.eq(target.view_as(pred)).sum().item()

RESULTS = {
    "losses": losses,
    "test_loss": test_loss,
    "correct": correct,
    "fc2": model.fc2.weight.detach().numpy(),
}
