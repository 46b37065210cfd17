"""MovieLens loader against a local 127.0.0.1 mirror serving a small made-up zip in GroupLens's
format (MovieLens's licence forbids shipping the real data), and the synthetic ratings."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from homeml.datasets import (
    ChecksumError,
    DatasetNotFoundError,
    load_movielens,
    make_ratings,
)
from homeml.datasets import movielens as movielens_module
from homeml.datasets.movielens import GENRES_100K, MovieLensRelease, parse_movielens

pd = pytest.importorskip("pandas", reason="MovieLens tables are pandas DataFrames")

RATINGS_100K = [(196, 242, 3, 881250949), (186, 302, 3, 891717742), (196, 51, 2, 881250950)]


def small_100k_zip() -> bytes:
    """Three ratings, two users, three items in ml-100k's layout (latin-1 title included)."""
    buffer = io.BytesIO()
    flags = "|".join("0" for _ in GENRES_100K)
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "ml-100k/u.data", "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in RATINGS_100K)
        )
        archive.writestr("ml-100k/u.user", "196|49|M|writer|55105\n186|39|F|executive|00000\n")
        items = [
            (242, "Kolya (1996)"),
            (302, "L.A. Confidential (1997)"),
            (51, "Légende (1994)"),
        ]
        text = "".join(f"{i}|{t}|24-Jan-1997||http://x|{flags}\n" for i, t in items)
        archive.writestr("ml-100k/u.item", text.encode("latin-1"))
    return buffer.getvalue()


def small_1m_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ml-1m/ratings.dat", "1::1193::5::978300760\n2::661::3::978302109\n")
        archive.writestr("ml-1m/users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n")
        archive.writestr(
            "ml-1m/movies.dat",
            "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n"
            "661::James and the Giant Peach (1996)::Animation|Children's|Musical\n",
        )
    return buffer.getvalue()


@pytest.fixture
def served(tmp_path, monkeypatch, serve_folder):
    """A 127.0.0.1 mirror with good/ml-100k.zip, bad/ml-100k.zip (one byte flipped) and
    good/ml-1m.zip; the release table points at their digests."""
    root = tmp_path / "mirror"
    for folder in ("good", "bad"):
        (root / folder).mkdir(parents=True)
    data = small_100k_zip()
    (root / "good" / "ml-100k.zip").write_bytes(data)
    broken = bytearray(data)
    broken[len(broken) // 2] ^= 0xFF
    (root / "bad" / "ml-100k.zip").write_bytes(bytes(broken))
    data_1m = small_1m_zip()
    (root / "good" / "ml-1m.zip").write_bytes(data_1m)
    table = {
        "100k": MovieLensRelease(
            "ml-100k.zip", hashlib.sha256(data).hexdigest(), "", len(data), "ml-100k"
        ),
        "1m": MovieLensRelease("ml-1m.zip", hashlib.sha256(data_1m).hexdigest(), "", None, "ml-1m"),
    }
    monkeypatch.setattr(movielens_module, "MOVIELENS_RELEASES", table)
    return serve_folder(root)


def test_downloads_checks_caches_and_parses(served, tmp_path, monkeypatch):
    monkeypatch.setenv("HOMEML_DATA", str(tmp_path / "data"))
    data = load_movielens("100k", mirrors=[served.url + "good/"], progress=False)
    assert served.requests == ["/good/ml-100k.zip"]
    folder = tmp_path / "data" / "movielens"
    assert sorted(p.name for p in folder.iterdir()) == ["ml-100k.zip"]  # no temporary file
    assert list(data.ratings.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert [tuple(row) for row in data.ratings.itertuples(index=False)] == RATINGS_100K
    assert data.titles[51] == "Légende (1994)"  # latin-1 decoded
    assert data.users.set_index("user_id").loc[196, "occupation"] == "writer"
    assert set(GENRES_100K) <= set(data.items.columns)
    load_movielens("100k", mirrors=[served.url + "good/"], progress=False)
    assert len(served.requests) == 1  # cached: no second request


def test_corrupted_download_is_refused_and_leaves_nothing(served, tmp_path, dead_url):
    with pytest.raises(ChecksumError, match="sha256 mismatch for ml-100k.zip"):
        load_movielens("100k", tmp_path, mirrors=[served.url + "bad/"], progress=False)
    assert not (tmp_path / "movielens").exists() or not any((tmp_path / "movielens").iterdir())
    # a dead mirror first, then a good one
    data = load_movielens(
        "100k", tmp_path, mirrors=[dead_url, served.url + "good/"], progress=False
    )
    assert len(data.ratings) == 3


def test_offline_message_says_what_to_put_where(tmp_path, dead_url):
    with pytest.raises(DatasetNotFoundError, match="ml-100k.zip") as err:
        load_movielens("100k", tmp_path, mirrors=[dead_url], progress=False)
    assert err.value.folder == tmp_path / "movielens"
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        load_movielens("1m", tmp_path, download=False)


def test_1m_layout(served, tmp_path):
    data = load_movielens("1m", tmp_path, mirrors=[served.url + "good/"], progress=False)
    assert data.ratings["rating"].tolist() == [5, 3]
    assert data.titles[661] == "James and the Giant Peach (1996)"
    assert data.items.set_index("item_id").loc[661, "genres"] == "Animation|Children's|Musical"


def test_bad_arguments_and_bad_files(tmp_path):
    with pytest.raises(ValueError, match=r"size must be one of \['100k', '1m'\], got '10m'"):
        load_movielens("10m", tmp_path)
    not_zip = tmp_path / "x.zip"
    not_zip.write_bytes(b"hello")
    with pytest.raises(ValueError, match="not a zip file or a folder"):
        parse_movielens(not_zip)
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("other.txt", "x")
    with pytest.raises(ValueError, match="no ml-100k/u.data in the zip"):
        parse_movielens(empty)


def test_make_ratings_has_the_noise_floor_it_says():
    frame = make_ratings(300, 200, rank=4, density=0.2, noise=0.5, seed=3)
    again = make_ratings(300, 200, rank=4, density=0.2, noise=0.5, seed=3)
    assert frame.equals(again)
    assert frame["user_id"].nunique() == 300 and frame["item_id"].nunique() == 200
    assert frame.duplicated(["user_id", "item_id"]).sum() == 0
    residual = frame["rating"] - frame["clean"]
    assert np.sqrt(np.mean(residual**2)) == pytest.approx(0.5, rel=0.03)
    assert frame.attrs["noise_floor"] == 0.5
    assert 0.15 < len(frame) / (300 * 200) < 0.25
    integer = make_ratings(50, 40, rank=2, density=0.3, noise=0.3, seed=0, integer=True)
    assert set(np.unique(integer["rating"])) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    with pytest.raises(ValueError, match="density must be in"):
        make_ratings(density=0)


def test_nothing_of_movielens_is_in_the_repository():
    """The licence forbids redistribution: no GroupLens file anywhere in the repository."""
    root = Path(__file__).resolve().parents[2]
    names = {"u.data", "u.item", "u.user", "ratings.dat", "movies.dat", "ml-100k.zip", "ml-1m.zip"}
    found = [
        p
        for p in root.rglob("*")
        if p.name in names and ".venv" not in p.parts and ".git" not in p.parts
    ]
    assert not found


def test_an_unpacked_folder_reads_like_the_zip(tmp_path):
    with zipfile.ZipFile(io.BytesIO(small_100k_zip())) as archive:
        archive.extractall(tmp_path)
    for folder in (tmp_path, tmp_path / "ml-100k"):  # the parent or the folder itself
        data = parse_movielens(folder)
        assert [tuple(row) for row in data.ratings.itertuples(index=False)] == RATINGS_100K
    with pytest.raises(ValueError, match="no ratings.dat in the folder"):
        parse_movielens(tmp_path, "1m")


def test_surprise_style_load_builtin_goes_through_the_loader(served, tmp_path):
    """``homeml.recommend.Dataset.load_builtin("ml-100k")`` reads the checked download, with
    string ids as Surprise reads them from u.data."""
    from homeml.recommend import Dataset

    data = Dataset.load_builtin(
        "ml-100k", data_dir=tmp_path, mirrors=[served.url + "good/"], progress=False
    )
    assert data.raw_ratings[0] == ("196", "242", 3.0, "881250949")
    assert data.reader.rating_scale == (1, 5)
    with pytest.raises(ValueError, match="unknown built-in dataset 'ml-20m'"):
        Dataset.load_builtin("ml-20m")
