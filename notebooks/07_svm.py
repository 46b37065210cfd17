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
# # 07 · Support vector machines: the widest margin, and kernels
#
# Logistic regression (notebook 04) puts a line where the classes' probabilities balance. A
# support vector machine puts it where it is *farthest from the nearest points of either
# class*, the widest street between them. Three ideas make it work:
#
# 1. the **hinge loss**, which ignores points that are safely on the right side;
# 2. the **dual problem**, where the data appears only through dot products $x_i^\top x_j$ and
#    most points get weight zero (the others are the *support vectors*);
# 3. **kernels**: replace $x_i^\top x_j$ by $k(x_i, x_j)$ and the same algorithm draws curved
#    boundaries.
#
# We solve the dual with a small **SMO** (sequential minimal optimisation, the algorithm inside
# LIBSVM) in NumPy and check it against `homeml.learn.svm.SVC`.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

from homeml.learn.svm import SVC

try:
    from sklearn.svm import SVC as SkSVC
except ImportError:
    SkSVC = None
    print("scikit-learn is not installed: comparing with homeml only")

FULL = False  # True: more points
N = 600 if FULL else 150
rng = np.random.default_rng(0)

# %% [markdown]
# ## The hinge loss
#
# Label the classes $y \in \{-1, +1\}$ and score a point with $f(x) = w^\top x + b$. The
# *margin* of a point is $y f(x)$: positive when it is classified correctly. The soft-margin
# SVM minimises
#
# $$\frac12 \lVert w\rVert^2 + C \sum_i \max\big(0,\ 1 - y_i f(x_i)\big).$$
#
# The hinge $\max(0, 1 - m)$ is zero once a point's margin passes 1, so points far from the
# boundary do not matter at all; the first term asks for a small $\lVert w\rVert$, i.e. a wide
# street of width $2/\lVert w\rVert$ between $f = -1$ and $f = +1$.

# %%
m = np.linspace(-2, 3, 200)
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.plot(m, (m <= 0).astype(float), label="0-1 loss (what we count)")
ax.plot(m, np.maximum(0, 1 - m), label="hinge (SVM)")
ax.plot(m, np.log2(1 + np.exp(-m)), label="log loss / ln 2 (logistic regression)")
ax.set(xlabel="margin y f(x)", ylabel="loss", ylim=(-0.1, 3))
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## The dual, and SMO
#
# With Lagrange multipliers $\alpha_i$ the problem becomes (the derivation is in any SVM text)
#
# $$\min_\alpha\ \tfrac12 \alpha^\top Q \alpha - \mathbf 1^\top \alpha
#   \quad\text{subject to}\quad 0 \le \alpha_i \le C,\ \ y^\top \alpha = 0,
#   \qquad Q_{ij} = y_i y_j\, k(x_i, x_j),$$
#
# and the classifier is $f(x) = \sum_i \alpha_i y_i\, k(x_i, x) + b$. Points with
# $\alpha_i = 0$ drop out; the rest are the support vectors.
#
# SMO changes **two** multipliers at a time (one alone could not keep $y^\top\alpha = 0$).
# With $G = Q\alpha - \mathbf 1$ the gradient, it picks the *maximal violating pair*:
# $i$ maximising $-y_t G_t$ over the multipliers that may still move up, $j$ minimising it over
# those that may move down. Moving $\alpha_i$ by $+y_i\delta$ and $\alpha_j$ by $-y_j\delta$
# keeps $y^\top\alpha$ fixed; along that line the objective is a parabola with curvature
# $k_{ii} + k_{jj} - 2k_{ij}$, so the best step is exact, then clipped to the box. It stops
# when the violation $(-y_iG_i) - (-y_jG_j)$ is below a tolerance: the optimality
# (KKT) conditions hold.


# %%
def smo(K, y, C, tol=1e-8, max_iter=100_000):
    """Solve the SVM dual for kernel matrix K (n, n) and labels y in {-1, +1}; (alpha, b)."""
    n = len(y)
    alpha, G = np.zeros(n), -np.ones(n)  # G = Q alpha - 1 at alpha = 0
    for _ in range(max_iter):
        score = -y * G  # (n,)
        up = ((y > 0) & (alpha < C)) | ((y < 0) & (alpha > 0))  # may move in direction +y
        down = ((y > 0) & (alpha > 0)) | ((y < 0) & (alpha < C))  # may move in direction -y
        i = np.flatnonzero(up)[np.argmax(score[up])]
        j = np.flatnonzero(down)[np.argmin(score[down])]
        gap = score[i] - score[j]
        if gap < tol:
            break
        curvature = max(K[i, i] + K[j, j] - 2 * K[i, j], 1e-12)
        room_i = C - alpha[i] if y[i] > 0 else alpha[i]
        room_j = alpha[j] if y[j] > 0 else C - alpha[j]
        delta = min(gap / curvature, room_i, room_j)
        alpha[i] += y[i] * delta
        alpha[j] -= y[j] * delta
        G += delta * y * (K[:, i] - K[:, j])  # Q[:, i] y_i - Q[:, j] y_j, with Q = y y^T K
    free = (alpha > 1e-12) & (alpha < C - 1e-12)  # on the margin: y f(x) = 1 exactly
    b = np.mean(-y[free] * G[free]) if free.any() else (score[i] + score[j]) / 2
    return alpha, b


# %% [markdown]
# ## A linear SVM
#
# Two overlapping clouds, a linear kernel $k(x, z) = x^\top z$, $C = 1$.

# %%
X = np.vstack(
    [rng.normal([-1.2, -1.0], 0.9, (N // 2, 2)), rng.normal([1.2, 1.0], 0.9, (N // 2, 2))]
)
y = np.r_[-np.ones(N // 2), np.ones(N // 2)]  # (n,) in {-1, +1}
X_test = rng.uniform(-4, 4, (1_000, 2))
C = 1.0

alpha, b = smo(X @ X.T, y, C)
w = (alpha * y) @ X  # (2,): for the linear kernel the weights can be written out
ours_linear = SVC(kernel="linear", C=C, tol=1e-8).fit(X, y)
hinge = np.maximum(0, 1 - y * (X @ w + b))
table = {
    "support vectors (ours, homeml)": (int(np.sum(alpha > 1e-8)), len(ours_linear.support_)),
    "same support vectors": set(np.flatnonzero(alpha > 1e-8)) == set(ours_linear.support_),
    "max |w - coef_|": np.abs(w - ours_linear.coef_[0]).max(),
    "|b - intercept_|": abs(b - ours_linear.intercept_[0]),
    "primal objective": 0.5 * w @ w + C * hinge.sum(),
    "dual objective (negated)": alpha.sum() - 0.5 * (alpha * y) @ (X @ X.T) @ (alpha * y),
    "street width 2/|w|": 2 / np.linalg.norm(w),
}
pd.Series(table)

# %% [markdown]
# Our SMO finds the same support vectors as homeml's `SVC`, the same $w$ and $b$ to
# $10^{-6}$, and the primal and dual objectives meet (to $10^{-6}$): there is no duality gap,
# which is how SMO knows it is done.

# %%
assert table["same support vectors"]
assert table["max |w - coef_|"] < 1e-6 and table["|b - intercept_|"] < 1e-6
assert abs(table["primal objective"] - table["dual objective (negated)"]) < 1e-6

# %%
grid = np.stack(np.meshgrid(np.linspace(-4, 4, 200), np.linspace(-4, 4, 200)), -1)  # (200, 200, 2)
fig, ax = plt.subplots(figsize=(5.5, 5))
f = grid @ w + b
ax.contourf(
    grid[..., 0], grid[..., 1], f, levels=[-99, 0, 99], colors=["tab:blue", "tab:red"], alpha=0.15
)
ax.contour(
    grid[..., 0], grid[..., 1], f, levels=[-1, 0, 1], colors="k", linestyles=["--", "-", "--"]
)
ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12)
sv = alpha > 1e-8
ax.scatter(X[sv, 0], X[sv, 1], s=80, facecolors="none", edgecolors="k", label="support vectors")
ax.set(title="f = 0 (solid) and the margins f = ±1 (dashed)", aspect="equal")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# Every circled point sits on its dashed line ($0 < \alpha_i < C$) or on the wrong side of it
# ($\alpha_i = C$); every other point has $\alpha_i = 0$ and could be moved (outside the street)
# without changing the answer.
#
# ## Kernels
#
# Points inside a ring against points around it cannot be split by a line. The Gaussian (RBF)
# kernel
#
# $$k(x, z) = \exp\big(-\gamma\,\lVert x - z\rVert^2\big)$$
#
# is a dot product in an infinite-dimensional feature space, and the dual never needs that
# space: only the $n \times n$ kernel matrix. $\gamma$ sets how far one point's influence
# reaches.


# %%
def make_rings(n):
    radius = np.r_[rng.uniform(0, 1.2, n // 2), rng.uniform(1.5, 2.5, n - n // 2)]
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]) + rng.normal(
        0, 0.25, (n, 2)
    )
    return X, np.r_[-np.ones(n // 2), np.ones(n - n // 2)]


def rbf(A, B, gamma):
    squared = (A**2).sum(1)[:, None] + (B**2).sum(1)[None, :] - 2 * A @ B.T  # (len A, len B)
    return np.exp(-gamma * np.maximum(squared, 0))


Xr, yr = make_rings(N)
Xr_test, yr_test = make_rings(1_000)
rows, surfaces = [], {}
for gamma in tqdm([0.01, 1.0, 100.0], desc="gammas"):
    alpha, b = smo(rbf(Xr, Xr, gamma), yr, C)
    decision = (alpha * yr) @ rbf(Xr, Xr_test, gamma) + b  # (n_test,)
    model = SVC(kernel="rbf", gamma=gamma, C=C, tol=1e-8).fit(Xr, yr)
    row = {
        "gamma": gamma,
        "support vectors": int(np.sum(alpha > 1e-8)),
        "train accuracy": np.mean(np.sign((alpha * yr) @ rbf(Xr, Xr, gamma) + b) == yr),
        "test accuracy": np.mean(np.sign(decision) == yr_test),
        "max |ours - homeml| (decision)": np.abs(decision - model.decision_function(Xr_test)).max(),
    }
    if SkSVC is not None:
        reference = SkSVC(kernel="rbf", gamma=gamma, C=C, tol=1e-8).fit(Xr, yr)
        row["max |homeml - sklearn| (decision)"] = np.abs(
            reference.decision_function(Xr_test) - model.decision_function(Xr_test)
        ).max()
    rows.append(row)
    surfaces[gamma] = (alpha * yr) @ rbf(Xr, grid.reshape(-1, 2), gamma) + b
kernels = pd.DataFrame(rows).set_index("gamma")
kernels

# %% [markdown]
# For every $\gamma$ our decision values equal homeml's to $10^{-5}$ (and scikit-learn's
# equal homeml's too). $\gamma = 0.01$ reaches so far that the boundary is nearly a straight
# line (underfitting); $\gamma = 1$ generalises best; $\gamma = 100$ makes more than 90% of the
# points support vectors, fits more than 98% of the training set and does at least 3 points
# worse than $\gamma = 1$ on test points, like the deep tree of notebook 05.

# %%
assert (kernels["max |ours - homeml| (decision)"] < 1e-5).all()
if "max |homeml - sklearn| (decision)" in kernels:
    assert (kernels["max |homeml - sklearn| (decision)"] < 1e-5).all()
assert kernels["test accuracy"].idxmax() == 1.0
assert kernels.loc[100.0, "train accuracy"] > 0.98
assert kernels.loc[1.0, "test accuracy"] - kernels.loc[100.0, "test accuracy"] >= 0.03
assert kernels.loc[100.0, "support vectors"] > 0.9 * N

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4.3), sharey=True)
for ax, (gamma, surface) in zip(axes, surfaces.items()):
    surface = surface.reshape(200, 200)
    ax.contourf(
        grid[..., 0],
        grid[..., 1],
        surface,
        levels=[-99, 0, 99],
        colors=["tab:blue", "tab:red"],
        alpha=0.15,
    )
    ax.contour(
        grid[..., 0],
        grid[..., 1],
        surface,
        levels=[-1, 0, 1],
        colors="k",
        linestyles=["--", "-", "--"],
        linewidths=0.8,
    )
    ax.scatter(Xr[:, 0], Xr[:, 1], c=yr, cmap="coolwarm", s=8)
    ax.set(
        title=f"gamma = {gamma:g}: test {kernels.loc[gamma, 'test accuracy']:.2f}", aspect="equal"
    )
plt.show()

# %% [markdown]
# In practice: scale the features first (the RBF kernel measures distances), and pick $C$ and
# $\gamma$ together by cross-validation (`GridSearchCV`). For large $n$ the $n \times n$ kernel
# matrix is the bottleneck; `LinearSVC` (no kernel) scales to millions of points.
#
# **Next:** notebook 08 skips training altogether: $k$-nearest neighbours predicts from the
# closest stored points.
