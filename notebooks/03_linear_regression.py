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
# # 03 · Linear regression: the exact answer, the iterative one, and ridge
#
# Linear regression predicts a number as a weighted sum of features plus an intercept,
# $\hat y = X w + b$. It is the one model whose best weights have a formula, which makes it the
# right place to see three ideas that carry over to everything else:
#
# 1. the **normal equations**: the exact least-squares solution;
# 2. **gradient descent**: the same answer by walking downhill (notebook 01, now with $d$
#    weights), and why scaling the features matters;
# 3. **ridge regularisation**: trading a little bias for a lot less variance when the model is
#    too flexible for the data.
#
# Each is built in NumPy and checked against `homeml.learn.linear_model` (and scikit-learn,
# where installed).

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

from homeml.learn.linear_model import LinearRegression, Ridge

try:
    from sklearn import linear_model as sk_linear_model
except ImportError:
    sk_linear_model = None
    print("scikit-learn is not installed: comparing with homeml only")

FULL = False  # True: more samples and more gradient steps
N_SAMPLES = 5_000 if FULL else 200
N_STEPS = 2_000 if FULL else 500

rng = np.random.default_rng(0)
TRUE_W = np.array([2.0, -1.0, 0.5, 0.0, 3.0])  # (d,) with d = 5
TRUE_B = 4.0
# features on very different scales, as real ones are (metres, grams, counts, ...)
scales = np.array([1.0, 10.0, 0.1, 5.0, 1.0])
X = rng.normal(size=(N_SAMPLES, 5)) * scales  # (n, d)
y = X @ (TRUE_W / scales) + TRUE_B + rng.normal(0, 0.5, N_SAMPLES)  # (n,)
pd.DataFrame(X, columns=[f"x{j}" for j in range(5)]).describe().loc[["mean", "std"]].round(2)

# %% [markdown]
# ## 1. The normal equations
#
# Put a column of ones in front of $X$ so the intercept is just another weight:
# $A = [\mathbf 1, X]$ of shape $(n, d+1)$, $\theta = (b, w)$. The squared error
# $\lVert A\theta - y\rVert^2$ is a bowl; at its bottom the gradient $2A^\top(A\theta - y)$ is
# zero, which gives the **normal equations**
#
# $$A^\top A\,\theta = A^\top y .$$
#
# Solve them with `np.linalg.solve` (never by inverting $A^\top A$). `np.linalg.lstsq` solves
# the least-squares problem directly from $A$ (through the SVD), which stays accurate when
# $A^\top A$ is nearly singular: its condition number is the square of $A$'s.

# %%
A = np.column_stack([np.ones(N_SAMPLES), X])  # (n, d + 1)
theta_normal = np.linalg.solve(A.T @ A, A.T @ y)  # (d + 1,)
theta_lstsq = np.linalg.lstsq(A, y, rcond=None)[0]
print(f"condition number of A: {np.linalg.cond(A):.0f}, of A^T A: {np.linalg.cond(A.T @ A):.0f}")

ours = LinearRegression().fit(X, y)
table = pd.DataFrame(
    {
        "normal equations": theta_normal,
        "lstsq (SVD)": theta_lstsq,
        "homeml LinearRegression": np.r_[ours.intercept_, ours.coef_],
        "truth": np.r_[TRUE_B, TRUE_W / scales],
    },
    index=["b", *[f"w{j}" for j in range(5)]],
)
if sk_linear_model is not None:
    reference = sk_linear_model.LinearRegression().fit(X, y)
    table["scikit-learn"] = np.r_[reference.intercept_, reference.coef_]
table

# %% [markdown]
# All the solvers agree to $10^{-9}$. How close to the truth should they be? With noise of
# standard deviation $\sigma = 0.5$, the estimate's standard errors are the square roots of the
# diagonal of $\sigma^2 (A^\top A)^{-1}$: large for `w2`, the feature with the smallest spread.
# Every estimate lies within 3 standard errors of the truth.

# %%
for column in table.columns.drop("truth"):
    assert np.allclose(table[column], theta_normal, rtol=0, atol=1e-9), column
standard_error = 0.5 * np.sqrt(np.diag(np.linalg.inv(A.T @ A)))
z_scores = (theta_normal - table["truth"]) / standard_error
assert np.abs(z_scores).max() < 3
pd.DataFrame({"standard error": standard_error, "error / standard error": z_scores})

# %% [markdown]
# ## 2. Gradient descent, and why features are scaled
#
# With the mean squared error $J(\theta) = \frac1n\lVert A\theta - y\rVert^2$ the gradient is
# $\nabla J = \frac2n A^\top(A\theta - y)$ and its Hessian is the constant
# $H = \frac2n A^\top A$. Gradient descent converges for learning rates
# $\eta < 2/\lambda_{\max}(H)$, and its speed is set by the *smallest* eigenvalue: the ratio
# $\lambda_{\max}/\lambda_{\min}$ (the condition number) counts roughly how many steps it needs.
#
# Our features have standard deviations from 0.1 to 10, so that ratio is huge. Standardising
# each feature to mean 0 and standard deviation 1 makes it close to 1.


# %%
def condition(A):
    eigenvalues = np.linalg.eigvalsh(2 / len(A) * A.T @ A)
    return eigenvalues[-1] / eigenvalues[0], eigenvalues[-1]


mean, std = X.mean(axis=0), X.std(axis=0)
Z = (X - mean) / std  # (n, d) standardised features
A_std = np.column_stack([np.ones(N_SAMPLES), Z])
cond_raw, _ = condition(A)
cond_std, top = condition(A_std)
print(f"condition number of H: raw features {cond_raw:,.0f}, standardised {cond_std:.2f}")
assert cond_raw > 1_000 and cond_std < 2


def gradient_descent(A, y, lr, steps):
    theta, losses = np.zeros(A.shape[1]), []
    for _ in range(steps):
        residual = A @ theta - y  # (n,)
        losses.append(np.mean(residual**2))
        theta = theta - lr * 2 / len(y) * (A.T @ residual)
    return theta, np.array(losses)


runs = {}
for fraction in tqdm([0.1, 0.5, 0.99, 1.01], desc="learning rates"):
    runs[fraction] = gradient_descent(A_std, y, fraction * 2 / top, N_STEPS)

# %% [markdown]
# On the standardised features, at half the largest stable rate, gradient descent reaches the
# normal-equation weights to $10^{-8}$ within the steps above. Right at the edge
# ($0.99 \times 2/\lambda_{\max}$) it zig-zags across the valley: along the steepest direction
# the error is multiplied by $1 - 0.99 \cdot 2 = -0.98$ each step, so it needs more than ten
# times as many steps as the run at half the rate to get within $10^{-8}$ of the minimum loss.
# Past the edge ($1.01\times$) the loss grows without
# bound. The weights come back to the original units by dividing by each feature's standard
# deviation, $w_j = w^{\text{std}}_j/\sigma_j$, and
# $b = b^{\text{std}} - \sum_j w_j \mu_j$.

# %%
theta_std = runs[0.5][0]
w_back = theta_std[1:] / std
b_back = theta_std[0] - w_back @ mean
assert np.allclose(np.r_[b_back, w_back], theta_normal, rtol=0, atol=1e-8)
best = np.mean((A @ theta_normal - y) ** 2)


def steps_to_reach(losses, tolerance=1e-8):
    """The first step whose loss is within `tolerance` of the minimum (inf if none is)."""
    close = np.flatnonzero(losses - best < tolerance)
    return close[0] if close.size else np.inf


assert steps_to_reach(runs[0.99][1]) > 10 * steps_to_reach(runs[0.5][1])
pd.Series(
    {
        f"{fraction} x 2/lambda_max": steps_to_reach(losses)
        for fraction, (_, losses) in runs.items()
    },
    name="steps to get within 1e-8 of the minimum",
)
assert runs[1.01][1][-1] > runs[1.01][1][0]  # diverged

fig, ax = plt.subplots(figsize=(6, 3.8))
for fraction, (_, losses) in runs.items():
    ax.semilogy(losses - best + 1e-16, label=rf"$\eta$ = {fraction} $\times 2/\lambda_{{max}}$")
ax.set(xlabel="step", ylabel="J - J*", ylim=(1e-14, 1e4), title="gradient descent, standardised")
ax.legend()
plt.show()

# %% [markdown]
# ## 3. Ridge: too many features for too few points
#
# Fit a degree-9 polynomial to 15 noisy points of $\sin 2\pi x$ (Bishop's classic). With ten
# weights and fifteen points the least-squares fit threads through the noise, and its weights
# become enormous. Ridge regression adds a penalty on their size:
#
# $$\min_{w, b}\ \lVert X w + b - y\rVert^2 + \alpha \lVert w\rVert^2 .$$
#
# The intercept is not penalised, so centre the data first ($X_c = X - \bar X$,
# $y_c = y - \bar y$); the minimum then solves
#
# $$(X_c^\top X_c + \alpha I)\,w = X_c^\top y_c, \qquad b = \bar y - \bar X w ,$$
#
# which is invertible for every $\alpha > 0$, however ill-conditioned $X$ is.

# %%
DEGREE, N_TRAIN = 9, 15
x_train = np.sort(rng.uniform(0, 1, N_TRAIN))
x_test = rng.uniform(0, 1, 500)
y_train = np.sin(2 * np.pi * x_train) + rng.normal(0, 0.25, N_TRAIN)
y_test = np.sin(2 * np.pi * x_test) + rng.normal(0, 0.25, 500)


def powers(x):
    return x[:, None] ** np.arange(1, DEGREE + 1)  # (n, 9): x, x^2, ..., x^9


def ridge(X, y, alpha):
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc = X - x_mean
    w = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ (y - y_mean))
    return w, y_mean - x_mean @ w


def rmse(prediction, target):
    return np.sqrt(np.mean((prediction - target) ** 2))


rows, curves = [], {}
grid = np.linspace(0, 1, 200)
for alpha in [0.0, 1e-8, 1e-6, 1e-4, 1e-2, 1.0]:
    if alpha == 0:
        model = LinearRegression().fit(powers(x_train), y_train)
        w, b = model.coef_, model.intercept_
    else:
        w, b = ridge(powers(x_train), y_train, alpha)
        model = Ridge(alpha=alpha).fit(powers(x_train), y_train)
    row = {
        "alpha": alpha,
        "train RMSE": rmse(powers(x_train) @ w + b, y_train),
        "test RMSE": rmse(powers(x_test) @ w + b, y_test),
        "largest |w|": np.abs(w).max(),
        "|ours - homeml| (predictions)": np.abs(
            powers(x_test) @ w + b - model.predict(powers(x_test))
        ).max(),
    }
    if sk_linear_model is not None and alpha > 0:
        reference = sk_linear_model.Ridge(alpha=alpha).fit(powers(x_train), y_train)
        row["|ours - sklearn|"] = np.abs(
            powers(x_test) @ w + b - reference.predict(powers(x_test))
        ).max()
    rows.append(row)
    curves[alpha] = powers(grid) @ w + b
ridge_table = pd.DataFrame(rows).set_index("alpha")
ridge_table.style.format("{:.3g}")

# %% [markdown]
# What the table shows, and the next cell checks:
#
# - our ridge solution and homeml's `Ridge` predict the same values to $10^{-6}$ for every
#   $\alpha > 0$ (scikit-learn's too, where installed);
# - without the penalty the training error is the smallest and the weights run into the
#   thousands; the test error is worse than with a moderate $\alpha$;
# - the best test error comes from some $\alpha > 0$, and it is within 0.1 of the noise
#   level 0.25 that no model can beat.

# %%
assert (ridge_table["|ours - homeml| (predictions)"] < 1e-6).all()
if "|ours - sklearn|" in ridge_table:
    assert (ridge_table["|ours - sklearn|"].dropna() < 1e-6).all()
assert ridge_table["train RMSE"].idxmin() == 0.0
assert ridge_table.loc[0.0, "largest |w|"] > 1_000
best_alpha = ridge_table["test RMSE"].idxmin()
assert (
    best_alpha > 0 and ridge_table.loc[0.0, "test RMSE"] > ridge_table.loc[best_alpha, "test RMSE"]
)
assert ridge_table.loc[best_alpha, "test RMSE"] < 0.35

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.scatter(x_train, y_train, color="k", zorder=3, label="training points")
left.plot(grid, np.sin(2 * np.pi * grid), "k--", lw=1, label=r"$\sin 2\pi x$")
for alpha in [0.0, 1e-4, 1.0]:
    left.plot(grid, curves[alpha], label=f"alpha = {alpha:g}")
left.set(ylim=(-2, 2), xlabel="x", title="degree-9 fits")
left.legend(fontsize=8)
alphas = ridge_table.index[1:]
right.semilogx(alphas, ridge_table["train RMSE"][1:], "o-", label="train")
right.semilogx(alphas, ridge_table["test RMSE"][1:], "s-", label="test")
right.axhline(0.25, color="gray", ls=":", label="noise level")
right.set(xlabel="alpha", ylabel="RMSE", title="too little and too much regularisation")
right.legend()
plt.show()

# %% [markdown]
# Small $\alpha$ fits the noise (high variance); large $\alpha$ flattens the curve towards a
# constant (high bias); in between is the best test error. Choosing $\alpha$ on held-out data
# (cross-validation: `homeml.learn.model_selection.GridSearchCV`) is how it is done in
# practice.
#
# **Next:** notebook 04 keeps the linear score $Xw + b$ but predicts a class, with the logistic
# loss, which has no closed form: gradient descent (and Newton's method) become necessary.
