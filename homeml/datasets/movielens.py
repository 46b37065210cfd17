"""MovieLens ratings (GroupLens): checked download, cache and parsing, and synthetic ratings.

:func:`load_movielens` returns the ratings, users and items (with their titles) of MovieLens
100K or 1M as pandas DataFrames. The zip published by GroupLens is looked for in
``<data dir>/movielens/`` (``$HOMEML_DATA``, or ``~/.cache/homeml``); when it is missing it is
downloaded from ``files.grouplens.org`` on the user's machine, checked against the sha256 in
:data:`MOVIELENS_RELEASES` and renamed into place only then (see :mod:`homeml.datasets._download`).
It is read straight from the zip: nothing is extracted.

MovieLens's licence forbids redistributing the data: homeml ships none of it (not even in its
tests, which serve a small zip of made-up ratings in the same format from 127.0.0.1).

The sha256 digests below were not computed here (this code was written on a machine without
access to GroupLens): they are the ones several independent projects record for these zips,
next to the md5 GroupLens publishes (``0e33842e...`` for 100K, ``c4d9eecf...`` for 1M, kept in
the table as well), and 100K's size of 4,924,029 bytes. They sit in one explicit table,
:data:`MOVIELENS_RELEASES`, so that a user who checks them differently can replace an entry.

:func:`make_ratings` draws synthetic low-rank ratings with a known noise floor, for tests and
benchmarks that must run without the real data.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from homeml.datasets._download import fetch

__all__ = [
    "MOVIELENS_RELEASES",
    "MovieLens",
    "MovieLensRelease",
    "load_movielens",
    "make_ratings",
    "parse_movielens",
]

GENRES_100K = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance",
    "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip


RATING_COLUMNS = ["user_id", "item_id", "rating", "timestamp"]


@dataclass(frozen=True)
class MovieLensRelease:
    """Where one MovieLens release is and what its zip must be."""

    filename: str  # the zip's name in <data dir>/movielens/ and on the mirrors
    sha256: str
    md5: str  # GroupLens's published checksum, for reference
    size: int | None  # bytes, when known
    folder: str  # the folder inside the zip


MOVIELENS_RELEASES = {
    "100k": MovieLensRelease(
        "ml-100k.zip",
        "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
        "0e33842e24a9c977be4e0107933c0723",
        4924029,
        "ml-100k",
    ),
    "1m": MovieLensRelease(
        "ml-1m.zip",
        "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",
        "c4d9eecfca2ab87c1945afe126590906",
        None,
        "ml-1m",
    ),
}
# Base URLs tried in order (the zip's name is appended); tests replace them with 127.0.0.1.
MOVIELENS_MIRRORS = ["https://files.grouplens.org/datasets/movielens/"]


@dataclass
class MovieLens:
    """One MovieLens release, parsed.

    Attributes
    ----------
    ratings : pandas.DataFrame
        ``user_id, item_id, rating, timestamp`` (ints; ratings 1..5), in the file's order.
    users : pandas.DataFrame
        ``user_id, age, gender, occupation, zip_code`` (100K: occupation is a name; 1M: a code).
    items : pandas.DataFrame
        ``item_id, title, ...`` (100K: release dates, IMDb URL and 19 genre flags; 1M: genres
        as a ``|``-separated string).
    """

    ratings: Any
    users: Any
    items: Any

    @property
    def titles(self):
        """``pandas.Series`` item_id -> title."""
        return self.items.set_index("item_id")["title"]


class _Members:
    """Reads the members of a MovieLens release from its zip or from an unpacked folder."""

    def __init__(self, path: Path, folder: str):
        self.path, self.folder = path, folder
        self.archive: zipfile.ZipFile | None = None
        if path.is_dir():
            self.root = path / folder if (path / folder).is_dir() else path
        else:
            try:
                self.archive = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as err:
                raise ValueError(f"{path}: not a zip file or a folder ({err})") from err

    def read(self, name: str) -> bytes:
        if self.archive is None:
            member = self.root / name
            if not member.is_file():
                raise ValueError(f"{self.path}: no {name} in the folder (is it MovieLens's?)")
            return member.read_bytes()
        try:
            return self.archive.read(f"{self.folder}/{name}")
        except KeyError:
            raise ValueError(
                f"{self.path}: no {self.folder}/{name} in the zip (is it a MovieLens zip?)"
            ) from None

    def close(self):
        if self.archive is not None:
            self.archive.close()


def _frame(raw: bytes, sep: str, names: Sequence[str], path: Path, member: str):
    import pandas as pd

    try:
        frame = pd.read_csv(
            io.BytesIO(raw),
            sep=sep,
            names=list(names),
            header=None,
            encoding="latin-1",
            engine="python" if len(sep) > 1 else "c",
        )
    except (ValueError, pd.errors.ParserError) as err:
        raise ValueError(f"{path}: cannot parse {member}: {err}") from err
    if frame.empty:
        raise ValueError(f"{path}: {member} holds no rows")
    return frame


def parse_movielens(path, size: str = "100k") -> MovieLens:
    """Parse a MovieLens zip or unpacked folder (100K or 1M layout) into a :class:`MovieLens`.

    Parameters
    ----------
    path : str or os.PathLike
        The zip as GroupLens publishes it (``ml-100k.zip``, ``ml-1m.zip``), or a folder holding
        its files (``u.data``, ``u.item``, ``u.user``; or ``ratings.dat``, ``movies.dat``,
        ``users.dat``), directly or in an ``ml-100k/`` (``ml-1m/``) subfolder.
    size : {"100k", "1m"}
        Which layout to read.

    Raises
    ------
    ValueError
        Not a zip, a missing member, or rows that do not parse; the message names the file.
    """
    path = Path(path)
    release = _release(size)
    members = _Members(path, release.folder)
    try:
        if size == "100k":
            ratings = _frame(members.read("u.data"), "\t", RATING_COLUMNS, path, "u.data")
            users = _frame(
                members.read("u.user"),
                "|",
                ["user_id", "age", "gender", "occupation", "zip_code"],
                path,
                "u.user",
            )
            columns = ["item_id", "title", "release_date", "video_release_date", "imdb_url"]
            items = _frame(members.read("u.item"), "|", columns + list(GENRES_100K), path, "u.item")
        else:
            ratings = _frame(members.read("ratings.dat"), "::", RATING_COLUMNS, path, "ratings.dat")
            users = _frame(
                members.read("users.dat"),
                "::",
                ["user_id", "gender", "age", "occupation", "zip_code"],
                path,
                "users.dat",
            )
            items = _frame(
                members.read("movies.dat"), "::", ["item_id", "title", "genres"], path, "movies.dat"
            )
    finally:
        members.close()
    for column in ("user_id", "item_id", "rating", "timestamp"):
        if ratings[column].isna().any() or ratings[column].dtype.kind not in "iu":
            raise ValueError(f"{path}: ratings column {column!r} must hold integers only")
    return MovieLens(ratings=ratings, users=users, items=items)


def _release(size: str) -> MovieLensRelease:
    if size not in MOVIELENS_RELEASES:
        raise ValueError(f"size must be one of {sorted(MOVIELENS_RELEASES)}, got {size!r}")
    return MOVIELENS_RELEASES[size]


def load_movielens(
    size: str = "100k",
    data_dir=None,
    download: bool = True,
    *,
    mirrors: Sequence[str] | None = None,
    verify: bool = False,
    progress: bool = True,
) -> MovieLens:
    """Load MovieLens 100K or 1M: ratings, users and items (with titles) as DataFrames.

    Parameters
    ----------
    size : {"100k", "1m"}, default "100k"
        Which release.
    data_dir : str or os.PathLike, optional
        Root data directory; default ``$HOMEML_DATA``, or ``~/.cache/homeml`` if unset. The zip
        lives in its ``movielens/`` folder.
    download : bool, default True
        Download a missing zip from GroupLens (sha256-checked, written atomically). If False,
        a missing zip raises ``DatasetNotFoundError``, which says what to put where.
    mirrors : sequence of str, optional
        Base URLs to try in order instead of ``MOVIELENS_MIRRORS``.
    verify : bool, default False
        Also check the sha256 of a zip that is already present.
    progress : bool, default True
        Show a progress bar while downloading.

    Returns
    -------
    MovieLens
        ``ratings`` (``user_id, item_id, rating, timestamp``), ``users``, ``items`` and the
        ``titles`` Series.
    """
    release = _release(size)
    urls = [m.rstrip("/") + "/" + release.filename for m in (mirrors or MOVIELENS_MIRRORS)]
    path = fetch(
        "movielens",
        release.filename,
        urls,
        release.sha256,
        data_dir=data_dir,
        download=download,
        verify=verify,
        progress=progress,
        size=release.size,
    )
    return parse_movielens(path, size)


def make_ratings(
    n_users: int = 200,
    n_items: int = 150,
    rank: int = 5,
    density: float = 0.1,
    noise: float = 0.3,
    seed: int = 0,
    *,
    integer: bool = False,
):
    """Synthetic ratings: a low-rank matrix plus biases, observed at random, plus Gaussian noise.

    ``rating = 3 + b_u + b_i + p_u . q_i + e`` with ``b ~ N(0, 0.3)``, ``p, q ~ N(0, 0.7 /
    rank**.25)`` (so that ``p . q`` has a standard deviation of 0.49 whatever the rank) and
    ``e ~ N(0, noise)``. Every user and
    every item has at least one rating. The best possible predictor (the noiseless ``clean``
    column) has an RMSE of ``noise`` on average: the noise floor.

    Parameters
    ----------
    n_users, n_items : int
        Matrix size; ids run from 1 (as MovieLens's).
    rank : int
        Rank of the interaction part.
    density : float in (0, 1]
        Fraction of the user-item pairs observed.
    noise : float >= 0
        Standard deviation of the observation noise: the noise floor of the RMSE.
    seed : int
        Seed of the generator; the same arguments give the same ratings.
    integer : bool, default False
        Round ratings to integers and clip them to 1..5, MovieLens-like (the noise floor is then
        no longer exactly ``noise``).

    Returns
    -------
    pandas.DataFrame
        ``user_id, item_id, rating, clean`` sorted by user then item; ``attrs`` holds
        ``noise_floor`` and ``rating_scale``.
    """
    import pandas as pd

    if n_users < 1 or n_items < 1 or rank < 1:
        raise ValueError(f"n_users, n_items and rank must be >= 1, got {n_users, n_items, rank}")
    if not 0 < density <= 1:
        raise ValueError(f"density must be in (0, 1], got {density}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    scale = 0.7 / rank**0.25
    pu = rng.normal(0, scale, (n_users, rank))
    qi = rng.normal(0, scale, (n_items, rank))
    bu = rng.normal(0, 0.3, n_users)
    bi = rng.normal(0, 0.3, n_items)
    mask = rng.random((n_users, n_items)) < density
    mask[np.arange(n_users), rng.integers(0, n_items, n_users)] = True
    mask[rng.integers(0, n_users, n_items), np.arange(n_items)] = True
    users, items = np.nonzero(mask)
    clean = 3.0 + bu[users] + bi[items] + np.einsum("nk,nk->n", pu[users], qi[items])
    rating = clean + rng.normal(0, noise, len(users)) if noise > 0 else clean.copy()
    if integer:
        rating = np.clip(np.rint(rating), 1, 5)
    frame = pd.DataFrame(
        {"user_id": users + 1, "item_id": items + 1, "rating": rating, "clean": clean}
    )
    frame.attrs["noise_floor"] = float(noise)
    low, high = (1, 5) if integer else (float(np.floor(rating.min())), float(np.ceil(rating.max())))
    frame.attrs["rating_scale"] = (low, high)
    return frame
