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
# # 13 · Attention: every position looks up what it needs
#
# A convolution mixes a fixed neighbourhood with fixed weights. **Attention** lets each
# position of a sequence decide, from the data, which other positions to read: it is the
# operation at the heart of transformers (GPT, translation models). Each position emits a
# *query*; every position offers a *key* and a *value*; a query takes a weighted average of the
# values, weighted by how well it matches each key.
#
# We write scaled dot-product attention and multi-head attention in NumPy, check them against
# `homeml.nn` (and PyTorch, where installed), see why the scores are divided by $\sqrt d$, and
# train a one-layer attention model whose attention pattern we can read.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

import homeml as hm
from homeml import nn

FULL = False  # True: longer training
N_STEPS = 300 if FULL else 100
rng = np.random.default_rng(0)

# %% [markdown]
# ## Scaled dot-product attention
#
# With queries $Q$ of shape $(T, d)$, keys $K$ $(T, d)$ and values $V$ $(T, d_v)$:
#
# $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\Big(\frac{Q K^\top}{\sqrt d} + M\Big)\, V ,$$
#
# where row $t$ of the $(T, T)$ softmax holds the weights position $t$ gives to every
# position, and the mask $M$ is $-\infty$ where looking is forbidden. A **causal** mask forbids
# looking ahead ($s > t$): a language model predicting the next word must not see it.


# %%
def softmax(z, axis=-1):
    z = z - z.max(axis, keepdims=True)  # unchanged result, no overflow
    e = np.exp(z)
    return e / e.sum(axis, keepdims=True)


def attention(Q, K, V, causal=False):
    """Q, K: (..., T, d), V: (..., T, dv) -> output (..., T, dv) and weights (..., T, T)."""
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])  # (..., T, T)
    if causal:
        T = Q.shape[-2]
        scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)
    weights = softmax(scores)
    return weights @ V, weights


B, T, D = 2, 6, 8
Q, K, V = (rng.normal(size=(B, T, D)) for _ in range(3))
rows = {}
for causal in [False, True]:
    ours, weights = attention(Q, K, V, causal)
    theirs = nn.functional.scaled_dot_product_attention(
        hm.tensor(Q), hm.tensor(K), hm.tensor(V), is_causal=causal
    ).numpy()
    row = {"max |ours - homeml|": np.abs(ours - theirs).max()}
    try:
        import torch

        reference = torch.nn.functional.scaled_dot_product_attention(
            torch.tensor(Q), torch.tensor(K), torch.tensor(V), is_causal=causal
        ).numpy()
        row["max |homeml - PyTorch|"] = np.abs(theirs - reference).max()
    except ImportError:
        pass
    row["weights above the diagonal"] = np.abs(np.triu(weights, 1)).max()
    rows["causal" if causal else "full"] = row
pd.DataFrame(rows)

# %% [markdown]
# Ours equals homeml's (and PyTorch's) to $10^{-12}$; with the causal mask every weight above
# the diagonal is exactly 0.

# %%
for name, row in rows.items():
    assert row["max |ours - homeml|"] < 1e-12, name
    assert row.get("max |homeml - PyTorch|", 0.0) < 1e-12, name
assert rows["causal"]["weights above the diagonal"] == 0.0

# %% [markdown]
# ## Why divide by $\sqrt d$?
#
# If the entries of $q$ and $k$ are independent with variance 1, the dot product $q^\top k$ is a
# sum of $d$ such products and has variance $d$. With $d = 512$ the scores would spread over
# $\pm 50$ and the softmax would put almost all weight on one position: nearly one-hot
# weights, whose gradients vanish. Dividing by $\sqrt d$ brings the variance back to 1 for every
# $d$.

# %%
spread = []
for d in [4, 64, 512]:
    q, k = rng.normal(size=(2000, d)), rng.normal(size=(2000, d))
    raw = np.sum(q * k, 1)  # 2000 sample dot products
    w_raw = softmax(raw[:100].reshape(10, 10))  # 10 queries over 10 keys
    w_scaled = softmax((raw[:100] / np.sqrt(d)).reshape(10, 10))
    spread.append(
        {
            "d": d,
            "std of q.k": raw.std(),
            "std of q.k / sqrt(d)": (raw / np.sqrt(d)).std(),
            "largest weight, unscaled (mean)": w_raw.max(1).mean(),
            "largest weight, scaled (mean)": w_scaled.max(1).mean(),
        }
    )
spread = pd.DataFrame(spread).set_index("d")
spread

# %% [markdown]
# The standard deviation of the raw scores grows like $\sqrt d$ (within 10%), the scaled ones
# stay within 10% of 1, and at $d = 512$ the unscaled softmax gives its top position more than
# 95% of the weight on average.

# %%
assert np.allclose(spread["std of q.k"], np.sqrt(spread.index), rtol=0.1)
assert np.allclose(spread["std of q.k / sqrt(d)"], 1, rtol=0.1)
assert spread.loc[512, "largest weight, unscaled (mean)"] > 0.95

# %% [markdown]
# ## Multi-head attention
#
# A layer computes $Q = X W_Q$, $K = X W_K$, $V = X W_V$ from its input $X$ $(T, d)$, splits
# the $d$ columns into $h$ heads of $d/h$ each, attends within each head separately (each head
# can look for something different), concatenates the heads and mixes them with an output
# matrix $W_O$. homeml's `nn.MultiheadAttention` (PyTorch's parameter names) stores $W_Q, W_K,
# W_V$ stacked in `in_proj_weight` $(3d, d)$. We reuse its weights and rebuild its output.


# %%
def multi_head(X, in_w, in_b, out_w, out_b, heads, causal=False):
    Bn, Tn, d = X.shape
    q, k, v = np.split(X @ in_w.T + in_b, 3, axis=-1)  # 3 x (B, T, d)

    def split(a):  # (B, T, d) -> (B, heads, T, d / heads)
        return a.reshape(Bn, Tn, heads, d // heads).transpose(0, 2, 1, 3)

    out, weights = attention(split(q), split(k), split(v), causal)  # (B, heads, T, d / heads)
    out = out.transpose(0, 2, 1, 3).reshape(Bn, Tn, d)  # heads side by side again
    return out @ out_w.T + out_b, weights.mean(1)  # weights averaged over heads, as homeml does


hm.manual_seed(0)
layer = nn.MultiheadAttention(D, 2, batch_first=True).double()
X = rng.normal(size=(B, T, D))
theirs_out, theirs_w = layer(hm.tensor(X), hm.tensor(X), hm.tensor(X))
params = {name: p.detach().numpy() for name, p in layer.named_parameters()}
ours_out, ours_w = multi_head(
    X,
    params["in_proj_weight"],
    params["in_proj_bias"],
    params["out_proj.weight"],
    params["out_proj.bias"],
    2,
)
mha = pd.Series(
    {
        "max |output - homeml|": np.abs(ours_out - theirs_out.detach().numpy()).max(),
        "max |weights - homeml|": np.abs(ours_w - theirs_w.detach().numpy()).max(),
    }
)
assert (mha < 1e-12).all()
mha

# %% [markdown]
# Both the output and the (head-averaged) attention weights equal homeml's to $10^{-12}$.
#
# ## Watching attention learn
#
# A task that needs attention: given a sequence of random tokens, predict at every position
# the token that came **one step earlier**. A position cannot know that from its own token; it
# has to look back, and the learned attention pattern should show it doing so. The model: a
# token embedding plus a learned position embedding, one causal attention head, a linear
# read-out.

# %%
VOCAB, SEQ, DIM = 8, 12, 32


class LookBack(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB, DIM)
        self.positions = nn.Embedding(SEQ, DIM)
        self.attention = nn.MultiheadAttention(DIM, 1, batch_first=True)
        self.readout = nn.Linear(DIM, VOCAB)

    def forward(self, idx):  # idx: (B, T) token ids
        x = self.tokens(idx) + self.positions(hm.arange(SEQ))  # (B, T, DIM)
        mask = hm.tensor(np.triu(np.full((SEQ, SEQ), -np.inf, dtype=np.float32), 1))
        out, weights = self.attention(x, x, x, attn_mask=mask)  # (B, T, DIM), (B, T, T)
        return self.readout(out), weights


hm.manual_seed(0)
model = LookBack()
optimizer = hm.optim.Adam(model.parameters(), lr=0.01)
losses = []
for _ in tqdm(range(N_STEPS), desc="training"):
    tokens = rng.integers(0, VOCAB, (64, SEQ))
    logits, _ = model(hm.tensor(tokens))
    # position t predicts tokens[t - 1]; position 0 has nothing before it and is left out
    loss = nn.functional.cross_entropy(
        logits[:, 1:].reshape(-1, VOCAB), hm.tensor(tokens[:, :-1].reshape(-1))
    )
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

test_tokens = rng.integers(0, VOCAB, (500, SEQ))
with hm.no_grad():
    logits, weights = model(hm.tensor(test_tokens))
accuracy = np.mean(logits.numpy()[:, 1:].argmax(-1) == test_tokens[:, :-1])
mean_weights = weights.numpy().mean(0)  # (T, T) averaged over the test sequences
on_previous = np.mean([mean_weights[t, t - 1] for t in range(1, SEQ)])

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.plot(losses)
left.set(
    xlabel="step",
    ylabel="cross-entropy",
    title=f"training (chance: ln {VOCAB} = {np.log(VOCAB):.2f})",
)
image = right.imshow(mean_weights, cmap="viridis", vmin=0, vmax=1)
right.set(xlabel="position looked at", ylabel="position looking", title="mean attention weights")
fig.colorbar(image, ax=right)
plt.show()
pd.Series({"test accuracy": accuracy, "mean weight on the previous position": on_previous})

# %% [markdown]
# The model predicts the previous token for more than 95% of the test positions, and the
# attention map shows how: each position puts, on average, more than 80% of its weight on the
# position just before it (the bright line under the diagonal). Nobody told it to; the loss
# did.

# %%
assert accuracy > 0.95
assert on_previous > 0.8

# %% [markdown]
# Stack such layers with feed-forward blocks, residual connections and layer normalisation and
# you have a transformer: `homeml.models.GPT` is nanoGPT's, and `homeml train shakespeare`
# trains one.
#
# **Next:** notebook 14 goes back to the sequence models that came before attention: RNNs.
