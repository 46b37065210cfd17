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
# # 11 · A neural network from scratch, on MNIST
#
# Handwritten digits, 28×28 grey pixels each, ten classes. We build a two-layer network with
# nothing but NumPy: the forward pass, the backward pass written out by hand (notebook 02's
# chain rule, now with matrices), and the training loop. Then we check every gradient against
# homeml's autograd and train the same network with `homeml.nn` step for step, and finish with
# the way you would write it every day: `nn.Sequential`, `DataLoader`, Adam and
# `homeml.train.fit`.
#
# The digits are read from `$HOMEML_DATA/mnist/` (`homeml.datasets.load_mnist`); CI points
# `HOMEML_DATA` at the repository's shared copy. The default run uses a subset of the
# training set so it takes seconds; `FULL = True` uses all 60,000 images.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

import homeml as hm
from homeml import nn
from homeml.data import DataLoader, TensorDataset
from homeml.datasets import load_mnist
from homeml.train import fit

FULL = False  # True: all 60,000 training images and more epochs (a few minutes)
N_TRAIN = 60_000 if FULL else 5_000
EPOCHS = 5 if FULL else 2
BATCH, LR, HIDDEN = 64, 0.1, 128

(train_images, train_labels), (test_images, test_labels) = load_mnist(
    download=False, progress=False
)
X = train_images[:N_TRAIN].reshape(N_TRAIN, -1) / 255.0  # (n, 784) float64 in [0, 1]
y = train_labels[:N_TRAIN].astype(np.int64)  # (n,) digits 0-9
X_test = test_images.reshape(len(test_images), -1) / 255.0  # (10000, 784)
y_test = test_labels.astype(np.int64)
print(f"training on {X.shape[0]} images of {X.shape[1]} pixels; testing on {len(X_test)}")

fig, axes = plt.subplots(2, 10, figsize=(10, 2.3))
for ax, image, label in zip(axes.flat, train_images, train_labels):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(int(label), fontsize=9)
    ax.axis("off")
plt.show()

# %% [markdown]
# ## The network and its gradients
#
# For a batch $X$ of shape $(B, 784)$:
#
# $$H = \mathrm{relu}(X W_1^\top + b_1) \quad (B, 128), \qquad
#   Z = H W_2^\top + b_2 \quad (B, 10), \qquad
#   L = -\frac1B \sum_i \log \mathrm{softmax}(Z_i)_{y_i}.$$
#
# (Weights are stored as (out, in), as in PyTorch and homeml.) Going backwards, each line is
# the chain rule for one operation:
#
# $$\frac{\partial L}{\partial Z} = \frac{\mathrm{softmax}(Z) - \mathrm{onehot}(y)}{B}, \quad
#   \frac{\partial L}{\partial W_2} = \Big(\frac{\partial L}{\partial Z}\Big)^{\!\top} H, \quad
#   \frac{\partial L}{\partial H} = \frac{\partial L}{\partial Z} W_2, \quad
#   \frac{\partial L}{\partial A_1} = \frac{\partial L}{\partial H} \odot [A_1 > 0], \quad
#   \frac{\partial L}{\partial W_1} = \Big(\frac{\partial L}{\partial A_1}\Big)^{\!\top} X,$$
#
# with $A_1 = X W_1^\top + b_1$, and each bias gradient the column sum of the gradient below it.


# %%
def init_params(rng):
    """PyTorch's default Linear init: uniform in +-1/sqrt(fan_in)."""
    bound1, bound2 = 1 / np.sqrt(784), 1 / np.sqrt(HIDDEN)
    return {
        "W1": rng.uniform(-bound1, bound1, (HIDDEN, 784)),
        "b1": rng.uniform(-bound1, bound1, HIDDEN),
        "W2": rng.uniform(-bound2, bound2, (10, HIDDEN)),
        "b2": rng.uniform(-bound2, bound2, 10),
    }


def forward_backward(p, X, y):
    """The loss and the gradient of every parameter, for one batch."""
    A1 = X @ p["W1"].T + p["b1"]  # (B, 128)
    H = np.maximum(A1, 0)
    Z = H @ p["W2"].T + p["b2"]  # (B, 10) logits
    Z = Z - Z.max(1, keepdims=True)  # softmax is unchanged; exp cannot overflow
    log_probs = Z - np.log(np.exp(Z).sum(1, keepdims=True))  # (B, 10)
    B = len(y)
    loss = -log_probs[np.arange(B), y].mean()

    dZ = np.exp(log_probs)
    dZ[np.arange(B), y] -= 1
    dZ /= B  # (B, 10)
    dH = dZ @ p["W2"]  # (B, 128)
    dA1 = dH * (A1 > 0)
    grads = {"W2": dZ.T @ H, "b2": dZ.sum(0), "W1": dA1.T @ X, "b1": dA1.sum(0)}
    return loss, grads


def predict(p, X):
    return (np.maximum(X @ p["W1"].T + p["b1"], 0) @ p["W2"].T + p["b2"]).argmax(1)


# %% [markdown]
# ### Checking the backward pass
#
# The same network in `homeml.nn`, given our weights, in float64: its autograd gradients must
# equal ours. A few central finite differences check the formulas independently of any
# library.

# %%
params = init_params(np.random.default_rng(0))
model = nn.Sequential(nn.Linear(784, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10)).double()
with hm.no_grad():
    for layer, name in [(model[0], "1"), (model[2], "2")]:
        layer.weight.copy_(hm.tensor(params["W" + name]))
        layer.bias.copy_(hm.tensor(params["b" + name]))

xb, yb = X[:BATCH], y[:BATCH]
loss, grads = forward_backward(params, xb, yb)
hm_loss = nn.functional.cross_entropy(model(hm.tensor(xb)), hm.tensor(yb))
hm_loss.backward()
hm_grads = {
    "W1": model[0].weight.grad,
    "b1": model[0].bias.grad,
    "W2": model[2].weight.grad,
    "b2": model[2].bias.grad,
}
check = pd.DataFrame(
    {
        "shape": {k: v.shape for k, v in grads.items()},
        "max |ours - homeml|": {k: np.abs(grads[k] - hm_grads[k].numpy()).max() for k in grads},
    }
)


def numerical(name, index, h=1e-6):
    bumped = {k: v.copy() for k, v in params.items()}
    bumped[name][index] += h
    up = forward_backward(bumped, xb, yb)[0]
    bumped[name][index] -= 2 * h
    return (up - forward_backward(bumped, xb, yb)[0]) / (2 * h)


probes = [("W1", (3, 300)), ("W1", (100, 400)), ("b1", (7,)), ("W2", (4, 20)), ("b2", (9,))]
check["max |ours - finite difference| (probes)"] = {
    name: max(abs(grads[name][i] - numerical(name, i)) for n, i in probes if n == name)
    for name in grads
}
try:
    import torch

    reference = torch.nn.Sequential(
        torch.nn.Linear(784, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10)
    ).double()
    with torch.no_grad():
        for layer, name in [(reference[0], "1"), (reference[2], "2")]:
            layer.weight.copy_(torch.tensor(params["W" + name]))
            layer.bias.copy_(torch.tensor(params["b" + name]))
    torch.nn.functional.cross_entropy(reference(torch.tensor(xb)), torch.tensor(yb)).backward()
    torch_grads = {
        "W1": reference[0].weight.grad,
        "b1": reference[0].bias.grad,
        "W2": reference[2].weight.grad,
        "b2": reference[2].bias.grad,
    }
    check["max |homeml - PyTorch|"] = {
        k: np.abs(hm_grads[k].numpy() - torch_grads[k].numpy()).max() for k in grads
    }
except ImportError:
    print("PyTorch is not installed: comparing with homeml and finite differences")
check

# %% [markdown]
# Our gradients equal homeml's to $10^{-12}$ and the probed finite differences to $10^{-8}$
# (homeml's equal PyTorch's to $10^{-12}$ where it is installed); the losses agree to
# $10^{-12}$.

# %%
assert abs(loss - hm_loss.item()) < 1e-12
assert (check["max |ours - homeml|"] < 1e-12).all()
assert (check["max |ours - finite difference| (probes)"] < 1e-8).all()
if "max |homeml - PyTorch|" in check:
    assert (check["max |homeml - PyTorch|"] < 1e-12).all()

# %% [markdown]
# ## Training, twice, side by side
#
# Mini-batch stochastic gradient descent: shuffle, take 64 images at a time, step
# $\theta \leftarrow \theta - \eta\,\nabla L$. The NumPy network and the homeml network see the
# same batches from the same start; in float64 their losses stay equal step after step.

# %%
optimizer = hm.optim.SGD(model.parameters(), lr=LR)
order_rng = np.random.default_rng(1)
log = []
for epoch in range(EPOCHS):
    order = order_rng.permutation(N_TRAIN)
    for start in tqdm(range(0, N_TRAIN, BATCH), desc=f"epoch {epoch + 1}", leave=False):
        batch = order[start : start + BATCH]
        loss, grads = forward_backward(params, X[batch], y[batch])
        for name in params:
            params[name] -= LR * grads[name]

        optimizer.zero_grad()
        hm_loss = nn.functional.cross_entropy(model(hm.tensor(X[batch])), hm.tensor(y[batch]))
        hm_loss.backward()
        optimizer.step()
        log.append({"NumPy": loss, "homeml": hm_loss.item()})
log = pd.DataFrame(log)
with hm.no_grad():
    hm_predictions = model(hm.tensor(X_test)).argmax(dim=1).numpy()
ours = predict(params, X_test)
results = pd.Series(
    {
        "steps": len(log),
        "max loss gap over all steps": (log["NumPy"] - log["homeml"]).abs().max(),
        "test predictions that differ": int(np.sum(ours != hm_predictions)),
        "test accuracy": np.mean(ours == y_test),
    }
)
results

# %% [markdown]
# Over every step the two losses stay within $10^{-9}$ of each other, the two networks predict
# the same digit for every test image, and the accuracy on the 10,000 test images is above 85%
# (already in the default run's two epochs on 5,000 images).

# %%
assert results["max loss gap over all steps"] < 1e-9
assert results["test predictions that differ"] == 0
assert results["test accuracy"] > 0.85

# %%
fig, ax = plt.subplots(figsize=(6, 3.3))
ax.plot(log["NumPy"].rolling(20).mean(), label="NumPy (running mean of 20 steps)")
ax.plot(log["homeml"].rolling(20).mean(), "--", label="homeml")
ax.set(xlabel="step", ylabel="cross-entropy", title="the same training curve, twice")
ax.legend()
plt.show()

# %% [markdown]
# ## The everyday version
#
# Everything above, written the way homeml (and PyTorch) code usually is: float32, a
# `DataLoader` that shuffles and batches, the Adam optimizer (per-parameter step sizes from
# running averages of the gradient and its square), and `homeml.train.fit`, which runs the
# loop with a progress bar and evaluates on a validation set after each epoch.

# %%
hm.manual_seed(0)
net = nn.Sequential(nn.Linear(784, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10))
train_loader = DataLoader(
    TensorDataset(hm.tensor(X, dtype=hm.float32), hm.tensor(y)), batch_size=BATCH, shuffle=True
)
test_loader = DataLoader(
    TensorDataset(hm.tensor(X_test, dtype=hm.float32), hm.tensor(y_test)), batch_size=1_000
)
history = fit(
    net,
    hm.optim.Adam(net.parameters(), lr=1e-3),
    nn.CrossEntropyLoss(),
    train_loader,
    val_loader=test_loader,
    epochs=EPOCHS,
)
pd.DataFrame(history.rows).set_index("epoch")

# %% [markdown]
# Adam reaches a higher test accuracy than our plain SGD in the same number of epochs (above
# 88%). Which digits does the network confuse?

# %%
final_accuracy = history.rows[-1]["val_acc"]
assert final_accuracy > 0.88 and final_accuracy > results["test accuracy"]
with hm.no_grad():
    predicted = net(hm.tensor(X_test, dtype=hm.float32)).argmax(dim=1).numpy()
confusion = pd.crosstab(pd.Series(y_test, name="true"), pd.Series(predicted, name="predicted"))
confusion = confusion.reindex(
    columns=range(10), fill_value=0
)  # (10, 10) even if a digit is never predicted
wrong = np.flatnonzero(predicted != y_test)[:10]
fig, axes = plt.subplots(1, 10, figsize=(10, 1.5))
for ax, i in zip(axes, wrong):
    ax.imshow(test_images[i], cmap="gray_r")
    ax.set_title(f"{y_test[i]}→{predicted[i]}", fontsize=9)
    ax.axis("off")
plt.show()
confusion

# %% [markdown]
# Each row of the table is a true digit, each column a prediction; the diagonal holds the
# correct answers. The largest numbers off the diagonal (listed below) tend to be pairs a person
# might confuse too. A convolutional network (`nn.Conv2d`; `homeml train mnist` trains one by
# default) uses the picture's 2-D structure and does markedly better: see the MNIST job in the
# README.

# %%
mistakes = confusion.where(~np.eye(10, dtype=bool)).stack().sort_values(ascending=False)
mistakes.head(5).rename("test images")

# %% [markdown]
# **Next:** notebook 12 opens the convolution that such a network is built from.
