"""``homeml train movielens --algo ALGO``: cross-validated recommenders on MovieLens.

Data: ``--size 100k|1m`` loads GroupLens's zip through :func:`homeml.datasets.load_movielens`
(downloaded into ``$HOMEML_DATA/movielens/`` when missing); ``--data-file`` reads a MovieLens
zip or unpacked folder in the same layout instead.

- explicit ratings (``svd``, ``svdpp``, ``knn-baseline``, ``baseline``): Surprise-style
  algorithms of :mod:`homeml.recommend`, RMSE and MAE on ``folds`` folds of the ratings;
- implicit feedback (``als``, ``bpr``, ``neumf``): every rating is an interaction (ALS weighs it
  by the rating); precision, recall, MAP, NDCG, AUC at 10 and coverage on the same folds.

The run folder gets ``metrics.json`` (per fold and mean), ``run.json`` (the settings),
``report.png`` (per-fold metrics, a learning curve on fold 1, the rating distribution) and
``model.safetensors`` (fitted on every rating; see :mod:`homeml.jobs._movielens_model`), which
``homeml recommend RUN --user ID`` and ``homeml serve RUN`` use.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from homeml.jobs._movielens_model import (
    KIND,
    Recommender,
    bundle_from_explicit,
    bundle_from_implicit,
)

__all__ = ["ALGORITHMS", "EXPLICIT", "load_ratings", "recommend", "train_movielens"]

EXPLICIT = ("svd", "svdpp", "knn-baseline", "baseline")
IMPLICIT = ("als", "bpr", "neumf")
ALGORITHMS = EXPLICIT + IMPLICIT
FRACTIONS = (0.25, 0.5, 1.0)  # of fold 1's training ratings, for the learning curve
K = 10  # the cut-off of the ranking metrics


def load_ratings(size: str = "100k", data_file=None, data_dir=None, progress: bool = True):
    """The :class:`homeml.datasets.MovieLens` of ``size``, or of the zip/folder ``data_file``."""
    from homeml.datasets.movielens import load_movielens, parse_movielens

    if data_file is not None:
        return parse_movielens(Path(data_file), size)
    return load_movielens(size, data_dir, progress=progress)


def _explicit_algo(name: str, seed: int, epochs: int | None):
    from homeml import recommend as hr

    if name == "svd":
        return hr.SVD(random_state=seed, **({"n_epochs": epochs} if epochs else {}))
    if name == "svdpp":
        return hr.SVDpp(random_state=seed, **({"n_epochs": epochs} if epochs else {}))
    if name == "baseline":
        return hr.BaselineOnly()
    return hr.KNNBaseline(sim_options={"name": "pearson_baseline", "user_based": False},
                          verbose=False)  # fmt: skip


def _implicit_fit(name: str, user_items, seed: int, epochs: int | None):
    if name == "als":
        from homeml.recommend.implicit import AlternatingLeastSquares

        model = AlternatingLeastSquares(factors=64, regularization=0.05, iterations=epochs or 15,
                                        dtype=np.float64, random_state=seed)  # fmt: skip
        return model.fit(user_items)
    if name == "bpr":
        from homeml.recommend.implicit import BayesianPersonalizedRanking

        bpr = BayesianPersonalizedRanking(factors=64, iterations=epochs or 100,
                                          learning_rate=0.05, random_state=seed)  # fmt: skip
        return bpr.fit(user_items)
    import homeml as hm
    from homeml.models.recommend import NeuMF, NeuMFRecommender, fit_neumf

    hm.manual_seed(seed)
    network = NeuMF(user_items.shape[0], user_items.shape[1], factors=16, layers=(64, 32, 16))
    fit_neumf(network, (user_items > 0).astype(np.float32), epochs=epochs or 10, lr=2e-3,
              seed=seed)  # fmt: skip
    return NeuMFRecommender(network)


def _explicit(name, frame, folds, seed, epochs, titles):
    from homeml import recommend as hr

    data = hr.Dataset.load_from_df(frame[["user_id", "item_id", "rating"]],
                                   hr.Reader(rating_scale=(1, 5)))  # fmt: skip
    per_fold, predicted, curve = [], None, []
    for f, (train, test) in enumerate(hr.model_selection.KFold(folds, random_state=seed)
                                      .split(data)):  # fmt: skip
        algo = _explicit_algo(name, seed, epochs)
        start = time.perf_counter()
        algo.fit(train)
        fit_time = time.perf_counter() - start
        predictions = algo.test(test)
        per_fold.append({"rmse": hr.accuracy.rmse(predictions, verbose=False),
                         "mae": hr.accuracy.mae(predictions, verbose=False),
                         "fit_seconds": round(fit_time, 3)})  # fmt: skip
        if f == 0:
            predicted = [p.est for p in predictions]
            raw = [(train.to_raw_uid(u), train.to_raw_iid(i), r, None)
                   for u, i, r in train.all_ratings()]  # fmt: skip
            order = np.random.default_rng(seed).permutation(len(raw))
            for fraction in FRACTIONS:
                part = data.construct_trainset([raw[k] for k in order[: int(fraction * len(raw))]])
                model = _explicit_algo(name, seed, epochs).fit(part)
                curve.append({"fraction": fraction, "metric": "RMSE",
                              "train": hr.accuracy.rmse(model.test(part.build_testset()), False),
                              "test": hr.accuracy.rmse(model.test(test), False)})  # fmt: skip
    final = _explicit_algo(name, seed, epochs).fit(data.build_full_trainset())
    return per_fold, predicted, curve, bundle_from_explicit(final, name, titles)


def _matrix(rows, cols, values, shape):
    import scipy.sparse as sp

    return sp.csr_matrix((values, (rows, cols)), shape=shape)


def _implicit(name, frame, folds, seed, epochs, titles):
    from homeml.recommend.implicit.evaluation import ranking_metrics_at_k

    user_ids, users = np.unique(frame["user_id"].to_numpy(), return_inverse=True)
    item_ids, items = np.unique(frame["item_id"].to_numpy(), return_inverse=True)
    values = frame["rating"].to_numpy(dtype=np.float64)
    shape = (len(user_ids), len(item_ids))
    rng = np.random.default_rng(seed)
    fold_of = rng.permutation(len(values)) % folds
    per_fold, curve = [], []
    for f in range(folds):
        train, test = fold_of != f, fold_of == f
        train_m = _matrix(users[train], items[train], values[train], shape)
        test_m = _matrix(users[test], items[test], values[test], shape)
        start = time.perf_counter()
        model = _implicit_fit(name, train_m, seed, epochs)
        fit_time = time.perf_counter() - start
        metrics = ranking_metrics_at_k(model, train_m, test_m, K=K)
        per_fold.append({**{k: float(v) for k, v in metrics.items()},
                         "fit_seconds": round(fit_time, 3)})  # fmt: skip
        if f == 0:
            index = np.flatnonzero(train)
            order = rng.permutation(index)
            for fraction in FRACTIONS:
                keep = np.sort(order[: int(fraction * len(order))])
                part = _matrix(users[keep], items[keep], values[keep], shape)
                model = _implicit_fit(name, part, seed, epochs)
                curve.append({
                    "fraction": fraction,
                    "metric": f"precision@{K}",
                    "train": _train_precision(model, part),
                    "test": ranking_metrics_at_k(model, part, test_m, K=K)["precision"],
                })  # fmt: skip
    full = _matrix(users, items, values, shape)
    model = _implicit_fit(name, full, seed, epochs)
    network = getattr(model, "model", model)
    return per_fold, None, curve, bundle_from_implicit(network, name, user_ids, item_ids, full,
                                                       titles)  # fmt: skip


def _train_precision(model, user_items) -> float:
    """Precision@K of a model against its own training interactions (nothing filtered)."""
    users = np.flatnonzero(np.diff(user_items.indptr))
    ids, _ = model.recommend(users, user_items[users], N=K, filter_already_liked_items=False)
    hits = sum(len(set(ids[k].tolist()) & set(user_items[u].indices.tolist()))
               for k, u in enumerate(users))  # fmt: skip
    possible = sum(min(K, user_items[u].nnz) for u in users)
    return hits / possible


def train_movielens(algo: str = "svd", size: str = "100k", data_file=None, data_dir=None,
                    out="runs/movielens-svd", folds: int = 5, seed: int = 0,
                    epochs: int | None = None, progress: bool = True) -> dict:  # fmt: skip
    """Cross-validate ``algo`` on MovieLens, fit it on every rating and write the run folder.

    Returns
    -------
    dict
        The metrics: ``folds`` (one dict per fold), the means (``rmse``/``mae`` or
        ``precision``, ``recall``, ``map``, ``ndcg``, ``auc``, ``coverage``), ``n_ratings``,
        ``n_users``, ``n_items`` and the run folder.
    """
    from homeml.io import atomic_write, save
    from homeml.plot._recommend import plot_recommender_report

    if algo not in ALGORITHMS:
        raise ValueError(f"--algo must be one of {', '.join(ALGORITHMS)}, got {algo!r}")
    if not 2 <= folds <= 20:
        raise ValueError(f"folds must be 2 to 20, got {folds}")
    data = load_ratings(size, data_file, data_dir, progress)
    frame = data.ratings
    titles = dict(zip(data.items["item_id"].tolist(), data.items["title"].tolist()))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    run = _explicit if algo in EXPLICIT else _implicit
    per_fold, predicted, curve, bundle = run(algo, frame, folds, seed, epochs, titles)
    names = [k for k in per_fold[0] if k != "fit_seconds"]
    metrics = {
        "algo": algo,
        "size": size if data_file is None else None,
        "data_file": str(data_file) if data_file is not None else None,
        "n_ratings": len(frame),
        "n_users": int(frame["user_id"].nunique()),
        "n_items": int(frame["item_id"].nunique()),
        **{k: float(np.mean([fold[k] for fold in per_fold])) for k in names},
        "folds": per_fold,
        "learning_curve": curve,
    }
    settings = {"algo": algo, "size": size, "data_file": metrics["data_file"], "folds": folds,
                "seed": seed, "epochs": epochs}  # fmt: skip
    atomic_write(out / "run.json", [json.dumps(settings, indent=2).encode()])
    atomic_write(out / "metrics.json", [json.dumps(metrics, indent=2).encode()])
    meta = {"kind": KIND, "algo": algo, **{k: metrics[k] for k in names}}
    save(bundle, out / "model.safetensors", metadata=meta)
    title = f"MovieLens {size if data_file is None else Path(data_file).name} · {algo}"
    plot_recommender_report([{k: f[k] for k in names} for f in per_fold], curve,
                            frame["rating"].to_numpy(), out / "report.png", predicted=predicted,
                            title=title)  # fmt: skip
    return {**metrics, "out": str(out)}


def recommend(run_dir, user, n: int = 10) -> list[dict]:
    """Top-``n`` items for raw user id ``user`` from a run folder: ``[{"item", "title",
    "score"}, ...]``.
    """
    recommender = Recommender.load(run_dir)
    if not recommender.knows(user):
        raise ValueError(f"unknown user {user}: not among the {len(recommender.users)} users "
                         "of the run's ratings")  # fmt: skip
    return recommender.recommend(user, n)
