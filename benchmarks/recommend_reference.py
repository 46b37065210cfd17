"""homeml.recommend against scikit-surprise and implicit on the same folds, in one process.

Explicit ratings: SVD, SVD++, KNNBaseline (item-based, pearson_baseline), BaselineOnly: RMSE and
MAE of homeml and Surprise on the same KFold folds (same seed: same folds), and the ratio of fit
times (and of fit + test for KNNBaseline). Implicit feedback: ALS and BPR of homeml and implicit
on the same train/test split of the same interactions: precision@10 and NDCG@10 by the same
evaluation code, and the fit-time ratio (implicit with ``--implicit-threads`` threads).

Data: MovieLens 100K when ``$HOMEML_DATA/movielens/ml-100k.zip`` is there, else
``make_ratings`` data of ml-100k's size (943 users, 1,682 items, 100,000 integer ratings).

    python benchmarks/recommend_reference.py [--algos svd,svdpp,knn,baseline,als,bpr]
        [--folds 3] [--implicit-threads 1]

Ratios below 1 mean homeml is faster. The machine is shared: read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import time

# implicit asks for a single-threaded BLAS (its solvers make many tiny BLAS calls); set before
# NumPy loads OpenBLAS. homeml's ALS holds BLAS to one thread itself (threadpoolctl).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402


def ratings_frame():
    from homeml.datasets import data_dir, make_ratings
    from homeml.datasets.movielens import parse_movielens

    zip_path = data_dir() / "movielens" / "ml-100k.zip"
    if zip_path.is_file():
        return parse_movielens(zip_path).ratings[["user_id", "item_id", "rating"]], "ml-100k"
    frame = make_ratings(943, 1682, rank=10, density=100_000 / (943 * 1682), noise=0.8, seed=0,
                         integer=True)  # fmt: skip
    return frame[["user_id", "item_id", "rating"]], "make_ratings (943 x 1682, ~100k ratings)"


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def explicit(frame, algos, folds):
    import surprise

    from homeml import recommend as hr

    s_data = surprise.Dataset.load_from_df(frame, surprise.Reader(rating_scale=(1, 5)))
    h_data = hr.Dataset.load_from_df(frame, hr.Reader(rating_scale=(1, 5)))
    knn = {"sim_options": {"name": "pearson_baseline", "user_based": False}, "verbose": False}
    table = {
        "svd": ("SVD", {"random_state": 0}),
        "svdpp": ("SVDpp", {"random_state": 0}),
        "knn": ("KNNBaseline", knn),
        "baseline": ("BaselineOnly", {"verbose": False}),
    }
    # warm the compiled loops once (Numba caches them on disk after the first run)
    warm = hr.Dataset.load_from_df(frame.head(2000), hr.Reader()).build_full_trainset()
    for name in algos:
        if name in table:
            cls, params = table[name]
            getattr(hr, cls)(**{**params, **({"n_epochs": 1} if "SVD" in cls else {})}).fit(warm)
    for name in algos:
        if name not in table:
            continue
        cls, params = table[name]
        rows = []
        s_folds = surprise.model_selection.KFold(folds, random_state=0).split(s_data)
        h_folds = hr.model_selection.KFold(folds, random_state=0).split(h_data)
        for (s_train, s_test), (h_train, h_test) in zip(s_folds, h_folds):
            assert s_test == h_test
            s_algo, s_fit = timed(lambda: getattr(surprise, cls)(**params).fit(s_train))  # noqa: B023
            s_pred, s_test_t = timed(lambda: s_algo.test(s_test))  # noqa: B023
            h_algo, h_fit = timed(lambda: getattr(hr, cls)(**params).fit(h_train))  # noqa: B023
            h_pred, h_test_t = timed(lambda: h_algo.test(h_test))  # noqa: B023
            rows.append((hr.accuracy.rmse(h_pred, False), surprise.accuracy.rmse(s_pred, False),
                         hr.accuracy.mae(h_pred, False), surprise.accuracy.mae(s_pred, False),
                         h_fit, s_fit, h_test_t, s_test_t))  # fmt: skip
        r = np.array(rows)
        print(f"{cls:13s} RMSE homeml {r[:, 0].mean():.4f} surprise {r[:, 1].mean():.4f} "
              f"(max fold diff {np.abs(r[:, 0] - r[:, 1]).max():.1e})  MAE {r[:, 2].mean():.4f} "
              f"{r[:, 3].mean():.4f}  fit {r[:, 4].sum():.2f}s vs {r[:, 5].sum():.2f}s "
              f"ratio {r[:, 4].sum() / r[:, 5].sum():.2f}  fit+test ratio "
              f"{(r[:, 4] + r[:, 6]).sum() / (r[:, 5] + r[:, 7]).sum():.2f}",
              flush=True)  # fmt: skip


def implicit_part(frame, algos, threads):
    import implicit
    import implicit.evaluation as ie

    from homeml.recommend import implicit as hi

    users = frame["user_id"].to_numpy() - frame["user_id"].min()
    items = frame["item_id"].to_numpy() - frame["item_id"].min()
    X = sp.csr_matrix((frame["rating"].to_numpy(dtype=np.float64), (users, items)))
    train, test = hi.evaluation.train_test_split(X, 0.8, random_state=0)
    cases = {
        "als": (lambda: implicit.als.AlternatingLeastSquares(factors=64, iterations=15,
                                                             random_state=0, num_threads=threads),
                lambda: hi.AlternatingLeastSquares(factors=64, iterations=15, random_state=0)),
        "bpr": (lambda: implicit.bpr.BayesianPersonalizedRanking(factors=64, iterations=100,
                                                                 random_state=0,
                                                                 num_threads=threads),
                lambda: hi.BayesianPersonalizedRanking(factors=64, iterations=100,
                                                       random_state=0)),
    }  # fmt: skip
    small = train[:50]
    for name in algos:
        if name not in cases:
            continue
        make_theirs, make_ours = cases[name]
        make_ours().set_params(iterations=1).fit(small)  # compile once
        theirs = make_theirs()
        _, their_fit = timed(lambda: theirs.fit(train, show_progress=False))  # noqa: B023
        ours = make_ours()
        _, our_fit = timed(lambda: ours.fit(train))  # noqa: B023
        a = hi.evaluation.ranking_metrics_at_k(ours, train, test, K=10)
        b = ie.ranking_metrics_at_k(theirs, train, test, K=10, show_progress=False)
        print(f"{name.upper():13s} precision@10 homeml {a['precision']:.4f} implicit "
              f"{b['precision']:.4f}  ndcg@10 {a['ndcg']:.4f} {b['ndcg']:.4f}  fit "
              f"{our_fit:.2f}s vs {their_fit:.2f}s ratio {our_fit / their_fit:.2f}",
              flush=True)  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--algos", default="svd,svdpp,knn,baseline,als,bpr")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--implicit-threads", type=int, default=1)
    args = parser.parse_args()
    algos = args.algos.split(",")
    frame, source = ratings_frame()
    print(f"data: {source}; {len(frame)} ratings; {args.folds} folds; cores: {os.cpu_count()}")
    explicit(frame, algos, args.folds)
    implicit_part(frame, algos, args.implicit_threads)


if __name__ == "__main__":
    main()
