"""NeuMF against the same network written in PyTorch (same weights: same logits, same loss
gradients, same Adam step), negative sampling, training quality and saving."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import homeml as hm
from homeml.models import NeuMF, NeuMFRecommender, fit_neumf, sample_negatives
from homeml.recommend import implicit as hi

torch = pytest.importorskip("torch", reason="PyTorch is the reference")


def affinity_matrix(n_users=300, n_items=200, rank=4, per_user=15, seed=0):
    """Each user's items drawn by a softmax of a low-rank affinity: a learnable signal."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n_users, rank)) @ rng.normal(size=(rank, n_items)) * 1.5
    rows, cols = [], []
    for u in range(n_users):
        p = np.exp(scores[u] - scores[u].max())
        rows += [u] * per_user
        cols += rng.choice(n_items, size=per_user, replace=False, p=p / p.sum()).tolist()
    counts = rng.integers(1, 4, len(rows)).astype(np.float64)
    return sp.csr_matrix((counts, (rows, cols)), shape=(n_users, n_items))


class TorchNeuMF(torch.nn.Module):
    def __init__(self, n_users, n_items, factors, layers):
        super().__init__()
        self.user_gmf = torch.nn.Embedding(n_users, factors)
        self.item_gmf = torch.nn.Embedding(n_items, factors)
        self.user_mlp = torch.nn.Embedding(n_users, layers[0] // 2)
        self.item_mlp = torch.nn.Embedding(n_items, layers[0] // 2)
        tower = []
        for a, b in zip(layers[:-1], layers[1:]):
            tower += [torch.nn.Linear(a, b), torch.nn.ReLU()]
        self.mlp = torch.nn.Sequential(*tower)
        self.predict = torch.nn.Linear(factors + layers[-1], 1)

    def forward(self, users, items):
        gmf = self.user_gmf(users) * self.item_gmf(items)
        mlp = self.mlp(torch.cat([self.user_mlp(users), self.item_mlp(items)], dim=1))
        return self.predict(torch.cat([gmf, mlp], dim=1)).reshape(-1)


def test_same_logits_gradients_and_step_as_torch():
    hm.manual_seed(0)
    ours = NeuMF(7, 9, factors=4, layers=(8, 6, 3))
    theirs = TorchNeuMF(7, 9, 4, (8, 6, 3)).double()
    ours_params = dict(ours.named_parameters())
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            value = ours_params[name].numpy().astype(np.float64)
            p.copy_(torch.from_numpy(value))
    ours.to(hm.float64)
    users, items = np.array([0, 3, 6, 3, 1]), np.array([8, 2, 0, 2, 5])
    labels = np.array([1.0, 0.0, 1.0, 0.0, 0.0])
    optimizer = hm.optim.Adam(ours.parameters(), lr=0.01)
    t_optimizer = torch.optim.Adam(theirs.parameters(), lr=0.01)
    for _ in range(2):
        logits = ours(hm.tensor(users), hm.tensor(items))
        t_logits = theirs(torch.from_numpy(users), torch.from_numpy(items))
        np.testing.assert_allclose(logits.numpy(), t_logits.detach().numpy(), atol=1e-12)
        loss = hm.nn.functional.binary_cross_entropy_with_logits(logits, hm.tensor(labels))
        t_loss = torch.nn.functional.binary_cross_entropy_with_logits(
            t_logits, torch.from_numpy(labels)
        )
        optimizer.zero_grad()
        loss.backward()
        t_optimizer.zero_grad()
        t_loss.backward()
        for name, p in theirs.named_parameters():
            np.testing.assert_allclose(ours_params[name].grad.numpy(), p.grad.numpy(), atol=1e-12)
        optimizer.step()
        t_optimizer.step()


def test_negative_samples_are_never_positives():
    X = affinity_matrix(40, 30, per_user=8)
    users, items, labels = sample_negatives(X, 4, np.random.default_rng(0))
    assert labels.sum() == X.nnz and len(labels) == 5 * X.nnz
    liked = X.astype(bool).toarray()
    assert liked[users[labels == 1], items[labels == 1]].all()
    assert not liked[users[labels == 0], items[labels == 0]].any()
    full = sp.csr_matrix(np.ones((2, 3)))
    with pytest.raises(ValueError, match="every item"):
        sample_negatives(full, 1, np.random.default_rng(0))


def test_training_learns_the_ranking_and_saves(tmp_path):
    X = affinity_matrix()
    train, test = hi.evaluation.train_test_split(X, 0.8, random_state=0)
    hm.manual_seed(0)
    model = NeuMF(X.shape[0], X.shape[1], factors=8, layers=(32, 16, 8))
    history = fit_neumf(model, train, epochs=6, lr=3e-3)
    assert history[-1] < history[0]
    recommender = NeuMFRecommender(model)
    metrics = hi.evaluation.ranking_metrics_at_k(recommender, train, test, K=10)
    assert metrics["precision"] > 0.2  # chance: about 0.05
    ids, _ = recommender.recommend(3, train[3], N=10)
    assert set(ids).isdisjoint(train[3].indices) and len(set(ids)) == 10
    hm.save(model, tmp_path / "neumf.safetensors")
    again = hm.load(tmp_path / "neumf.safetensors")
    np.testing.assert_allclose(NeuMFRecommender(again).scores(3), recommender.scores(3))
