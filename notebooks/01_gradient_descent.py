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
# # 01 · Gradient descent by hand
#
# The whole of machine learning in one small picture: a model with two numbers in it, a cost
# that says how wrong it is, and a rule that nudges the numbers downhill. We fit a line
#
# $$\hat y = w\,x - b$$
#
# to noisy points, first with derivatives we work out on paper, then with derivatives the
# computer estimates by itself (finite differences), then with homeml's autograd, which is
# what every later notebook uses. All three must give the same numbers, and the cells below
# check that they do.
#
# Open it as a notebook with `jupytext --to ipynb notebooks/01_gradient_descent.py`;
# `pytest tests/test_notebooks.py` runs every notebook of the learning path.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

import homeml as hm

FULL = False  # True: more points and more steps (a few seconds more)
N_POINTS = 1_000 if FULL else 50
N_STEPS = 5_000 if FULL else 1_500

rng = np.random.default_rng(0)
W_TRUE, B_TRUE = 3.0, 2.0
x = rng.uniform(0.0, 2.0, N_POINTS)  # (n,)
y = W_TRUE * x - B_TRUE + rng.normal(0.0, 0.3, N_POINTS)  # (n,)

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.scatter(x, y, s=12)
ax.set(xlabel="x", ylabel="y", title=f"{N_POINTS} noisy points around y = 3x - 2")
plt.show()

# %% [markdown]
# ## The cost and its derivatives
#
# The mean squared error over the $n$ points is
#
# $$J(w, b) = \frac1n \sum_i \big(w x_i - b - y_i\big)^2 .$$
#
# Writing $r_i = w x_i - b - y_i$ for the residual, the chain rule gives
#
# $$\frac{\partial J}{\partial w} = \frac2n \sum_i r_i\,x_i, \qquad
#   \frac{\partial J}{\partial b} = -\frac2n \sum_i r_i .$$


# %%
def cost(w, b):
    """Mean squared error of the line w*x - b on the data (a float)."""
    return np.mean((w * x - b - y) ** 2)


def grad(w, b):
    """(dJ/dw, dJ/db) from the formulas above."""
    r = w * x - b - y  # (n,) residuals
    return 2 * np.mean(r * x), -2 * np.mean(r)


w0, b0 = 0.5, -1.0  # an arbitrary starting point
print(f"J = {cost(w0, b0):.4f}, dJ/dw = {grad(w0, b0)[0]:.4f}, dJ/db = {grad(w0, b0)[1]:.4f}")

# %% [markdown]
# ## The derivative as h → 0
#
# A derivative is the limit of a slope: $J'(w) = \lim_{h\to0} \frac{J(w+h) - J(w)}{h}$.
# A computer cannot take the limit, but it can try smaller and smaller $h$. Two things go
# wrong, in opposite directions:
#
# - **truncation**: with $h > 0$ the forward slope is off by about $\frac h2 J''(w)$. Our $J$ is
#   a parabola in $w$ with $J'' = \frac2n\sum_i x_i^2$, so the error is *exactly*
#   $h \cdot \overline{x^2}$; the central difference $\frac{J(w+h) - J(w-h)}{2h}$ has no
#   truncation error at all on a parabola;
# - **round-off**: float64 carries about 16 digits, and $J(w+h) - J(w)$ cancels most of them
#   once $h$ is tiny; dividing by $h$ blows that noise up.
#
# So the error falls with $h$, then rises again below about $10^{-8}$.

# %%
exact_dw = grad(w0, b0)[0]
rows = []
for k in range(1, 15):
    h = 10.0**-k
    forward = (cost(w0 + h, b0) - cost(w0, b0)) / h
    central = (cost(w0 + h, b0) - cost(w0 - h, b0)) / (2 * h)
    rows.append(
        {
            "k": k,
            "h": h,
            "forward error": abs(forward - exact_dw),
            "central error": abs(central - exact_dw),
        }
    )
errors = pd.DataFrame(rows).set_index("k")  # row k holds h = 10^-k
errors.style.format("{:.1e}")

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.loglog(errors["h"], errors["forward error"], "o-", label="forward difference")
ax.loglog(errors["h"], errors["central error"], "s-", label="central difference")
ax.loglog(errors["h"], errors["h"] * np.mean(x**2), "k--", lw=1, label=r"$h\,\overline{x^2}$")
ax.set(xlabel="h", ylabel="|numerical - analytic|", title="dJ/dw: truncation vs round-off")
ax.invert_xaxis()
ax.legend()
plt.show()

# %% [markdown]
# The table says what the text promised:
#
# - at $h = 0.1$ the forward error is $h\,\overline{x^2}$ to within $10^{-9}$;
# - the best forward difference (some $h$ around $10^{-8}$) agrees with the formula to better
#   than $10^{-6}$, and the central difference at $h = 10^{-5}$ to better than $10^{-8}$;
# - at $h = 10^{-14}$ round-off wins: the error is larger than at $h = 10^{-8}$.

# %%
assert abs(errors.loc[1, "forward error"] - 0.1 * np.mean(x**2)) < 1e-9
assert errors["forward error"].min() < 1e-6
assert errors.loc[5, "central error"] < 1e-8
assert errors.loc[14, "forward error"] > errors.loc[8, "forward error"]

# %% [markdown]
# ## The same derivative from autograd
#
# homeml records every operation on a tensor with `requires_grad=True` and walks the record
# backwards (reverse-mode automatic differentiation, notebook 02 builds it). No $h$, no
# round-off beyond the arithmetic itself: it agrees with the formula to the last few digits.

# %%
w_t = hm.tensor(w0, dtype=hm.float64, requires_grad=True)
b_t = hm.tensor(b0, dtype=hm.float64, requires_grad=True)
x_t, y_t = hm.tensor(x), hm.tensor(y)  # float64, like the NumPy arrays
loss = ((w_t * x_t - b_t - y_t) ** 2).mean()
loss.backward()

comparison = pd.DataFrame(
    {
        "analytic": grad(w0, b0),
        "central difference (h=1e-5)": [
            (cost(w0 + 1e-5, b0) - cost(w0 - 1e-5, b0)) / 2e-5,
            (cost(w0, b0 + 1e-5) - cost(w0, b0 - 1e-5)) / 2e-5,
        ],
        "homeml autograd": [w_t.grad.item(), b_t.grad.item()],
    },
    index=["dJ/dw", "dJ/db"],
)
try:  # the reference, where PyTorch is installed
    import torch

    w_r = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    b_r = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    ((w_r * torch.tensor(x) - b_r - torch.tensor(y)) ** 2).mean().backward()
    comparison["PyTorch"] = [w_r.grad.item(), b_r.grad.item()]
except ImportError:
    print("PyTorch is not installed: comparing with the formulas only")
comparison

# %% [markdown]
# Autograd matches the formulas to $10^{-12}$ (and PyTorch, where present, matches homeml to
# $10^{-12}$ too).

# %%
for column in comparison.columns:
    assert np.allclose(comparison[column], comparison["analytic"], rtol=0, atol=1e-8), column
assert np.allclose(comparison["homeml autograd"], comparison["analytic"], rtol=0, atol=1e-12)
if "PyTorch" in comparison:
    assert np.allclose(comparison["PyTorch"], comparison["homeml autograd"], rtol=0, atol=1e-12)

# %% [markdown]
# ## Walking downhill
#
# Gradient descent repeats one step: $w \leftarrow w - \eta\,\partial J/\partial w$,
# $b \leftarrow b - \eta\,\partial J/\partial b$, with a learning rate $\eta$. Too large and it
# overshoots and diverges; too small and it crawls. For a parabola the limit is
# $\eta < 2/\lambda_{\max}$, with $\lambda_{\max}$ the largest eigenvalue of the Hessian
# $H = 2\begin{pmatrix}\overline{x^2} & -\bar x\\ -\bar x & 1\end{pmatrix}$.

# %%
hessian = 2 * np.array([[np.mean(x**2), -np.mean(x)], [-np.mean(x), 1.0]])  # (2, 2)
eigenvalues = np.linalg.eigvalsh(hessian)
LR = 1.0 / eigenvalues[-1]  # half the largest stable step
print(f"eigenvalues of H: {eigenvalues.round(3)}, learning rate {LR:.4f}")

w, b = w0, b0
path = [(w, b, cost(w, b))]
for _ in tqdm(range(N_STEPS), desc="gradient descent (NumPy)"):
    dw, db = grad(w, b)
    w, b = w - LR * dw, b - LR * db
    path.append((w, b, cost(w, b)))
path = np.array(path)  # (steps + 1, 3): w, b, J
print(f"w = {w:.6f}, b = {b:.6f}, J = {cost(w, b):.6f}")

# %% [markdown]
# The best line has a closed form (least squares, notebook 03): solve
# $\min \lVert A\theta - y\rVert^2$ with $A = [x, -1]$ and $\theta = (w, b)$. After the steps
# above, gradient descent lands on it to within $10^{-6}$, and the fit is close to the line
# the data came from ($w = 3$, $b = 2$, within 0.3).

# %%
A = np.column_stack([x, -np.ones_like(x)])  # (n, 2)
w_ls, b_ls = np.linalg.lstsq(A, y, rcond=None)[0]
assert abs(w - w_ls) < 1e-6 and abs(b - b_ls) < 1e-6
assert abs(w - W_TRUE) < 0.3 and abs(b - B_TRUE) < 0.3

# %% [markdown]
# ## The same walk with homeml's optimizer
#
# In homeml (as in PyTorch) the loop is: compute the loss, `backward()`, `optimizer.step()`,
# `zero_grad()`. `optim.SGD` applies exactly the update above, so the path is the same to
# float64 precision.

# %%
w_t = hm.tensor(w0, dtype=hm.float64, requires_grad=True)
b_t = hm.tensor(b0, dtype=hm.float64, requires_grad=True)
optimizer = hm.optim.SGD([w_t, b_t], lr=LR)
for _ in tqdm(range(N_STEPS), desc="gradient descent (homeml)"):
    optimizer.zero_grad()
    loss = ((w_t * x_t - b_t - y_t) ** 2).mean()
    loss.backward()
    optimizer.step()

results = pd.DataFrame(
    {
        "w": [w, w_t.item(), w_ls, W_TRUE],
        "b": [b, b_t.item(), b_ls, B_TRUE],
        "J": [cost(w, b), cost(w_t.item(), b_t.item()), cost(w_ls, b_ls), cost(W_TRUE, B_TRUE)],
    },
    index=["NumPy by hand", "homeml SGD", "least squares", "the true line"],
)
results

# %%
assert abs(w_t.item() - w) < 1e-10 and abs(b_t.item() - b) < 1e-10

# %%
ws, bs = np.meshgrid(np.linspace(-0.5, 4.5, 120), np.linspace(-2, 4, 120))
J = np.mean((ws[..., None] * x - bs[..., None] - y) ** 2, axis=-1)  # (120, 120)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
left.contour(ws, bs, np.log(J), levels=25, cmap="viridis")
left.plot(path[:, 0], path[:, 1], "r.-", ms=3, lw=1, label="gradient descent")
left.plot(w_ls, b_ls, "k*", ms=12, label="least squares")
left.set(xlabel="w", ylabel="b", title="the path on the cost surface (log J)")
left.legend()
right.semilogy(path[:, 2] - cost(w_ls, b_ls) + 1e-16)
right.set(xlabel="step", ylabel="J - J*", title="the excess cost shrinks geometrically")
plt.show()

# %% [markdown]
# The path first slides down the steep direction, then crawls along the long, flat valley: the
# two eigenvalues of $H$ differ by a factor of about fifteen (between 10 and 20), and the slow one
# sets the pace. That is why later notebooks standardise features, and why optimizers with
# momentum (Adam) exist.

# %%
assert 10 < eigenvalues[-1] / eigenvalues[0] < 20

# %% [markdown]
#
# **Next:** notebook 02 builds the autograd engine used above, from a single scalar upwards.
