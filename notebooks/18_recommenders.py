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
# # 18 · Recommenders: matrix factorization by stochastic gradient descent
#
# A recommender predicts how much user $u$ will like item $i$ from the ratings everyone has
# given so far: a huge user × item matrix with most entries missing. The model that won the
# Netflix Prize era (Funk's "SVD", Koren et al.) explains a rating as a global mean, how
# generous the user is, how good the item is, and how well the user's tastes match the item's
# traits:
#
# $$\hat r_{ui} = \mu + b_u + b_i + q_i^\top p_u,$$
#
# with $p_u, q_i \in \mathbb{R}^k$ learned, $k$ small. Training minimises the squared error on
# the known ratings plus an L2 penalty $\lambda (b_u^2 + b_i^2 + \lVert p_u\rVert^2 + \lVert
# q_i\rVert^2)$, by SGD over the ratings one at a time. We write it by hand, check it against
# `homeml.recommend.SVD` (Surprise's interface) and Surprise itself, then compare it with the
# simpler baselines on ratings whose best achievable error we know.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from homeml.datasets import make_ratings
from homeml.recommend import (
    SVD,
    BaselineOnly,
    Dataset,
    KNNBaseline,
    NormalPredictor,
    Reader,
    accuracy,
)
from homeml.recommend.model_selection import KFold, cross_validate, train_test_split

try:
    import surprise
except ImportError:
    surprise = None
    print("scikit-surprise is not installed: comparing with homeml only")

FULL = False  # True: a larger matrix and more factors (the conclusions are the same)
N_USERS, N_ITEMS = (600, 400) if FULL else (200, 150)
NOISE = 0.3  # the ratings' noise: no model can beat this RMSE on average
ratings = make_ratings(N_USERS, N_ITEMS, rank=5, density=0.15, noise=NOISE, seed=0)
print(f"{len(ratings)} ratings of {N_USERS} users on {N_ITEMS} items")
ratings.head()

# %% [markdown]
# ## SGD by hand
#
# For one known rating $r_{ui}$ the error is $e = r_{ui} - \hat r_{ui}$, and the gradient step on
# each parameter follows from $\partial e^2 / \partial b_u = -2e$ and $\partial e^2 / \partial
# p_u = -2e\,q_i$ (the 2 folded into the learning rate $\gamma$):
#
# $$b_u \leftarrow b_u + \gamma (e - \lambda b_u), \quad
#   p_u \leftarrow p_u + \gamma (e\,q_i - \lambda p_u), \quad
#   q_i \leftarrow q_i + \gamma (e\,p_u - \lambda q_i),$$
#
# and the same for $b_i$; $p_u$ and $q_i$ both use the *old* value of the other. The biases start
# at 0, the factors at small random numbers (all zero would be a saddle point: every factor would
# get the same update forever).

# %%
reader = Reader(rating_scale=(ratings.rating.min(), ratings.rating.max()))
data = Dataset.load_from_df(ratings[["user_id", "item_id", "rating"]], reader)
trainset, testset = train_test_split(data, test_size=0.25, random_state=0)
K, EPOCHS, LR, REG, SEED = (50, 30, 0.005, 0.02, 0) if FULL else (20, 20, 0.005, 0.02, 0)


def fit_by_hand(trainset):
    mu = trainset.global_mean
    rng = np.random.RandomState(SEED)  # the factors' start, drawn as homeml and Surprise do
    p = rng.normal(0, 0.1, (trainset.n_users, K))
    q = rng.normal(0, 0.1, (trainset.n_items, K))
    bu, bi = np.zeros(trainset.n_users), np.zeros(trainset.n_items)
    losses = []
    for _ in range(EPOCHS):
        total = 0.0
        for u, i, r in trainset.all_ratings():  # inner ids, user by user
            e = r - (mu + bu[u] + bi[i] + q[i] @ p[u])
            total += e * e
            bu[u] += LR * (e - REG * bu[u])
            bi[i] += LR * (e - REG * bi[i])
            p_old = p[u].copy()
            p[u] += LR * (e * q[i] - REG * p[u])
            q[i] += LR * (e * p_old - REG * q[i])
        losses.append(np.sqrt(total / trainset.n_ratings))
    return mu, bu, bi, p, q, losses


mu, bu, bi, p, q, losses = fit_by_hand(trainset)


def inner_id(raw, to_inner):
    """The trainset's index of a raw id, or -1 for a user or item it has never seen."""
    try:
        return to_inner(raw)
    except ValueError:
        return -1


def predict_by_hand(uid, iid):
    """The prediction, clipped to the rating scale; an unknown user or item adds nothing."""
    u, i = inner_id(uid, trainset.to_inner_uid), inner_id(iid, trainset.to_inner_iid)
    est = mu + (bu[u] if u >= 0 else 0) + (bi[i] if i >= 0 else 0)
    if u >= 0 and i >= 0:
        est += q[i] @ p[u]
    return float(np.clip(est, *reader.rating_scale))


ours = np.array([predict_by_hand(uid, iid) for uid, iid, _ in testset])
truth = np.array([r for _, _, r in testset])
rmse_by_hand = np.sqrt(np.mean((ours - truth) ** 2))
print(f"by hand: test RMSE {rmse_by_hand:.4f} (noise floor {NOISE})")

# %% [markdown]
# `homeml.recommend.SVD` runs the same loop (compiled with Numba), from the same random start:

# %%
algo = SVD(n_factors=K, n_epochs=EPOCHS, lr_all=LR, reg_all=REG, random_state=SEED)
predictions = algo.fit(trainset).test(testset)
theirs = np.array([pred.est for pred in predictions])
assert np.allclose(ours, theirs, rtol=0, atol=1e-9)
rmse_homeml = accuracy.rmse(predictions, verbose=False)
print(f"homeml.recommend.SVD: test RMSE {rmse_homeml:.4f}, predictions equal to 1e-9")

if surprise is not None:
    s_data = surprise.Dataset.load_from_df(
        ratings[["user_id", "item_id", "rating"]], surprise.Reader(rating_scale=reader.rating_scale)
    )
    s_train, s_test = surprise.model_selection.train_test_split(
        s_data, test_size=0.25, random_state=0
    )
    s_algo = surprise.SVD(n_factors=K, n_epochs=EPOCHS, lr_all=LR, reg_all=REG, random_state=SEED)
    s_est = np.array([pred.est for pred in s_algo.fit(s_train).test(s_test)])
    assert np.allclose(s_est, theirs, rtol=0, atol=1e-9)
    print("Surprise's SVD on the same split: the same predictions to 1e-9")

plt.plot(range(1, EPOCHS + 1), losses, marker="o", label="training RMSE (during the epoch)")
plt.axhline(NOISE, color="gray", linestyle="--", label="noise floor")
plt.axhline(rmse_by_hand, color="C1", label="test RMSE after training")
plt.xlabel("epoch")
plt.ylabel("RMSE")
plt.legend()
plt.show()

# %% [markdown]
# ## How much do the factors add?
#
# The data's noise is known, so we know the best possible RMSE: 0.3. Five-fold cross-validation
# of four models, from the most naive up: random ratings from the ratings' distribution
# (`NormalPredictor`), biases only (`BaselineOnly`: $\mu + b_u + b_i$), the biases plus a
# neighbourhood of similar items (`KNNBaseline`), and the factor model.

# %%
folds = KFold(n_splits=5, random_state=0, shuffle=True)
models = {
    "NormalPredictor": NormalPredictor(),
    "BaselineOnly": BaselineOnly(verbose=False),
    "KNNBaseline (items)": KNNBaseline(sim_options={"user_based": False}, verbose=False),
    "SVD": SVD(n_factors=K, n_epochs=EPOCHS, random_state=SEED),
}
rows = {}
for name, model in models.items():
    scores = cross_validate(model, data, measures=["rmse", "mae"], cv=folds)
    rows[name] = {"RMSE": scores["test_rmse"].mean(), "MAE": scores["test_mae"].mean()}
table = pd.DataFrame(rows).T
table

# %%
rmse = table["RMSE"]
assert rmse["NormalPredictor"] > rmse["BaselineOnly"] > rmse["SVD"] > NOISE
assert rmse["KNNBaseline (items)"] < rmse["BaselineOnly"]

# %% [markdown]
# Each step down the table explains more of what the ratings share (the asserts above check the
# order): the biases beat random guesses, and the factors, or a neighbourhood of similar items,
# beat the biases alone, but nothing gets below the noise floor of 0.3. On MovieLens (`homeml train
# movielens`, which downloads the data on your machine) the same table is Surprise's published
# benchmark: SVD about 0.934 RMSE on ml-100k.
