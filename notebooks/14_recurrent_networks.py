# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 14 · Recurrent networks: a memory carried from step to step
#
# Before attention (notebook 13), sequences were read one step at a time by a **recurrent
# network**: it keeps a hidden state $h_t$, a summary of everything seen so far, and updates it
# with each new input using the *same* weights at every step:
#
# $$h_t = \tanh\big(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}\big).$$
#
# We write the forward pass and **backpropagation through time** in NumPy, check both against
# homeml's `nn.RNN` (and PyTorch's, where installed), see why gradients vanish over long
# sequences (the reason LSTMs and GRUs exist), and train a small RNN to continue a signal.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

import homeml as hm
from homeml import nn

FULL = False  # True: longer training
N_STEPS = 600 if FULL else 200
rng = np.random.default_rng(0)

# %% [markdown]
# ## The forward pass
#
# Inputs $x$ of shape $(B, T, d_{in})$ (batch first), hidden size $d_h$. The weights are stored
# under PyTorch's names: `weight_ih_l0` $(d_h, d_{in})$, `weight_hh_l0` $(d_h, d_h)$ and the two
# biases. The layer returns every hidden state $(B, T, d_h)$ and the last one.


# %%
def rnn_forward(x, p, h0=None):
    """All hidden states (B, T, H); p holds W_ih (H, D), W_hh (H, H), b_ih, b_hh."""
    B, T, _ = x.shape
    h = np.zeros((B, p["W_hh"].shape[0])) if h0 is None else h0
    states = []
    for t in range(T):  # the same weights at every step
        h = np.tanh(x[:, t] @ p["W_ih"].T + p["b_ih"] + h @ p["W_hh"].T + p["b_hh"])
        states.append(h)
    return np.stack(states, 1)


B, T, D_IN, H = 3, 7, 4, 5
hm.manual_seed(0)
layer = nn.RNN(D_IN, H, batch_first=True).double()
names = {"W_ih": "weight_ih_l0", "W_hh": "weight_hh_l0", "b_ih": "bias_ih_l0", "b_hh": "bias_hh_l0"}
weights = dict(layer.named_parameters())
p = {ours: weights[theirs].detach().numpy() for ours, theirs in names.items()}
x = rng.normal(size=(B, T, D_IN))

states = rnn_forward(x, p)  # (B, T, H)
x_t = hm.tensor(x, requires_grad=True)
outputs, last = layer(x_t)
forward = {
    "max |states - homeml outputs|": np.abs(states - outputs.detach().numpy()).max(),
    "max |last state - homeml h_n|": np.abs(states[:, -1] - last.detach().numpy()[0]).max(),
}
try:
    import torch

    reference = torch.nn.RNN(D_IN, H, batch_first=True).double()
    with torch.no_grad():
        for ours, theirs in names.items():
            getattr(reference, theirs).copy_(torch.tensor(p[ours]))
    forward["max |homeml - PyTorch|"] = np.abs(
        reference(torch.tensor(x))[0].detach().numpy() - outputs.detach().numpy()
    ).max()
except ImportError:
    print("PyTorch is not installed: comparing with homeml only")
pd.Series(forward)

# %% [markdown]
# Our loop and homeml's layer agree to $10^{-12}$ (PyTorch too).

# %%
assert all(value < 1e-12 for value in forward.values()), forward

# %% [markdown]
# ## Backpropagation through time
#
# Unroll the loop and it is an ordinary deep network whose layers share weights, so the chain
# rule applies as usual, walking the steps backwards. With $a_t$ the pre-activation and
# $g_t = \partial L/\partial h_t$ the gradient arriving at step $t$ (from the loss at $t$ plus
# what flows back from step $t+1$):
#
# $$\delta_t = g_t \odot (1 - h_t^2), \qquad
#   \frac{\partial L}{\partial W_{hh}} \mathrel{+}= \delta_t^\top h_{t-1}, \qquad
#   \frac{\partial L}{\partial W_{ih}} \mathrel{+}= \delta_t^\top x_t, \qquad
#   g_{t-1} \mathrel{+}= \delta_t W_{hh} .$$
#
# The gradients of shared weights *add up* over the steps.


# %%
def rnn_backward(x, p, states, grad_states):
    """Gradients of sum(grad_states * states) for the weights and the inputs."""
    B, T, _ = x.shape
    grads = {name: np.zeros_like(value) for name, value in p.items()}
    dx = np.zeros_like(x)
    carried = np.zeros((B, p["W_hh"].shape[0]))  # gradient flowing back from step t + 1
    for t in reversed(range(T)):
        h_prev = states[:, t - 1] if t > 0 else np.zeros_like(carried)
        delta = (grad_states[:, t] + carried) * (1 - states[:, t] ** 2)  # (B, H)
        grads["W_ih"] += delta.T @ x[:, t]
        grads["W_hh"] += delta.T @ h_prev
        grads["b_ih"] += delta.sum(0)
        grads["b_hh"] += delta.sum(0)
        dx[:, t] = delta @ p["W_ih"]
        carried = delta @ p["W_hh"]
    return grads, dx


grad_states = rng.normal(size=states.shape)  # as if from a loss on every step
grads, dx = rnn_backward(x, p, states, grad_states)
(outputs * hm.tensor(grad_states)).sum().backward()
bptt = {
    f"max |d{name} - homeml|": np.abs(grads[name] - weights[names[name]].grad.numpy()).max()
    for name in names
}
bptt["max |dx - homeml|"] = np.abs(dx - x_t.grad.numpy()).max()
pd.Series(bptt)

# %% [markdown]
# Every gradient equals homeml's autograd to $10^{-12}$.

# %%
assert all(value < 1e-12 for value in bptt.values()), bptt

# %% [markdown]
# ## Vanishing (and exploding) gradients
#
# How much does the last state depend on the first? By the chain rule
# $\partial h_T/\partial h_0 = \prod_t \mathrm{diag}(1 - h_t^2)\, W_{hh}$: a product of $T$
# matrices. If $W_{hh}$ shrinks vectors (largest singular value below 1), and $\tanh'$ can only
# shrink further, the product decays **exponentially** in $T$: a plain RNN cannot learn
# anything that depends on inputs far back. If $W_{hh}$ stretches vectors, the product can grow
# exponentially instead. LSTMs and GRUs add gated, additive paths through time to keep this
# product near 1.


# %%
def sensitivity(scale, T, hidden=32):
    """Spectral norm of dh_T / dh_0 for a random W_hh rescaled to spectral norm `scale`."""
    W = rng.normal(size=(hidden, hidden))
    W *= scale / np.linalg.norm(W, 2)
    h = rng.normal(0, 0.1, hidden)
    jacobian = np.eye(hidden)
    for _ in range(T):
        h = np.tanh(W @ h + rng.normal(0, 0.1, hidden))  # small random inputs
        jacobian = ((1 - h**2)[:, None] * W) @ jacobian
    return np.linalg.norm(jacobian, 2)


lengths = [1, 5, 10, 20, 40, 60]
norms = pd.DataFrame(
    {f"||W_hh|| = {s}": [sensitivity(s, t) for t in lengths] for s in [0.5, 0.9, 1.5]},
    index=lengths,
)
fig, ax = plt.subplots(figsize=(6, 3.5))
for column in norms:
    ax.semilogy(norms.index, norms[column], "o-", label=column)
ax.set(xlabel="steps back T", ylabel="||dh_T / dh_0||", title="how far back the gradient reaches")
ax.legend()
plt.show()
norms

# %% [markdown]
# With $\lVert W_{hh}\rVert = 0.5$ the sensitivity after 20 steps is below $0.5^{20} \approx
# 10^{-6}$, as the product bound promises; after 60 steps even $0.9$ has lost a factor of more
# than 100. With $\lVert W_{hh}\rVert = 1.5$ nothing explodes here, yet the gradient still
# fades: the hidden units saturate near $\pm 1$, where $\tanh$ is flat, which is a second way
# for gradients to vanish.

# %%
assert norms.loc[20, "||W_hh|| = 0.5"] <= 0.5**20
assert norms.loc[60, "||W_hh|| = 0.9"] < 1e-2

# %% [markdown]
# ## Training: continuing a signal
#
# A recurrent network reads a noisy wave (a sum of two sines with a random phase per sequence)
# and, at every step, predicts the next value. A linear read-out maps the hidden state to the
# prediction; homeml's `nn.RNN`, Adam and the mean squared error do the rest.

# %%
SEQ_LEN = 40


def waves(n):
    t = np.arange(SEQ_LEN + 1) * 0.3
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    signal = np.sin(t + phase) + 0.5 * np.sin(2.3 * t + 2 * phase)  # (n, SEQ_LEN + 1)
    signal = signal + rng.normal(0, 0.05, signal.shape)
    return signal[:, :-1, None].astype(np.float32), signal[:, 1:, None].astype(np.float32)


class Forecaster(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.rnn = nn.RNN(1, hidden, batch_first=True)
        self.readout = nn.Linear(hidden, 1)

    def forward(self, x):  # (B, T, 1) -> (B, T, 1)
        states, _ = self.rnn(x)
        return self.readout(states)


hm.manual_seed(0)
model = Forecaster()
optimizer = hm.optim.Adam(model.parameters(), lr=0.01)
losses = []
for _ in tqdm(range(N_STEPS), desc="training"):
    inputs, targets = waves(32)
    loss = nn.functional.mse_loss(model(hm.tensor(inputs)), hm.tensor(targets))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

test_inputs, test_targets = waves(200)
with hm.no_grad():
    predicted = model(hm.tensor(test_inputs)).numpy()
late = slice(10, None)  # after a few steps of context
results = pd.Series(
    {
        "test MSE (steps 10-40)": np.mean((predicted[:, late] - test_targets[:, late]) ** 2),
        "MSE of repeating the last value": np.mean(
            (test_inputs[:, late] - test_targets[:, late]) ** 2
        ),
        "variance of the signal": test_targets.var(),
    }
)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
left.semilogy(losses)
left.set(xlabel="step", ylabel="MSE", title="training")
right.plot(test_targets[0, :, 0], "k.", label="next value (target)")
right.plot(predicted[0, :, 0], label="RNN prediction")
right.set(xlabel="step", title="one test sequence")
right.legend()
plt.show()
results

# %% [markdown]
# After a few steps of context, the network's one-step predictions have a mean squared error
# below a fifth of the naive forecast's (repeat the last value) and below 3% of the signal's
# variance: the hidden state has worked out the phase of the wave.

# %%
assert results.iloc[0] < 0.2 * results.iloc[1]
assert results.iloc[0] < 0.03 * results.iloc[2]

# %% [markdown]
# `nn.LSTM` and `nn.GRU` are drop-in replacements for `nn.RNN` here (same call, same shapes);
# homeml's makemore models (`homeml.models.RNN`) use all three to generate names.
#
# **Next:** notebook 16 learns from rewards instead of labels: reinforcement learning.
