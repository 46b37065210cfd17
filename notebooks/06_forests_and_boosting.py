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
# # 06 · Random forests and gradient boosting: many trees
#
# Notebook 05 ended with a dilemma: deep trees memorise noise (high variance), shallow trees
# miss the shape (high bias). Two ensembles answer it in opposite ways:
#
# - a **random forest** grows many deep trees, each on a bootstrap sample of the data and
#   choosing among a random subset of features at each split, and *averages* them: the average
#   of many noisy, partly independent guesses is much less noisy;
# - **gradient boosting** grows many shallow trees *in sequence*, each one fitted to the errors
#   the ensemble still makes, and *adds* them up, a little at a time.
#
# Both are built here from homeml's single trees, in a few lines each, and checked against
# `homeml.learn.ensemble` to the last digit.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

from homeml.learn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from homeml.learn.tree import DecisionTreeClassifier, DecisionTreeRegressor

try:
    from sklearn import ensemble as sk_ensemble
except ImportError:
    sk_ensemble = None
    print("scikit-learn is not installed: comparing with homeml only")

FULL = False  # True: more points and more trees
N_TRAIN = 2_000 if FULL else 400
N_TREES = 200 if FULL else 60

rng = np.random.default_rng(0)


def make_classification(n):
    """Notebook 05's problem (a sine boundary, 20% flipped labels) plus 3 pure-noise features."""
    X = rng.uniform(-2, 2, (n, 5))  # (n, 5): only columns 0 and 1 matter
    y = (X[:, 1] > np.sin(1.5 * X[:, 0])).astype(int)
    return X.astype(np.float32), np.where(rng.random(n) < 0.2, 1 - y, y)


X, y = make_classification(N_TRAIN)
X_test, y_test = make_classification(4_000)

# %% [markdown]
# ## A random forest by hand
#
# For each tree $t = 1, \dots, T$:
#
# 1. draw a **bootstrap sample**: $n$ indices drawn with replacement (about 63% of the points
#    appear, some several times). Passing the draw counts as `sample_weight` is the same as
#    repeating the points;
# 2. grow a full-depth tree that, at every node, looks at only $\sqrt d$ randomly chosen
#    features (`max_features="sqrt"`): this decorrelates the trees.
#
# Predict by averaging the trees' class probabilities. To reproduce homeml's forest exactly we
# use its seeding scheme (scikit-learn's): one seed per tree drawn from `random_state`, and each
# tree's bootstrap drawn from its own seed.

# %%
MAX_INT = np.iinfo(np.int32).max


def random_forest(X, y, n_trees, random_state):
    seeds = np.random.RandomState(random_state).randint(MAX_INT, size=n_trees)
    trees = []
    for seed in tqdm(seeds, desc="growing trees"):
        draws = np.random.RandomState(seed).randint(0, len(X), len(X))  # (n,) with repeats
        counts = np.bincount(draws, minlength=len(X))  # how often each point was drawn
        tree = DecisionTreeClassifier(max_features="sqrt", random_state=seed)
        trees.append(tree.fit(X, y, sample_weight=counts))
    return trees


def forest_proba(trees, X):
    return np.mean([tree.predict_proba(X) for tree in trees], axis=0)  # (n, classes)


trees = random_forest(X, y, N_TREES, random_state=0)
ours = forest_proba(trees, X_test)
homeml_forest = RandomForestClassifier(n_estimators=N_TREES, random_state=0).fit(X, y)
comparison = {
    "max |ours - homeml| (probabilities)": np.abs(ours - homeml_forest.predict_proba(X_test)).max(),
    "our test accuracy": np.mean(ours.argmax(1) == y_test),
    "homeml test accuracy": homeml_forest.score(X_test, y_test),
    "one full-depth tree, test accuracy": trees[0].score(X_test, y_test),
}
if sk_ensemble is not None:
    sk_forest = sk_ensemble.RandomForestClassifier(n_estimators=N_TREES, random_state=0).fit(X, y)
    comparison["max |homeml - sklearn| (probabilities)"] = np.abs(
        sk_forest.predict_proba(X_test) - homeml_forest.predict_proba(X_test)
    ).max()
pd.Series(comparison)

# %% [markdown]
# Our forest and homeml's give the same probabilities to $10^{-12}$ (and scikit-learn's too,
# where installed: same seeds, same trees). The forest beats a single full-depth tree by more
# than 5 points of accuracy.

# %%
assert comparison["max |ours - homeml| (probabilities)"] < 1e-12
assert comparison.get("max |homeml - sklearn| (probabilities)", 0.0) < 1e-12
assert comparison["our test accuracy"] - comparison["one full-depth tree, test accuracy"] > 0.05

# %% [markdown]
# **Why averaging helps.** If each tree's prediction has variance $\sigma^2$ and any two trees
# are correlated by $\rho$, the average of $T$ of them has variance
# $\rho\sigma^2 + \frac{1-\rho}{T}\sigma^2$. More trees remove the second term; random feature
# choice lowers $\rho$, the first. Test accuracy climbs quickly with $T$, then levels off:
# extra trees never hurt, they just stop helping.

# %%
sizes = [1, 2, 5, 10, 20, N_TREES]
curve = pd.DataFrame(
    {
        "trees": sizes,
        "test accuracy": [
            np.mean(forest_proba(trees[:k], X_test).argmax(1) == y_test) for k in sizes
        ],
    }
).set_index("trees")
importances = pd.Series(homeml_forest.feature_importances_, index=[f"x{j}" for j in range(5)])

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
left.plot(curve.index, curve["test accuracy"], "o-")
left.axhline(0.8, color="gray", ls=":", label="true boundary (20% noise)")
left.set(xscale="log", xlabel="trees in the forest", ylabel="test accuracy", title="averaging")
left.legend()
importances.plot.bar(ax=right, title="impurity-based feature importances")
plt.show()
assert importances[["x0", "x1"]].sum() > 0.5  # the two real features carry most of it
curve.T

# %% [markdown]
# The forest puts more than half of its total importance on the two features that matter,
# although each of the three noise features gets some: deep trees split on noise too.
#
# ## Gradient boosting by hand
#
# Boosting builds an additive model $F_M(x) = F_0 + \nu \sum_{m=1}^M h_m(x)$. For the squared
# loss $\frac12 (y - F)^2$ the negative gradient with respect to $F(x_i)$ is the **residual**
# $r_i = y_i - F(x_i)$, so each stage fits a small regression tree $h_m$ to the residuals of the
# ensemble so far, and adds it, shrunk by the learning rate $\nu$:
#
# $$F_0 = \bar y, \qquad r^{(m)} = y - F_{m-1}(X), \qquad h_m = \text{tree fitted to } (X, r^{(m)}),
#   \qquad F_m = F_{m-1} + \nu\, h_m .$$
#
# Other losses (absolute error, log loss for classification) change only the "residual": it is
# always the negative gradient of the loss, hence the name.


# %%
def make_regression(n):
    x = rng.uniform(0, 6, n)
    return x[:, None], np.sin(x) * x + rng.normal(0, 0.5, n)  # (n, 1), (n,)


Xr, yr = make_regression(N_TRAIN)
Xr_test, yr_test = make_regression(2_000)
LR, DEPTH = 0.1, 3


def gradient_boosting(X, y, n_stages, lr, depth):
    f0 = y.mean()
    prediction, stages = np.full(len(y), f0), []
    for _ in range(n_stages):
        residual = y - prediction  # the negative gradient of the squared loss
        tree = DecisionTreeRegressor(criterion="friedman_mse", max_depth=depth, random_state=0)
        stages.append(tree.fit(X, residual))
        prediction = prediction + lr * tree.predict(X)
    return f0, stages


def boosted_predict(f0, stages, X, lr):
    return f0 + lr * np.sum([tree.predict(X) for tree in stages], axis=0)


f0, stages = gradient_boosting(Xr, yr, N_TREES, LR, DEPTH)
ours_r = boosted_predict(f0, stages, Xr_test, LR)
homeml_gb = GradientBoostingRegressor(
    n_estimators=N_TREES, learning_rate=LR, max_depth=DEPTH, random_state=0
).fit(Xr, yr)
comparison = {"max |ours - homeml|": np.abs(ours_r - homeml_gb.predict(Xr_test)).max()}
if sk_ensemble is not None:
    sk_gb = sk_ensemble.GradientBoostingRegressor(
        n_estimators=N_TREES, learning_rate=LR, max_depth=DEPTH, random_state=0
    ).fit(Xr, yr)
    comparison["max |homeml - sklearn|"] = np.abs(
        sk_gb.predict(Xr_test) - homeml_gb.predict(Xr_test)
    ).max()
pd.Series(comparison)

# %% [markdown]
# Our ten-line booster and homeml's `GradientBoostingRegressor` predict the same values to
# $10^{-9}$ (so does scikit-learn's).

# %%
assert comparison["max |ours - homeml|"] < 1e-9
assert comparison.get("max |homeml - sklearn|", 0.0) < 1e-9

# %% [markdown]
# ## Shrinkage and the number of stages
#
# Each stage lowers the training error. The test error falls, bottoms out and creeps back up
# once the trees start fitting noise: the number of stages is boosting's main knob, traded off
# against the learning rate (smaller $\nu$ needs more stages but usually reaches a lower test
# error). `staged_predict` gives the prediction after every stage without refitting.

# %%
rows, curves = [], {}
for lr in tqdm([1.0, 0.3, 0.1], desc="learning rates"):
    model = GradientBoostingRegressor(
        n_estimators=3 * N_TREES, learning_rate=lr, max_depth=DEPTH, random_state=0
    )
    model.fit(Xr, yr)
    test_mse = np.array([np.mean((p - yr_test) ** 2) for p in model.staged_predict(Xr_test)])
    train_mse = np.array([np.mean((p - yr) ** 2) for p in model.staged_predict(Xr)])
    curves[lr] = (train_mse, test_mse)
    rows.append(
        {
            "learning rate": lr,
            "best stage": test_mse.argmin() + 1,
            "best test MSE": test_mse.min(),
            "final test MSE": test_mse[-1],
        }
    )
shrinkage = pd.DataFrame(rows).set_index("learning rate")
shrinkage

# %%
grid = np.linspace(0, 6, 300)[:, None]
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
left.scatter(Xr[:, 0], yr, s=6, color="gray", label="training points")
for k in [1, 10, N_TREES]:
    left.plot(grid, boosted_predict(f0, stages[:k], grid, LR), label=f"{k} stage{'s' * (k > 1)}")
left.set(xlabel="x", title=f"boosting depth-{DEPTH} trees, learning rate {LR}")
left.legend()
for lr, (train_mse, test_mse) in curves.items():
    (line,) = right.plot(test_mse, label=f"test, lr={lr}")
    right.plot(train_mse, ls=":", color=line.get_color())
right.axhline(0.25, color="gray", ls="--", lw=1, label="noise variance")
right.set(
    xlabel="stage", ylabel="MSE", yscale="log", title="test (solid) and training (dotted) error"
)
right.legend(fontsize=8)
plt.show()

# %% [markdown]
# With learning rate 1 the best test error comes within a few stages and then the model
# overfits (its final error is worse than its best); with 0.1 the best comes many stages later
# and is lower than with 1. The best test error is within 0.1 of the noise variance 0.25, the
# floor no model can go under.

# %%
assert shrinkage.loc[1.0, "final test MSE"] > shrinkage.loc[1.0, "best test MSE"]
assert shrinkage.loc[0.1, "best stage"] > shrinkage.loc[1.0, "best stage"]
assert shrinkage.loc[0.1, "best test MSE"] < shrinkage.loc[1.0, "best test MSE"]
assert shrinkage["best test MSE"].min() < 0.35

# %% [markdown]
# In practice: `HistGradientBoostingClassifier`/`Regressor` bin the features into at most 255
# values first, which makes each split search a histogram scan; much faster on large data, with
# early stopping on a validation split built in.
#
# **Next:** notebook 07 returns to linear boundaries, but places them with the widest possible
# margin, and bends them with kernels: support vector machines.
