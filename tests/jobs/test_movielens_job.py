"""``homeml train movielens``, ``homeml recommend`` and ``homeml serve`` on a small synthetic
folder in MovieLens 100K's layout (the real data may not be redistributed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from homeml import recommend as hr
from homeml.cli import main
from homeml.datasets import make_ratings
from homeml.datasets.movielens import GENRES_100K
from homeml.jobs._movielens_model import Recommender
from homeml.jobs.movielens import train_movielens

N_USERS, N_ITEMS = 60, 50


@pytest.fixture(scope="module")
def movielens_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ml-100k")
    df = make_ratings(N_USERS, N_ITEMS, rank=3, density=0.25, noise=0.4, seed=0, integer=True)
    lines = [
        f"{u}\t{i}\t{int(r)}\t{880000000 + k}"
        for k, (u, i, r) in enumerate(zip(df.user_id, df.item_id, df.rating))
    ]
    (folder / "u.data").write_text("\n".join(lines) + "\n")
    flags = "|".join("0" for _ in GENRES_100K)
    (folder / "u.item").write_text(
        "".join(f"{i}|Movie {i} (1990)|01-Jan-1990||http://x|{flags}\n" for i in range(1, 51)),
        encoding="latin-1",
    )
    (folder / "u.user").write_text("".join(f"{u}|30|M|other|00000\n" for u in range(1, 61)))
    return folder


@pytest.fixture(scope="module")
def svd_run(movielens_folder, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "svd"
    train_movielens("svd", data_file=movielens_folder, out=out, folds=2, seed=0)
    return out


def _dataset(folder):
    from homeml.datasets.movielens import parse_movielens

    ratings = parse_movielens(folder).ratings[["user_id", "item_id", "rating"]]
    return hr.Dataset.load_from_df(ratings, hr.Reader(rating_scale=(1, 5)))


def test_the_run_folder_and_its_cross_validation(svd_run, movielens_folder):
    metrics = json.loads((svd_run / "metrics.json").read_text())
    assert len(metrics["folds"]) == 2 and metrics["n_users"] == N_USERS
    # the same folds and algorithm as Surprise's interface gives directly
    cv = hr.model_selection.cross_validate(
        hr.SVD(random_state=0), _dataset(movielens_folder), cv=hr.model_selection.KFold(2, 0)
    )
    np.testing.assert_allclose([f["rmse"] for f in metrics["folds"]], cv["test_rmse"])
    assert metrics["rmse"] == pytest.approx(np.mean(cv["test_rmse"]))
    assert [row["fraction"] for row in metrics["learning_curve"]] == [0.25, 0.5, 1.0]
    assert (svd_run / "report.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((svd_run / "run.json").read_text())["algo"] == "svd"


@pytest.mark.parametrize("algo", ["svd", "svdpp", "baseline", "knn-baseline"])
def test_saved_scores_are_the_algorithms_predictions(algo, movielens_folder, tmp_path, svd_run):
    out = svd_run if algo == "svd" else tmp_path / algo
    if algo != "svd":
        train_movielens(algo, data_file=movielens_folder, out=out, folds=2, seed=0, epochs=3)
    recommender = Recommender.load(out)
    fitted = {
        "svd": hr.SVD(random_state=0),
        "svdpp": hr.SVDpp(random_state=0, n_epochs=3),
        "baseline": hr.BaselineOnly(),
        "knn-baseline": hr.KNNBaseline(
            sim_options={"name": "pearson_baseline", "user_based": False}, verbose=False
        ),
    }[algo].fit(_dataset(movielens_folder).build_full_trainset())
    for user in (1, 7, 33):
        scores = recommender.scores(user)
        expected = [fitted.predict(user, int(i), clip=False).est for i in recommender.items]
        np.testing.assert_allclose(scores, expected, atol=1e-9)
    top = recommender.recommend(7, 5)
    rated = {i for (u, i, _, _) in _dataset(movielens_folder).raw_ratings if u == 7}
    assert len(top) == 5 and not rated & {row["item"] for row in top}
    assert [row["score"] for row in top] == sorted((row["score"] for row in top), reverse=True)


@pytest.mark.parametrize("algo", ["als", "bpr", "neumf"])
def test_implicit_algorithms_run_and_rank(algo, movielens_folder, tmp_path):
    metrics = train_movielens(algo, data_file=movielens_folder, out=tmp_path, folds=2, seed=0,
                              epochs=2)  # fmt: skip
    for key in ("precision", "recall", "map", "ndcg", "auc", "coverage"):
        assert 0 <= metrics[key] <= 1, key
    top = Recommender.load(tmp_path).recommend(3, 4)
    assert [row["title"] for row in top][0].startswith("Movie ")


def test_the_commands(svd_run, capsys):
    assert main(["recommend", str(svd_run), "--user", "7", "-n", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and "Movie" in lines[0] and lines[0].lstrip().startswith("1.")
    with pytest.raises(SystemExit) as exit_:
        main(["recommend", str(svd_run), "--user", "9999"])
    assert exit_.value.code == 1
    assert "unknown user 9999" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "mnist", "--algo", "svd"])
    assert "--algo, --size and --data-file are for" in capsys.readouterr().err


def test_command_line_training(movielens_folder, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "movielens", "--algo", "baseline", "--data-file", str(movielens_folder),
                 "--folds", "2", "--out", str(out)])  # fmt: skip
    assert code == 0 and (out / "model.safetensors").is_file()
    assert '"rmse"' in capsys.readouterr().out


def test_the_server_recommends_and_names_what_is_wrong(svd_run):
    pytest.importorskip("fastapi", reason="the server needs fastapi")
    from fastapi.testclient import TestClient

    from homeml.serve import create_app

    client = TestClient(create_app(svd_run))
    answer = client.post("/v1/recommend", json={"user": 7, "n": 3})
    assert answer.status_code == 200
    expected = Recommender.load(svd_run).recommend(7, 3)
    assert answer.json() == {"user": 7, "items": expected}
    unknown = client.post("/v1/recommend", json={"user": 9999, "n": 3})
    assert unknown.status_code == 422 and "unknown user 9999" in unknown.json()["detail"]
    for n in (0, 101):
        wrong = client.post("/v1/recommend", json={"user": 7, "n": n})
        assert wrong.status_code == 422 and f"n must be 1 to 100, got {n}" in wrong.json()["detail"]
    too_many = client.post("/v1/recommend", json={"user": 7, "n": 60})
    assert too_many.status_code == 422 and "items user 7 has not rated" in too_many.json()["detail"]
    assert client.post("/v1/recommend", json={"user": "x"}).status_code == 422
    assert client.get("/v1/model").json()["algo"] == "svd"


def test_the_1m_layout(tmp_path, movielens_folder):
    """``--size 1m --data-file`` reads ratings.dat/movies.dat/users.dat (``::``-separated)."""
    folder = tmp_path / "ml-1m"
    folder.mkdir()
    rows = [line.split("\t") for line in (movielens_folder / "u.data").read_text().splitlines()]
    (folder / "ratings.dat").write_text("".join("::".join(r) + "\n" for r in rows))
    (folder / "movies.dat").write_text(
        "".join(f"{i}::Film {i} (2000)::Drama\n" for i in range(1, N_ITEMS + 1))
    )
    (folder / "users.dat").write_text("".join(f"{u}::F::25::1::00000\n" for u in range(1, 61)))
    metrics = train_movielens("baseline", size="1m", data_file=tmp_path, out=tmp_path / "run",
                              folds=2)  # fmt: skip
    assert metrics["n_ratings"] == len(rows)
    assert Recommender.load(tmp_path / "run").recommend(2, 1)[0]["title"].startswith("Film ")
