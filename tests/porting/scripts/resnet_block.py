# torchvision's BasicBlock: the residual added in place (out += identity) after batch norm,
# ReLU(inplace=True), a downsample branch, SGD with momentum and weight decay.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        down = nn.Sequential(nn.Conv2d(3, 6, 1, 2, bias=False), nn.BatchNorm2d(6))
        self.layer = nn.Sequential(BasicBlock(3, 6, 2, down), BasicBlock(6, 6))
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        x = self.layer(x)
        x = F.adaptive_avg_pool2d(x, (1, 1))
        return self.fc(torch.flatten(x, 1))


rng = np.random.default_rng(11)
images = torch.from_numpy(rng.standard_normal((4, 3, 8, 8)).astype(np.float32))
labels = torch.from_numpy(rng.integers(0, 4, 4))
model = init_weights(Net())  # noqa: F821 - provided by the runner
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
losses = []
for _step in range(3):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

RESULTS = {
    "losses": losses,
    "conv_grad": model.layer[0].conv1.weight.grad,
    "running_var": model.layer[1].bn2.running_var,
}
