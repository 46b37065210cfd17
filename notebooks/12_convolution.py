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
# # 12 · Convolution: one small filter, slid over the whole picture
#
# Notebook 11's network treated an image as 784 unrelated numbers. A convolutional layer uses
# what we know about pictures: nearby pixels belong together, and an edge is an edge wherever
# it appears. It slides one small filter (say 3×3) over the image and records how well each
# patch matches it. The same few weights are reused at every position, so a layer has far
# fewer parameters than a dense one, and it finds a pattern wherever it is.
#
# We write convolution three ways (loops, then `im2col` + one matrix product, which is how
# homeml does it), its backward pass, and max pooling, and check each against
# `homeml.nn.functional` (and PyTorch, where installed). Then a convolution *learns* a filter.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from tqdm import tqdm

import homeml as hm
from homeml import nn

FULL = False  # True: bigger batches and more training steps
BATCH = 32 if FULL else 8
N_STEPS = 600 if FULL else 200
rng = np.random.default_rng(0)

# %% [markdown]
# ## The definition, with loops
#
# For an input $x$ of shape $(N, C, H, W)$ (batch, channels, height, width) and filters $w$ of
# shape $(F, C, k, k)$, the output at filter $f$ and position $(i, j)$ is
#
# $$y_{n,f,i,j} = b_f
#   + \sum_{c} \sum_{u=0}^{k-1} \sum_{v=0}^{k-1} w_{f,c,u,v}\; x_{n,c,\,i+u,\,j+v}$$
#
# (deep-learning libraries do not flip the filter, so strictly this is *cross-correlation*).
# Without padding the output is $(H - k + 1) \times (W - k + 1)$; padding the input with
# $\lfloor k/2 \rfloor$ zeros keeps the size.


# %%
def conv2d_loops(x, w, b):
    N, C, H, W = x.shape
    F, _, k, _ = w.shape
    out = np.zeros((N, F, H - k + 1, W - k + 1))
    for n in range(N):
        for f in range(F):
            for i in range(H - k + 1):
                for j in range(W - k + 1):
                    out[n, f, i, j] = b[f] + np.sum(w[f] * x[n, :, i : i + k, j : j + k])
    return out


# %% [markdown]
# ## im2col: every patch as a row, then one matrix product
#
# Four Python loops are hopeless for real images. Gather every $C \times k \times k$ patch into
# one row of a matrix, the *columns* matrix, of shape $(N \cdot H' \cdot W',\ C k^2)$; flatten
# each filter into a row of $(F,\ C k^2)$. The whole convolution is then one matrix product,
# which BLAS does fast. NumPy's `sliding_window_view` builds the patches as a *view* (no copy
# until the reshape).


# %%
def im2col(x, k):
    """(N, C, H, W) -> (N, H', W', C * k * k): every k x k patch of every channel, flattened."""
    windows = sliding_window_view(x, (k, k), axis=(2, 3))  # (N, C, H', W', k, k)
    N, C, Hp, Wp = windows.shape[:4]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(N, Hp, Wp, C * k * k)


def conv2d_im2col(x, w, b):
    F, C, k, _ = w.shape
    cols = im2col(x, k)  # (N, H', W', C k k)
    out = cols @ w.reshape(F, -1).T + b  # (N, H', W', F)
    return out.transpose(0, 3, 1, 2)  # (N, F, H', W')


x = rng.normal(size=(2, 3, 10, 12))  # (N, C, H, W)
w = rng.normal(size=(4, 3, 3, 3))  # (F, C, k, k)
b = rng.normal(size=4)
loops, fast = conv2d_loops(x, w, b), conv2d_im2col(x, w, b)
theirs = nn.functional.conv2d(hm.tensor(x), hm.tensor(w), hm.tensor(b)).numpy()
comparison = {
    "output shape": loops.shape,
    "max |loops - im2col|": np.abs(loops - fast).max(),
    "max |im2col - homeml conv2d|": np.abs(fast - theirs).max(),
}
try:
    import torch

    reference = torch.nn.functional.conv2d(
        torch.tensor(x), torch.tensor(w), torch.tensor(b)
    ).numpy()
    comparison["max |homeml - PyTorch|"] = np.abs(theirs - reference).max()
except ImportError:
    print("PyTorch is not installed: comparing with homeml only")
pd.Series(comparison)

# %% [markdown]
# The three agree to $10^{-12}$ in float64 (and with PyTorch where installed).

# %%
assert loops.shape == (2, 4, 8, 10)
for key, value in comparison.items():
    assert key == "output shape" or value < 1e-12, (key, value)

# %% [markdown]
# ## The backward pass
#
# Each weight $w_{f,c,u,v}$ touches every output position, so its gradient sums over them: in
# im2col form it is one matrix product again, $\partial L/\partial W = G^\top \cdot \text{cols}$
# with $G$ the output gradient laid out as $(N H' W', F)$. Each input pixel sits in up to $k^2$
# patches, so its gradient adds up the contributions of all of them: compute the gradient of
# the columns matrix, $G \cdot W$, and scatter-add each row back to the pixels of its patch
# (*col2im*).


# %%
def conv2d_backward(x, w, grad_out):
    """Gradients (dx, dw, db) of sum(grad_out * conv2d(x, w, b))."""
    N, C, H, W = x.shape
    F, _, k, _ = w.shape
    G = grad_out.transpose(0, 2, 3, 1)  # (N, H', W', F)
    cols = im2col(x, k)  # (N, H', W', C k k)
    dw = np.einsum("nijf,nijp->fp", G, cols).reshape(w.shape)
    db = G.sum((0, 1, 2))
    dcols = (G @ w.reshape(F, -1)).reshape(N, *G.shape[1:3], C, k, k)  # (N, H', W', C, k, k)
    dx = np.zeros_like(x)
    for u in range(k):  # col2im: add each patch's gradient back where the patch came from
        for v in range(k):
            dx[:, :, u : u + G.shape[1], v : v + G.shape[2]] += dcols[..., u, v].transpose(
                0, 3, 1, 2
            )
    return dx, dw, db


grad_out = rng.normal(size=loops.shape)  # as if it came from the layers above
dx, dw, db = conv2d_backward(x, w, grad_out)
xt, wt, bt = (hm.tensor(a, requires_grad=True) for a in (x, w, b))
(nn.functional.conv2d(xt, wt, bt) * hm.tensor(grad_out)).sum().backward()


def numerical_dw(index, h=1e-6):
    bumped = w.copy()
    bumped[index] += h
    up = np.sum(conv2d_im2col(x, bumped, b) * grad_out)
    bumped[index] -= 2 * h
    return (up - np.sum(conv2d_im2col(x, bumped, b) * grad_out)) / (2 * h)


gradients = pd.Series(
    {
        "max |dx - homeml|": np.abs(dx - xt.grad.numpy()).max(),
        "max |dw - homeml|": np.abs(dw - wt.grad.numpy()).max(),
        "max |db - homeml|": np.abs(db - bt.grad.numpy()).max(),
        "max |dw - finite difference| (3 entries)": max(
            abs(dw[i] - numerical_dw(i)) for i in [(0, 0, 0, 0), (1, 2, 1, 2), (3, 1, 2, 0)]
        ),
    }
)
gradients

# %% [markdown]
# Our backward pass equals homeml's autograd to $10^{-10}$, and finite differences to
# $10^{-6}$.

# %%
assert gradients.iloc[:3].max() < 1e-10
assert gradients.iloc[3] < 1e-6

# %% [markdown]
# ## What filters see
#
# Hand-made filters show what a convolution can detect. On a drawn picture (a ring and a bar),
# a vertical-edge filter (Sobel) responds where brightness changes from left to right, a
# horizontal one where it changes from top to bottom, and an averaging filter blurs.

# %%
yy, xx = np.mgrid[0:40, 0:40]
picture = ((np.hypot(yy - 20, xx - 14) < 11) & (np.hypot(yy - 20, xx - 14) > 6)).astype(float)
picture[8:32, 30:34] = 1.0  # a vertical bar
sobel_x = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
filters = np.stack([sobel_x, sobel_x.T, np.full((3, 3), 1 / 9)])[:, None]  # (3, 1, 3, 3)
maps = conv2d_im2col(picture[None, None], filters, np.zeros(3))[0]  # (3, 38, 38)

fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
axes[0].imshow(picture, cmap="gray")
axes[0].set_title("input")
for ax, fmap, name in zip(axes[1:], maps, ["vertical edges", "horizontal edges", "blur"]):
    ax.imshow(fmap, cmap="RdBu_r" if "edges" in name else "gray")
    ax.set_title(name)
for ax in axes:
    ax.axis("off")
plt.show()
assert np.abs(maps[0][:, 26:34]).max() > 3  # the bar's left and right sides light up
assert np.abs(maps[1][16:22, 26:34]).max() == 0  # inside the bar, nothing changes vertically

# %% [markdown]
# ## Max pooling
#
# A pooling layer shrinks each feature map, keeping the largest value of every $2\times2$
# block: the network becomes a little insensitive to exact positions, and later layers see a
# wider area. Its gradient goes entirely to the element that was the maximum (the others did
# not affect the output).


# %%
def max_pool_2x2(x):
    N, C, H, W = x.shape
    blocks = x.reshape(N, C, H // 2, 2, W // 2, 2)
    out = blocks.max((3, 5))  # (N, C, H/2, W/2)
    winner = blocks == out[:, :, :, None, :, None]  # where each maximum came from
    return out, winner


out, winner = max_pool_2x2(x[:, :, :10, :12])
grad = rng.normal(size=out.shape)
dx_pool = (winner * grad[:, :, :, None, :, None]).reshape(x[:, :, :10, :12].shape)
xp = hm.tensor(x[:, :, :10, :12], requires_grad=True)
pooled = nn.functional.max_pool2d(xp, 2)
(pooled * hm.tensor(grad)).sum().backward()
assert np.abs(out - pooled.detach().numpy()).max() == 0
assert np.abs(dx_pool - xp.grad.numpy()).max() < 1e-12
print("max pooling: same outputs and same gradient routing as homeml")

# %% [markdown]
# ## Learning a filter
#
# In a network nobody hand-makes the filters: gradient descent finds them. A small test: show
# a convolution random images and their vertical-edge maps, and let it learn, from examples
# only, the filter that produces them. Starting from random weights, `nn.Conv2d` recovers the
# Sobel filter.

# %%
hm.manual_seed(0)
layer = nn.Conv2d(1, 1, 3, bias=False)
optimizer = hm.optim.Adam(layer.parameters(), lr=0.05)
target_filter = sobel_x[None, None]  # (1, 1, 3, 3)
losses = []
for _ in tqdm(range(N_STEPS), desc="learning a filter"):
    images = rng.random((BATCH, 1, 16, 16)).astype(np.float32)
    targets = conv2d_im2col(images, target_filter, np.zeros(1)).astype(np.float32)
    optimizer.zero_grad()
    loss = ((layer(hm.tensor(images)) - hm.tensor(targets)) ** 2).mean()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
learned = layer.weight.detach().numpy()[0, 0]

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.3))
left.semilogy(losses)
left.set(xlabel="step", ylabel="mean squared error", title="learning the filter")
right.imshow(learned, cmap="RdBu_r", vmin=-2, vmax=2)
for (i, j), value in np.ndenumerate(learned):
    right.text(j, i, f"{value:.2f}", ha="center", va="center")
right.set(title="the learned 3x3 filter", xticks=[], yticks=[])
plt.show()

# %% [markdown]
# The learned filter is the Sobel filter to within 0.01 in every weight.
#
# **Parameters.** One 3×3 convolution from 1 channel to 8 has $8 \cdot 9 + 8 = 80$
# parameters, whatever the image size; a dense layer from a 28×28 image to 8 maps of 26×26
# would need $784 \cdot 5408 + 5408$, about 4.2 million.

# %%
assert np.abs(learned - sobel_x).max() < 0.01
conv_params = sum(p.numel() for p in nn.Conv2d(1, 8, 3).parameters())
dense_params = sum(p.numel() for p in nn.Linear(784, 8 * 26 * 26).parameters())
assert conv_params == 80 and round(dense_params / 1e6, 1) == 4.2
pd.Series(
    {"Conv2d(1, 8, 3)": conv_params, "Linear(784, 8 * 26 * 26)": dense_params}, name="parameters"
)

# %% [markdown]
# **Next:** `homeml.models` has the classic CNNs (`build_model("cnn")`, LeNet-5), and
# `homeml train mnist` trains one end to end; notebook 13 turns to sequences and attention.
