# pytorch/examples regression: polynomial features, a Linear layer, smooth_l1_loss, and updates
# written on param.data.
import numpy as np
import torch
import torch.nn.functional as F

POLY_DEGREE = 4
W_target = torch.from_numpy(np.array([[0.5], [-1.0], [0.3], [0.8]], dtype=np.float32))
b_target = torch.from_numpy(np.array([0.2], dtype=np.float32))


def make_features(x):
    x = x.unsqueeze(1)
    return torch.cat([x**i for i in range(1, POLY_DEGREE + 1)], 1)


def f(x):
    return x.mm(W_target) + b_target.item()


rng = np.random.default_rng(1)
fc = init_weights(torch.nn.Linear(W_target.size(0), 1))  # noqa: F821 - provided by the runner
losses = []
for _batch in range(30):
    random = torch.from_numpy(rng.standard_normal(16).astype(np.float32))
    batch_x = make_features(random)
    batch_y = f(batch_x)
    fc.zero_grad()
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = output.item()
    output.backward()
    for param in fc.parameters():
        param.data.add_(-0.1 * param.grad)
    losses.append(loss)

RESULTS = {"losses": losses, "weight": fc.weight.view(-1).detach().numpy(), "bias": fc.bias}
