# The char-RNN classification tutorial: an RNN module stepped by hand, the loss of the last
# output, clip_grad_norm_, and updates written as p.data.add_(p.grad.data, alpha=-lr).
import numpy as np
import torch
import torch.nn as nn

N_LETTERS, N_HIDDEN, N_CATEGORIES = 7, 8, 3


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = torch.tanh(self.i2h(combined))
        return self.softmax(self.i2o(combined)), hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


def line_to_tensor(indices):
    tensor = torch.zeros(len(indices), 1, N_LETTERS)
    for li, letter in enumerate(indices):
        tensor[li][0][letter] = 1
    return tensor


rnn = init_weights(RNN(N_LETTERS, N_HIDDEN, N_CATEGORIES))  # noqa: F821 - from the runner
criterion = nn.NLLLoss()
learning_rate = 0.05
rng = np.random.default_rng(5)
losses, current_loss = [], 0
for _ in range(12):
    category_tensor = torch.tensor([int(rng.integers(0, N_CATEGORIES))], dtype=torch.long)
    line_tensor = line_to_tensor(rng.integers(0, N_LETTERS, int(rng.integers(2, 6))).tolist())
    hidden = rnn.initHidden()
    rnn.zero_grad()
    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)
    loss = criterion(output, category_tensor)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(rnn.parameters(), 0.5)
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    current_loss += loss
    losses.append(loss.item())

RESULTS = {"losses": losses, "total": current_loss.item(), "i2h": rnn.i2h.weight.data.numpy()}
