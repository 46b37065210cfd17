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
# # 09 · k-means: finding groups without labels
#
# Everything so far learned from labelled examples. Clustering gets points only, and looks for
# groups. k-means describes each of $k$ groups by a centre $\mu_j$ and assigns every point to
# its nearest centre; it looks for the centres that make the points closest to their centre,
# i.e. that minimise the **inertia**
#
# $$J = \sum_i \lVert x_i - \mu_{c(i)}\rVert^2,
#   \qquad c(i) = \arg\min_j \lVert x_i - \mu_j\rVert .$$
#
# We write Lloyd's algorithm and the k-means++ start, check them against
# `homeml.learn.cluster.KMeans`, and look at the two questions every user of k-means meets:
# bad local minima and choosing $k$.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

from homeml.learn.cluster import KMeans
from homeml.learn.metrics import silhouette_score

try:
    from sklearn.cluster import KMeans as SkKMeans
except ImportError:
    SkKMeans = None
    print("scikit-learn is not installed: comparing with homeml only")

FULL = False  # True: more random starts (the data stays the same)
N = 500
N_STARTS = 200 if FULL else 20
K_TRUE = 4
rng = np.random.default_rng(0)
true_centres = np.array([[0.0, 0.0], [4.0, 0.5], [1.0, 4.0], [5.0, 4.5]])
truth = rng.integers(0, K_TRUE, N)
X = true_centres[truth] + rng.normal(0, 0.8, (N, 2))  # (n, 2)

# %% [markdown]
# ## Lloyd's algorithm
#
# Alternate two steps, each of which can only lower $J$:
#
# 1. **assign**: with the centres fixed, the best $c(i)$ is the nearest centre;
# 2. **update**: with the assignments fixed, the best $\mu_j$ is the mean of its points (the
#    derivative of $\sum_{i \in j} \lVert x_i - \mu_j\rVert^2$ is zero there).
#
# $J$ never increases and there are finitely many assignments, so the loop stops, when no
# point changes cluster. It stops at a *local* minimum, which depends on the start.


# %%
def assign(X, centres):
    d2 = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(-1)  # (n, k) squared distances
    return d2.argmin(1), d2.min(1).sum()  # labels (n,), inertia


def lloyd(X, centres, max_iter=300):
    history = []
    for _ in range(max_iter):
        labels, inertia = assign(X, centres)
        history.append((centres.copy(), labels, inertia))
        new = np.array([X[labels == j].mean(0) for j in range(len(centres))])  # (k, d)
        if np.array_equal(new, centres):
            break
        centres = new
    return centres, labels, inertia, history


start = X[rng.choice(N, K_TRUE, replace=False)]  # k random points as the first centres
centres, labels, inertia, history = lloyd(X, start)
inertias = np.array([h[2] for h in history])
print(f"{len(history)} iterations, inertia {inertias[0]:.1f} -> {inertia:.1f}")
assert np.all(np.diff(inertias) <= 1e-9)  # never goes up

# %%
steps = [0, 1, 2, len(history) - 1]
fig, axes = plt.subplots(1, 4, figsize=(15, 3.8), sharey=True)
for ax, step in zip(axes, steps):
    c, lab, J = history[step]
    ax.scatter(X[:, 0], X[:, 1], c=lab, cmap="tab10", vmax=9, s=6)
    ax.scatter(c[:, 0], c[:, 1], marker="X", s=160, c="k")
    ax.set(title=f"iteration {step}: J = {J:.0f}", aspect="equal")
plt.show()

# %% [markdown]
# ## The same run in homeml
#
# Given the same starting centres (`init=` an array, one run), homeml's `KMeans` must take the
# same path: same centres, same labels, same inertia.

# %%
model = KMeans(K_TRUE, init=start, n_init=1, tol=0).fit(X)
comparison = {
    "max |centres - cluster_centers_|": np.abs(centres - model.cluster_centers_).max(),
    "labels that differ": int(np.sum(labels != model.labels_)),
    "|inertia - inertia_|": abs(inertia - model.inertia_),
}
if SkKMeans is not None:
    reference = SkKMeans(K_TRUE, init=start, n_init=1, tol=0).fit(X)
    comparison["max |homeml - sklearn| (centres)"] = np.abs(
        reference.cluster_centers_ - model.cluster_centers_
    ).max()
pd.Series(comparison)

# %% [markdown]
# Centres agree to $10^{-10}$, every label agrees, and so does the inertia (to $10^{-8}$;
# scikit-learn's centres agree with homeml's to $10^{-10}$ as well).

# %%
assert comparison["max |centres - cluster_centers_|"] < 1e-10
assert comparison["labels that differ"] == 0
assert comparison["|inertia - inertia_|"] < 1e-8
assert comparison.get("max |homeml - sklearn| (centres)", 0.0) < 1e-10

# %% [markdown]
# ## Bad starts, and k-means++
#
# Lloyd's algorithm only goes downhill from where it starts. **k-means++** spreads the first
# centres out: pick the first at random, then each next one with probability proportional to
# $D(x)^2$, the squared distance to the nearest centre chosen so far. Far-away points are likely
# picks, so every group tends to get a centre. We run Lloyd from `N_STARTS` random-point starts
# and as many k-means++ starts.


# %%
def kmeans_plus_plus(X, k, rng):
    centres = [X[rng.integers(len(X))]]
    for _ in range(k - 1):
        d2 = ((X[:, None, :] - np.array(centres)[None]) ** 2).sum(-1).min(1)  # (n,) D(x)^2
        centres.append(X[rng.choice(len(X), p=d2 / d2.sum())])
    return np.array(centres)


rows, runs = [], {}
for seed in tqdm(range(N_STARTS), desc="starts"):
    seed_rng = np.random.default_rng(seed)
    for kind in ["random points", "k-means++"]:
        if kind == "random points":
            first = X[seed_rng.choice(N, K_TRUE, replace=False)]
        else:
            first = kmeans_plus_plus(X, K_TRUE, seed_rng)
        runs[seed, kind] = lloyd(X, first)
        rows.append({"seed": seed, "start": kind, "inertia": runs[seed, kind][2]})
starts = pd.DataFrame(rows).pivot(index="seed", columns="start", values="inertia")
starts.describe().loc[["min", "mean", "max"]]

# %%
best = starts.min().min()
# a trap: two centres in the top-left group, one between the two right-hand groups
trap = np.array([[1.0, 3.3], [1.0, 4.7], [0.0, 0.0], [4.5, 2.5]])
trapped_centres, trapped_labels, trapped, _ = lloyd(X, trap)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
best_run = runs[starts.stack().idxmin()]
panels = [
    (best_run[0], best_run[1], best_run[2], "the best of all runs"),
    (trapped_centres, trapped_labels, trapped, "Lloyd from the trap"),
]
for ax, (c, lab, J, name) in zip(axes, panels):
    ax.scatter(X[:, 0], X[:, 1], c=lab, cmap="tab10", vmax=9, s=6)
    ax.scatter(c[:, 0], c[:, 1], marker="X", s=160, c="k")
    ax.set(title=f"{name}: J = {J:.0f}", aspect="equal")
plt.show()
model = KMeans(K_TRUE, n_init=10, random_state=0).fit(X)
print(f"KMeans(n_init=10): inertia {model.inertia_:.2f}; best of our runs {best:.2f}")

# %% [markdown]
# The right panel is a local minimum: two centres share one group while another straddles two,
# and no Lloyd step can fix that (moving one centre alone makes $J$ worse), so Lloyd ends there
# with an inertia more than 1.5 times the best. Random starts fall into such traps now and then
# (the largest inertias in the table above). The cure is cheap: several starts, keep the lowest
# inertia. That is `n_init`; homeml's `KMeans(n_init=10)` (k-means++ starts) lands within 0.1%
# of the best inertia of all the runs.

# %%
assert trapped > 1.5 * best
assert abs(model.inertia_ - best) < 1e-3 * best

# %% [markdown]
# ## Choosing k
#
# Inertia always falls as $k$ grows ($k = n$ gives 0), so it cannot choose $k$ by itself; look
# for the **elbow** where it stops falling fast. The **silhouette** is a second opinion: for a
# point with mean distance $a$ to the other points of its cluster and mean distance $b$ to the
# points of the nearest other cluster, $s = (b - a)/\max(a, b)$, between -1 (wrong cluster)
# and 1 (well inside its own). Its mean over all points is largest for a good $k$.


# %%
def silhouette(X, labels):
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))  # (n, n)
    clusters = np.unique(labels)
    mean_to = np.stack([D[:, labels == c].sum(1) for c in clusters], 1)  # (n, k) summed
    sizes = np.array([np.sum(labels == c) for c in clusters])
    own = labels[:, None] == clusters[None, :]  # (n, k)
    a = mean_to[own] / np.maximum(sizes[labels] - 1, 1)  # excludes the point itself
    b = np.where(own, np.inf, mean_to / sizes).min(1)
    s = (b - a) / np.maximum(a, b)
    return np.mean(np.where(sizes[labels] > 1, s, 0.0))  # a lone point scores 0


rows = []
for k in tqdm(range(2, 9), desc="k"):
    fitted = KMeans(k, n_init=10, random_state=0).fit(X)
    ours_s = silhouette(X, fitted.labels_)
    rows.append(
        {
            "k": k,
            "inertia": fitted.inertia_,
            "silhouette (ours)": ours_s,
            "|ours - silhouette_score|": abs(ours_s - silhouette_score(X, fitted.labels_)),
        }
    )
choose = pd.DataFrame(rows).set_index("k")
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.3))
left.plot(choose.index, choose["inertia"], "o-")
left.set(xlabel="k", ylabel="inertia", title="the elbow")
right.plot(choose.index, choose["silhouette (ours)"], "o-")
right.set(xlabel="k", ylabel="mean silhouette", title="the silhouette")
plt.show()
choose

# %% [markdown]
# Our silhouette equals homeml's `silhouette_score` to $10^{-12}$, and it peaks at $k = 4$,
# the number of groups the data was made with.

# %%
assert (choose["|ours - silhouette_score|"] < 1e-12).all()
assert choose["silhouette (ours)"].idxmax() == K_TRUE
assert (np.diff(choose["inertia"]) < 0).all()

# %% [markdown]
# k-means assumes round clusters of similar size: it splits space into convex cells around
# the centres. For elongated, nested or unevenly sized groups, `GaussianMixture`, `DBSCAN` or
# `SpectralClustering` in `homeml.learn` fit better.
#
# **Next:** notebook 10 finds the directions along which data varies most: PCA.
