# pytorch/examples time_sequence_prediction: a recurrent model trained with LBFGS and a closure,
# in float64, predicting future values with no_grad.
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


class Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.Linear(1 + 6, 6)
        self.linear = nn.Linear(6, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), 6, dtype=torch.double)
        for input_t in input.split(1, dim=1):
            h_t = torch.tanh(self.cell(torch.cat([input_t, h_t], 1)))
            output = self.linear(h_t)
            outputs += [output]
        for _ in range(future):
            h_t = torch.tanh(self.cell(torch.cat([output, h_t], 1)))
            output = self.linear(h_t)
            outputs += [output]
        return torch.cat(outputs, dim=1)


T, L, N = 20, 12, 6
x = np.arange(L) + np.random.default_rng(2).integers(-4 * T, 4 * T, N).reshape(N, 1)
data = np.sin(x / T).astype("float64")
input = torch.from_numpy(data[2:, :-1])
target = torch.from_numpy(data[2:, 1:])
test_input = torch.from_numpy(data[:2, :-1])
seq = init_weights(Sequence()).double()  # noqa: F821 - provided by the runner
criterion = nn.MSELoss()
optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
losses = []
for _ in range(3):

    def closure():
        optimizer.zero_grad()
        out = seq(input)
        loss = criterion(out, target)
        losses.append(loss.item())
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        pred = seq(test_input, future=3)

RESULTS = {"losses": losses, "prediction": pred.detach().numpy()}
