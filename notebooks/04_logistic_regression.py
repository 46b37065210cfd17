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
# # 04 · Logistic regression: from a score to a probability
#
# Keep the linear score of notebook 03, $s = x^\top w + b$, but predict a class. Squash the
# score into a probability with the sigmoid, $\sigma(s) = 1/(1 + e^{-s})$, and fit $w, b$ by
# maximum likelihood. Unlike least squares there is no formula for the answer, so this is
# where iterative optimisation becomes necessary. We write
#
# 1. the loss and its gradient, checked against homeml's autograd;
# 2. gradient descent and Newton's method (which scikit-learn and homeml approximate with
#    L-BFGS), checked against `homeml.learn.linear_model.LogisticRegression`;
# 3. the multiclass version (softmax), trained with homeml's own `optim.LBFGS`.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

import homeml as hm
from homeml.learn.linear_model import LogisticRegression

try:
    from sklearn import linear_model as sk_linear_model
except ImportError:
    sk_linear_model = None
    print("scikit-learn is not installed: comparing with homeml only")

FULL = False  # True: more points
N_PER_CLASS = 1_000 if FULL else 100
C = 1.0  # inverse regularisation strength, as in scikit-learn

rng = np.random.default_rng(0)
X = np.vstack(
    [
        rng.normal([-1.0, -0.5], 1.0, (N_PER_CLASS, 2)),
        rng.normal([1.0, 0.8], 1.0, (N_PER_CLASS, 2)),
    ]
)  # (n, 2)
y = np.r_[np.zeros(N_PER_CLASS), np.ones(N_PER_CLASS)]  # (n,) labels 0 and 1

# %% [markdown]
# ## The loss
#
# With $p_i = \sigma(x_i^\top w + b)$ the probability of class 1, the negative log-likelihood
# of the labels is the **log loss** (cross-entropy). scikit-learn and homeml add an L2 penalty
# on $w$ (not on $b$) with weight $1/(2C)$:
#
# $$L(w, b) = -\sum_i \big[y_i \log p_i + (1 - y_i)\log(1 - p_i)\big]
#   + \frac{1}{2C}\lVert w\rVert^2 .$$
#
# Its gradient is remarkably simple (the sigmoid's derivative $\sigma(1-\sigma)$ cancels the
# logarithm's): with $A = [\mathbf 1, X]$, $\theta = (b, w)$ and
# $R = \mathrm{diag}(0, 1, \dots, 1)$,
#
# $$\nabla L = A^\top (p - y) + R\,\theta / C, \qquad
#   \nabla^2 L = A^\top\, \mathrm{diag}\big(p(1-p)\big)\, A + R / C .$$
#
# The Hessian is positive definite, so the loss is convex: one minimum, found from anywhere.

# %%
A = np.column_stack([np.ones(len(X)), X])  # (n, 3)
R = np.diag([0.0, 1.0, 1.0])  # no penalty on the intercept


def sigmoid(s):
    return 0.5 * (1 + np.tanh(0.5 * s))  # = 1 / (1 + e^-s), without overflow for large |s|


def loss(theta):
    s = A @ theta  # (n,) scores
    # log(1 + e^s) - y s is the log loss written with the score; logaddexp keeps it stable
    return np.sum(np.logaddexp(0, s) - y * s) + theta @ R @ theta / (2 * C)


def gradient(theta):
    return A.T @ (sigmoid(A @ theta) - y) + R @ theta / C


def hessian(theta):
    p = sigmoid(A @ theta)
    return A.T @ (A * (p * (1 - p))[:, None]) + R / C


theta0 = np.array([0.3, -0.2, 0.5])
t = hm.tensor(theta0, requires_grad=True)  # float64
scores = hm.tensor(A) @ t
nll = hm.nn.functional.binary_cross_entropy_with_logits(scores, hm.tensor(y), reduction="sum")
(nll + (t[1:] ** 2).sum() / (2 * C)).backward()
check = pd.DataFrame(
    {"formula": gradient(theta0), "homeml autograd": t.grad.numpy()}, index=["b", "w0", "w1"]
)
check

# %% [markdown]
# The formula and autograd agree to $10^{-10}$, and so does the loss itself.

# %%
assert np.allclose(check["formula"], check["homeml autograd"], rtol=0, atol=1e-10)
assert abs((nll + (t[1:] ** 2).sum() / (2 * C)).item() - loss(theta0)) < 1e-10

# %% [markdown]
# ## Gradient descent against Newton's method
#
# Gradient descent steps along $-\nabla L$. Newton's method fits the local parabola and jumps to
# its bottom: $\theta \leftarrow \theta - (\nabla^2 L)^{-1} \nabla L$. For logistic regression
# this is also called IRLS (iteratively reweighted least squares: each step is a weighted
# notebook-03 regression). Near the answer Newton doubles the number of correct digits per
# step.

# %%
step = 1.0 / np.linalg.eigvalsh(A.T @ A / 4 + R / C)[-1]  # p(1-p) <= 1/4 bounds the Hessian
theta_gd, gd_losses = np.zeros(3), []
for _ in tqdm(range(3_000), desc="gradient descent"):
    gd_losses.append(loss(theta_gd))
    theta_gd = theta_gd - step * gradient(theta_gd)

theta_newton, newton_losses = np.zeros(3), []
for _ in range(10):
    newton_losses.append(loss(theta_newton))
    theta_newton = theta_newton - np.linalg.solve(hessian(theta_newton), gradient(theta_newton))
print(f"gradient norm after Newton: {np.linalg.norm(gradient(theta_newton)):.1e}")

# %%
ours = LogisticRegression(C=C, tol=1e-10, max_iter=1_000).fit(X, y)
table = pd.DataFrame(
    {
        "Newton (10 steps)": theta_newton,
        "gradient descent (3000 steps)": theta_gd,
        "homeml LogisticRegression": np.r_[ours.intercept_, ours.coef_.ravel()],
    },
    index=["b", "w0", "w1"],
)
if sk_linear_model is not None:
    reference = sk_linear_model.LogisticRegression(C=C, tol=1e-10, max_iter=1_000).fit(X, y)
    table["scikit-learn"] = np.r_[reference.intercept_, reference.coef_.ravel()]
table

# %% [markdown]
# Ten Newton steps reach a gradient below $10^{-8}$. Gradient descent gets the loss within
# $10^{-10}$ of the minimum too, but needs more than ten times as many steps (its step is limited
# by the steepest direction, as in notebook 03). homeml's L-BFGS solver agrees with Newton's
# answer to $10^{-5}$, as does scikit-learn's.

# %%
best = loss(theta_newton)
steps_to = {
    "Newton": int(np.argmax(np.array(newton_losses) - best < 1e-10)),
    "gradient descent": int(np.argmax(np.array(gd_losses) - best < 1e-10)),
}
print("steps to reach L - L* < 1e-10:", steps_to)
assert 0 < steps_to["Newton"] and 10 * steps_to["Newton"] < steps_to["gradient descent"]
assert np.linalg.norm(gradient(theta_newton)) < 1e-8
assert np.abs(theta_gd - theta_newton).max() < 1e-4
for column in table.columns:
    assert np.allclose(table[column], theta_newton, rtol=0, atol=1e-5), column
assert np.allclose(ours.predict_proba(X)[:, 1], sigmoid(A @ theta_newton), rtol=0, atol=1e-6)

# %%
grid = np.stack(np.meshgrid(np.linspace(-4, 4, 200), np.linspace(-4, 4, 200)), -1)  # (200, 200, 2)
probability = sigmoid(theta_newton[0] + grid @ theta_newton[1:])  # (200, 200)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
contours = left.contourf(
    grid[..., 0], grid[..., 1], probability, levels=10, cmap="RdBu_r", alpha=0.6
)
left.contour(grid[..., 0], grid[..., 1], probability, levels=[0.5], colors="k")
left.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", edgecolors="k", s=14)
fig.colorbar(contours, ax=left, label="P(class 1)")
left.set(title="the fitted probability; black: P = 0.5", aspect="equal")
right.semilogy(np.array(gd_losses) - best + 1e-16, label="gradient descent")
right.semilogy(np.array(newton_losses) - best + 1e-16, "o-", label="Newton")
right.set(xscale="symlog", xlabel="step", ylabel="L - L*", title="convergence")
right.legend()
plt.show()

# %% [markdown]
# ## More than two classes: softmax
#
# For $K$ classes keep one weight vector per class, $W$ of shape $(d, K)$ and $b$ of shape
# $(K,)$, and turn the $K$ scores into probabilities with the softmax
# $p_{ik} = e^{s_{ik}}/\sum_j e^{s_{ij}}$. The loss is again the negative log-likelihood plus
# $\lVert W\rVert^2/(2C)$. Rather than deriving the Hessian, let homeml's autograd give the
# gradient and its `optim.LBFGS` (the same algorithm the estimator uses) do the walking.

# %%
centres = np.array([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]])
labels3 = rng.integers(0, 3, 3 * N_PER_CLASS)  # (n,)
X3 = centres[labels3] + rng.normal(0, 1.0, (len(labels3), 2))  # (n, 2)

W = hm.zeros(2, 3, dtype=hm.float64, requires_grad=True)  # (d, K)
b = hm.zeros(3, dtype=hm.float64, requires_grad=True)  # (K,)
inputs, targets = hm.tensor(X3), hm.tensor(labels3)
optimizer = hm.optim.LBFGS(
    [W, b],
    lr=1,
    max_iter=200,
    tolerance_grad=1e-12,
    tolerance_change=1e-14,
    line_search_fn="strong_wolfe",
)


def closure():
    optimizer.zero_grad()
    logits = inputs @ W + b  # (n, K)
    objective = hm.nn.functional.cross_entropy(logits, targets, reduction="sum") + (W**2).sum() / (
        2 * C
    )
    objective.backward()
    return objective


optimizer.step(closure)
ours3 = LogisticRegression(C=C, tol=1e-10, max_iter=1_000).fit(X3, labels3)
with hm.no_grad():
    probabilities = (inputs @ W + b).softmax(dim=1).numpy()  # (n, K)
comparison = {
    "max |W - coef_.T|": np.abs(W.detach().numpy() - ours3.coef_.T).max(),
    "max |P - predict_proba|": np.abs(probabilities - ours3.predict_proba(X3)).max(),
    "training accuracy": np.mean(probabilities.argmax(1) == labels3),
}
if sk_linear_model is not None:
    reference3 = sk_linear_model.LogisticRegression(C=C, tol=1e-10, max_iter=1_000).fit(X3, labels3)
    comparison["max |homeml - sklearn| (probabilities)"] = np.abs(
        reference3.predict_proba(X3) - ours3.predict_proba(X3)
    ).max()
pd.Series(comparison)

# %% [markdown]
# The softmax model trained with `optim.LBFGS` and the estimator agree to $10^{-5}$ in weights
# and probabilities (scikit-learn too), and classify more than 85% of the training points
# correctly (the three clouds overlap).

# %%
assert comparison["max |W - coef_.T|"] < 1e-5
assert comparison["max |P - predict_proba|"] < 1e-5
assert comparison.get("max |homeml - sklearn| (probabilities)", 0.0) < 1e-5
assert comparison["training accuracy"] > 0.85

# %%
with hm.no_grad():
    regions = (hm.tensor(grid.reshape(-1, 2)) @ W + b).argmax(dim=1).numpy().reshape(200, 200)
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.contourf(
    grid[..., 0], grid[..., 1], regions, levels=[-0.5, 0.5, 1.5, 2.5], cmap="Pastel1", alpha=0.8
)
ax.scatter(X3[:, 0], X3[:, 1], c=labels3, cmap="Set1", s=10)
ax.set(title="softmax regression: straight boundaries", aspect="equal")
plt.show()

# %% [markdown]
# The boundaries between classes are straight lines: $s_j = s_k$ is linear in $x$. Curved
# boundaries need features (notebook 03's polynomials), kernels (notebook 07) or a network
# (notebook 11).
#
# **Next:** notebook 05 drops the weights altogether: a decision tree asks yes/no questions of
# single features.
