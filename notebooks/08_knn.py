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
# # 08 · k-nearest neighbours: no training, all memory
#
# The simplest classifier there is: to label a new point, find the $k$ training points closest
# to it and take a vote. "Training" is storing the data; all the work happens at prediction
# time. Simple, but it raises questions that matter everywhere: how to measure distance
# quickly, how to choose $k$, why feature scales matter, and why distance stops meaning much in
# many dimensions.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

from homeml.learn.neighbors import KDTree, KNeighborsClassifier, KNeighborsRegressor
from homeml.learn.preprocessing import StandardScaler

try:
    from sklearn.neighbors import KNeighborsClassifier as SkKNeighborsClassifier
except ImportError:
    SkKNeighborsClassifier = None
    print("scikit-learn is not installed: comparing with homeml only")

FULL = False  # True: more points
N_TRAIN = 3_000 if FULL else 300
rng = np.random.default_rng(0)


def make_data(n):
    """Three classes in the plane, blobs that overlap a little."""
    centres = np.array([[0.0, 1.5], [-1.5, -1.0], [1.5, -1.0]])
    labels = rng.integers(0, 3, n)
    return centres[labels] + rng.normal(0, 0.9, (n, 2)), labels  # (n, 2), (n,)


X, y = make_data(N_TRAIN)
X_test, y_test = make_data(1_000)

# %% [markdown]
# ## All the distances at once
#
# Looping over pairs of points is slow in Python. Expanding the square gives a formula made of
# one matrix product:
#
# $$\lVert a - b\rVert^2 = \lVert a\rVert^2 + \lVert b\rVert^2 - 2\,a^\top b ,$$
#
# so the $(m, n)$ matrix of squared distances between $m$ queries and $n$ training points is
# two row sums and one `@`. `np.argpartition` then finds the $k$ smallest in each row without
# sorting all $n$.


# %%
def squared_distances(A, B):
    """(m, n) squared Euclidean distances between rows of A (m, d) and B (n, d)."""
    d2 = (A**2).sum(1)[:, None] + (B**2).sum(1)[None, :] - 2 * A @ B.T
    return np.maximum(d2, 0)  # rounding can make a zero slightly negative


def kneighbors(X_train, X_query, k):
    """Distances and indices of the k nearest training points, nearest first; (m, k) each."""
    d2 = squared_distances(X_query, X_train)
    nearest = np.argpartition(d2, k - 1, axis=1)[:, :k]  # the k smallest, in no order
    order = np.take_along_axis(d2, nearest, 1).argsort(axis=1)
    nearest = np.take_along_axis(nearest, order, 1)
    return np.sqrt(np.take_along_axis(d2, nearest, 1)), nearest


def knn_predict(X_train, y_train, X_query, k, n_classes):
    _, nearest = kneighbors(X_train, X_query, k)
    votes = np.zeros((len(X_query), n_classes))
    np.add.at(votes, (np.arange(len(X_query))[:, None], y_train[nearest]), 1)  # (m, classes)
    return votes.argmax(1)  # a tie goes to the smaller label, as in scikit-learn


slow = np.array([[np.sum((a - b) ** 2) for b in X[:50]] for a in X_test[:20]])
assert np.allclose(squared_distances(X_test[:20], X[:50]), slow, rtol=0, atol=1e-10)

K = 15
distances, indices = kneighbors(X, X_test, K)
model = KNeighborsClassifier(n_neighbors=K).fit(X, y)
their_distances, their_indices = model.kneighbors(X_test)
tree_distances, tree_indices = KDTree(X).query(X_test, k=K)
ours = knn_predict(X, y, X_test, K, 3)
comparison = {
    "same neighbours as KNeighborsClassifier": np.array_equal(indices, their_indices),
    "same neighbours as KDTree": np.array_equal(indices, tree_indices),
    "max distance gap": np.abs(distances - their_distances).max(),
    "predictions that differ": int(np.sum(ours != model.predict(X_test))),
    "test accuracy": np.mean(ours == y_test),
}
if SkKNeighborsClassifier is not None:
    reference = SkKNeighborsClassifier(n_neighbors=K).fit(X, y)
    comparison["predictions that differ from scikit-learn"] = int(
        np.sum(ours != reference.predict(X_test))
    )
pd.Series(comparison)

# %% [markdown]
# Our 15 neighbours of every test point are homeml's (the brute-force search and the KD-tree,
# which prunes whole boxes of points it can prove are too far), at the same distances to
# $10^{-9}$, and the votes give the same class for every test point (and scikit-learn's
# where installed).

# %%
assert (
    comparison["same neighbours as KNeighborsClassifier"]
    and comparison["same neighbours as KDTree"]
)
assert comparison["max distance gap"] < 1e-9
assert comparison["predictions that differ"] == 0
assert comparison.get("predictions that differ from scikit-learn", 0) == 0

# %% [markdown]
# ## Choosing k
#
# $k = 1$ copies the label of the single nearest point: every training point is its own
# nearest neighbour, so training accuracy is 100%, and the boundary wraps around every stray
# point. Large $k$ smooths the boundary; $k = n$ predicts the majority class everywhere.
# Choose $k$ on held-out data.

# %%
rows = []
for k in tqdm([1, 3, 7, 15, 31, 75, 150], desc="k"):
    rows.append(
        {
            "k": k,
            "train accuracy": np.mean(knn_predict(X, y, X, k, 3) == y),
            "test accuracy": np.mean(knn_predict(X, y, X_test, k, 3) == y_test),
        }
    )
choose_k = pd.DataFrame(rows).set_index("k")
choose_k

# %% [markdown]
# $k = 1$ is perfect on the training points and the worst of all on test points (at least 3
# points of accuracy below the best $k$).

# %%
assert choose_k.loc[1, "train accuracy"] == 1.0
assert choose_k["test accuracy"].idxmin() == 1
assert choose_k["test accuracy"].max() - choose_k.loc[1, "test accuracy"] >= 0.03

# %%
grid = np.stack(np.meshgrid(np.linspace(-4.5, 4.5, 180), np.linspace(-4, 4.5, 180)), -1)
fig, axes = plt.subplots(1, 3, figsize=(14, 4.3), sharey=True)
for ax, k in zip(axes, [1, 15, 150]):
    regions = knn_predict(X, y, grid.reshape(-1, 2), k, 3).reshape(grid.shape[:2])
    ax.contourf(grid[..., 0], grid[..., 1], regions, levels=[-0.5, 0.5, 1.5, 2.5], cmap="Pastel1")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="Set1", s=6)
    ax.set(title=f"k = {k}: test {choose_k.loc[k, 'test accuracy']:.2f}", aspect="equal")
plt.show()

# %% [markdown]
# ## Regression, and weighting by distance
#
# For a number instead of a class, average the neighbours' targets. With `weights="distance"`
# each neighbour counts in proportion to $1/\text{distance}$, so the closest count most.

# %%
x1 = np.sort(rng.uniform(0, 6, 80))[:, None]  # (80, 1)
t1 = np.sin(x1[:, 0]) + rng.normal(0, 0.2, 80)
queries = np.linspace(0, 6, 300)[:, None]
d, nearest = kneighbors(x1, queries, 5)
uniform = t1[nearest].mean(1)
weights = 1 / d  # (300, 5); no query coincides with a training point here
weighted = (weights * t1[nearest]).sum(1) / weights.sum(1)
gaps = {
    "uniform": np.abs(uniform - KNeighborsRegressor(5).fit(x1, t1).predict(queries)).max(),
    "distance": np.abs(
        weighted - KNeighborsRegressor(5, weights="distance").fit(x1, t1).predict(queries)
    ).max(),
}
assert max(gaps.values()) < 1e-8
fig, ax = plt.subplots(figsize=(6, 3.3))
ax.scatter(x1, t1, s=10, color="gray")
ax.plot(queries, uniform, label="uniform weights")
ax.plot(queries, weighted, label="1/distance weights")
ax.set(title="5-nearest-neighbour regression", xlabel="x")
ax.legend()
plt.show()
pd.Series(gaps, name="max |ours - KNeighborsRegressor|")

# %% [markdown]
# Both averages equal homeml's `KNeighborsRegressor` to $10^{-8}$. Not to the last digit: the
# expansion $\lVert a\rVert^2 + \lVert b\rVert^2 - 2a^\top b$ loses digits when $a$ and $b$
# are close (two large numbers cancel), and $1/\text{distance}$ magnifies that. The speed is
# worth it; the digits only matter when two neighbours are almost exactly tied.
#
# ## Scale matters
#
# Distance adds up squared differences of all features, so a feature measured in large units
# drowns the others. Add one irrelevant feature with a spread 100 times larger: the neighbours
# are now chosen by noise. Standardising (mean 0, standard deviation 1) brings the two real
# features back into the picture.

# %%
noise = rng.normal(0, 100, (len(X), 1))
noise_test = rng.normal(0, 100, (len(X_test), 1))
X_noisy, X_test_noisy = np.hstack([X, noise]), np.hstack([X_test, noise_test])
scaler = StandardScaler().fit(X_noisy)
scales = pd.Series(
    {
        "2 real features": np.mean(knn_predict(X, y, X_test, K, 3) == y_test),
        "+ 1 noise feature, raw": np.mean(knn_predict(X_noisy, y, X_test_noisy, K, 3) == y_test),
        "+ 1 noise feature, standardised": np.mean(
            knn_predict(scaler.transform(X_noisy), y, scaler.transform(X_test_noisy), K, 3)
            == y_test
        ),
    },
    name="test accuracy",
)
scales

# %% [markdown]
# The raw noisy feature costs at least 5 points of accuracy (far more with few training
# points, as here by default); standardising wins back most of it (to within 10 points of the
# clean data; the noise still counts as much as each real feature).

# %%
assert scales.iloc[0] - scales.iloc[1] >= 0.05
assert scales.iloc[0] - scales.iloc[2] <= 0.1

# %% [markdown]
# ## The curse of dimensionality
#
# In many dimensions, all points are about equally far apart. Draw 500 uniform points in the
# unit cube $[0, 1]^d$ and compare one point's nearest and farthest neighbours: the ratio
# $\min/\max$ climbs towards 1 as $d$ grows, and "nearest" loses its meaning. Real data is
# usually kinder (it lives near a low-dimensional surface), which is why k-NN still works on,
# say, images, and why notebook 10 reduces dimensions first.

# %%
ratios = {}
for d in [1, 2, 10, 100, 1_000]:
    points = rng.uniform(size=(500, d))
    dist = np.sqrt(squared_distances(points[:20], points[20:]))  # (20, 480)
    ratios[d] = np.mean(dist.min(1) / dist.max(1))
ratios = pd.Series(ratios, name="mean nearest / farthest distance")
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.semilogx(ratios.index, ratios.values, "o-")
ax.set(
    xlabel="dimension d", ylabel="nearest / farthest", ylim=(0, 1), title="distances concentrate"
)
plt.show()
assert ratios[2] < 0.05 and ratios[1_000] > 0.8
ratios

# %% [markdown]
# In 2 dimensions the nearest point is less than 5% as far as the farthest; in 1,000 it is more
# than 80% as far.
#
# **Next:** notebook 09 uses the same distances without any labels: k-means finds groups.
