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
# # 10 · Principal component analysis: the directions that matter
#
# Data with many features often varies along only a few directions: 100 numbers per sample,
# but they move together. PCA finds those directions, ordered by how much of the variance each
# explains, so the data can be described with fewer numbers, plotted in 2-D, denoised or
# compressed. It is the eigendecomposition of the covariance matrix, or, equivalently and
# more accurately, the singular value decomposition of the centred data. We do both in NumPy and
# check them against `homeml.learn.decomposition.PCA`.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from homeml.learn.decomposition import PCA

try:
    from sklearn.decomposition import PCA as SkPCA
except ImportError:
    SkPCA = None
    print("scikit-learn is not installed: comparing with homeml only")

FULL = False  # True: more samples
N = 5_000 if FULL else 400
rng = np.random.default_rng(0)

# %% [markdown]
# ## The idea in two dimensions
#
# Centre the data ($X_c = X - \bar x$). The variance of the points projected on a unit vector
# $u$ is $u^\top \Sigma u$, with $\Sigma = X_c^\top X_c/(n-1)$ the covariance matrix. The $u$
# that maximises it is the eigenvector of $\Sigma$ with the largest eigenvalue; the next
# direction, orthogonal to the first, is the next eigenvector, and so on. Each eigenvalue is
# the variance along its direction.

# %%
X2 = rng.multivariate_normal([2.0, 1.0], [[3.0, 1.8], [1.8, 1.5]], N)  # (n, 2) correlated
mean2 = X2.mean(0)
covariance = (X2 - mean2).T @ (X2 - mean2) / (N - 1)  # (2, 2)
eigenvalues, eigenvectors = np.linalg.eigh(covariance)  # ascending order
order = eigenvalues.argsort()[::-1]
eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]  # columns = directions

fig, ax = plt.subplots(figsize=(5, 4))
ax.scatter(X2[:, 0], X2[:, 1], s=5, alpha=0.5)
for value, vector in zip(eigenvalues, eigenvectors.T):
    ax.annotate(
        "", mean2 + 2 * np.sqrt(value) * vector, mean2, arrowprops={"arrowstyle": "->", "lw": 2}
    )
ax.set(title="principal directions, length 2 standard deviations", aspect="equal")
plt.show()
print("variance along each direction:", eigenvalues.round(3))

# %% [markdown]
# ## The SVD route, and homeml
#
# Write the centred data as $X_c = U S V^\top$. Then
# $\Sigma = V \frac{S^2}{n-1} V^\top$: the rows of $V^\top$ are the principal directions and
# $S^2/(n-1)$ their variances. The SVD never forms $X_c^\top X_c$, whose condition number is the
# square of $X_c$'s (as with the normal equations in notebook 03), so it keeps more digits.
#
# An eigenvector's sign is arbitrary ($-u$ is as good as $u$). homeml, like scikit-learn, fixes
# it so that the entry of largest magnitude in each component is positive; we do the same.


# %%
def pca_svd(X, k):
    """Components (k, d), explained variances (k,), and the projected data (n, k)."""
    mean = X.mean(0)
    U, S, Vt = np.linalg.svd(X - mean, full_matrices=False)
    signs = np.sign(Vt[np.arange(len(Vt)), np.abs(Vt).argmax(1)])  # largest |entry| positive
    U, Vt = U * signs, Vt * signs[:, None]
    return Vt[:k], S[:k] ** 2 / (len(X) - 1), U[:, :k] * S[:k]


components, variances, projected = pca_svd(X2, 2)
model = PCA(2).fit(X2)
comparison = {
    "max |SVD variances - eigenvalues|": np.abs(variances - eigenvalues).max(),
    "max |components - components_|": np.abs(components - model.components_).max(),
    "max |variances - explained_variance_|": np.abs(variances - model.explained_variance_).max(),
    "max |projection - transform|": np.abs(projected - model.transform(X2)).max(),
}
if SkPCA is not None:
    reference = SkPCA(2).fit(X2)
    comparison["max |homeml - sklearn| (components)"] = np.abs(
        reference.components_ - model.components_
    ).max()
pd.Series(comparison)

# %% [markdown]
# Eigendecomposition and SVD give the same variances, and our components, variances and
# projections equal homeml's to $10^{-10}$ (scikit-learn's too).

# %%
assert all(value < 1e-10 for value in comparison.values()), comparison

# %% [markdown]
# ## A hundred numbers that are really three
#
# Each sample below is a curve sampled at 100 points: a random mix of three shapes (a sine, a
# cosine and a slope) plus noise. So the data has $d = 100$ features but only three directions
# of real variation. PCA should find three large variances and 97 small ones (the noise).

# %%
t = np.linspace(0, 1, 100)
shapes = np.stack([np.sin(2 * np.pi * t), np.cos(2 * np.pi * t), t - 0.5])  # (3, 100)
weights = rng.normal(0, [2.0, 1.5, 3.0], (N, 3))  # (n, 3)
NOISE = 0.3
curves = weights @ shapes + rng.normal(0, NOISE, (N, 100))  # (n, 100)

model = PCA().fit(curves)
ratio = model.explained_variance_ratio_
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
left.bar(np.arange(1, 11), ratio[:10])
left.plot(np.arange(1, 11), np.cumsum(ratio[:10]), "ko-", label="cumulative")
left.set(xlabel="component", ylabel="explained variance ratio", title="the scree plot")
left.legend()
for j in range(3):
    right.plot(t, model.components_[j], label=f"component {j + 1}")
right.set(xlabel="t", title="the first three directions, as curves")
right.legend()
plt.show()
pd.Series(ratio[:6], index=range(1, 7), name="explained variance ratio").round(4)

# %% [markdown]
# The first three components explain more than 95% of the variance; each one after explains
# less than 0.5%. The remaining 97 variances average the noise variance $0.3^2 = 0.09$ (within
# 5%): PCA measured the noise level without being told. They spread around it, because $n$ is
# not much larger than $d$: for pure noise, sample variances fall between
# $0.09\,(1 \pm \sqrt{d/n})^2$ (the Marchenko–Pastur law), and ours do, within 20%. The three
# directions are
# mixtures of the sine, cosine and slope, not the shapes themselves: PCA finds the subspace and
# orders it by variance, and any rotation of the shapes spans the same subspace.

# %%
assert ratio[:3].sum() > 0.95 and ratio[3:].max() < 0.005
noise_variances = model.explained_variance_[3:]
assert abs(noise_variances.mean() - NOISE**2) < 0.05 * NOISE**2
edge = np.sqrt(100 / N)
assert noise_variances.min() > 0.8 * NOISE**2 * (1 - edge) ** 2
assert noise_variances.max() < 1.2 * NOISE**2 * (1 + edge) ** 2
# the three components span the shapes' subspace: projecting the shapes onto it keeps them
basis = model.components_[:3]  # (3, 100), orthonormal rows
residual = shapes - (shapes @ basis.T) @ basis
assert np.linalg.norm(residual) / np.linalg.norm(shapes) < 0.05

# %% [markdown]
# ## Compression and denoising
#
# Keep $k$ components: each sample becomes $k$ numbers $z = (x - \bar x) V_k$, and comes back as
# $\hat x = \bar x + z V_k^\top$. The squared reconstruction error (summed over features,
# averaged over samples) is exactly the sum of
# the discarded variances (times $(n-1)/n$): PCA is the best rank-$k$ approximation of the data.
# With $k = 3$ the reconstruction drops most of the noise.

# %%
rows = []
for k in [1, 2, 3, 5, 20]:
    pca_k = PCA(k).fit(curves)
    restored = pca_k.inverse_transform(pca_k.transform(curves))  # (n, 100)
    rows.append(
        {
            "k": k,
            "mean squared error": np.mean(np.sum((curves - restored) ** 2, 1)),
            "discarded variance x (n-1)/n": model.explained_variance_[k:].sum() * (N - 1) / N,
        }
    )
compression = pd.DataFrame(rows).set_index("k")
compression

# %%
assert np.allclose(compression.iloc[:, 0], compression.iloc[:, 1], rtol=1e-8, atol=0)

pca3 = PCA(3).fit(curves)
denoised = pca3.inverse_transform(pca3.transform(curves))
clean = weights @ shapes  # (n, 100): the curves without their noise
errors = pd.Series(
    {
        "noisy vs clean": np.sqrt(np.mean((curves - clean) ** 2)),
        "denoised (k=3) vs clean": np.sqrt(np.mean((denoised - clean) ** 2)),
    },
    name="RMS error",
)
fig, ax = plt.subplots(figsize=(6, 3.3))
ax.plot(t, curves[0], ".", color="gray", label="noisy sample")
ax.plot(t, clean[0], "k--", label="clean curve")
ax.plot(t, denoised[0], label="3 principal components")
ax.legend(fontsize=8)
ax.set(title="denoising by projection")
plt.show()
errors

# %% [markdown]
# The reconstruction error equals the discarded variance to $10^{-8}$ for every $k$, and the
# 3-component reconstruction is more than 3 times closer to the clean curves than the noisy
# data is: the 97 dropped directions held mostly noise.

# %%
assert errors["noisy vs clean"] > 3 * errors["denoised (k=3) vs clean"]

# %% [markdown]
# In practice: standardise features measured in different units first (PCA chases variance,
# so a feature in millimetres would dominate one in metres). `homeml.learn` also has
# `IncrementalPCA` (data in batches), `KernelPCA` (curved structure, notebook 07's kernels) and
# `TSNE` (2-D maps that keep neighbours rather than variance).
#
# **Next:** notebook 11 trains a neural network on MNIST, from NumPy to `homeml.nn`.
