"""Ratings as Surprise holds them: :class:`Reader`, :class:`Dataset` and :class:`Trainset`.

A :class:`Dataset` is a list of raw ratings ``(user, item, rating, timestamp)`` with the raw ids
the user gave; a :class:`Trainset` numbers users and items in the order they first appear in
its ratings (Surprise's *inner ids*, 0, 1, ...) and holds each user's ratings (``ur``) and each
item's (``ir``). Besides Surprise's dicts of lists, a trainset keeps the same ratings as arrays
(``ur_indptr``/``ur_items``/``ur_ratings`` and the item-wise ``ir_*``), in the order of
``all_ratings()``, for the compiled loops of the algorithms.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["BUILTIN_DATASETS", "Dataset", "Reader", "Trainset"]

# name -> (MovieLens size, the Reader Surprise uses for it)
BUILTIN_DATASETS = {"ml-100k": "100k", "ml-1m": "1m"}


class Reader:
    """How to read a ratings file, and the rating scale (Surprise's ``Reader``).

    Parameters
    ----------
    name : str, optional
        A built-in dataset's name (``"ml-100k"``, ``"ml-1m"``): its format; other arguments
        are then ignored.
    line_format : str, default "user item rating"
        The fields of a line, space-separated, among ``user item rating [timestamp]``.
    sep : str, optional
        Field separator; default: any whitespace.
    rating_scale : tuple of (float, float), default (1, 5)
        Lowest and highest possible ratings; predictions are clipped to it.
    skip_lines : int, default 0
        Lines to skip at the top of a file.
    """

    def __init__(
        self, name=None, line_format="user item rating", sep=None, rating_scale=(1, 5), skip_lines=0
    ):
        if name is not None:
            if name not in BUILTIN_DATASETS:
                raise ValueError(
                    f"unknown built-in dataset {name!r}; expected one of {sorted(BUILTIN_DATASETS)}"
                )
            line_format, sep, rating_scale, skip_lines = (
                "user item rating timestamp",
                None,
                (1, 5),
                0,
            )
        self.sep = sep
        self.skip_lines = skip_lines
        low, high = rating_scale
        if not low < high:
            raise ValueError(
                f"rating_scale must be (low, high) with low < high, got {rating_scale}"
            )
        self.rating_scale = (low, high)
        fields = line_format.split()
        entities = ["user", "item", "rating"]
        if "timestamp" in fields:
            entities.append("timestamp")
        if sorted(fields) != sorted(entities):
            raise ValueError(
                f"line_format must name user, item, rating (and optionally timestamp), each once; "
                f"got {line_format!r}"
            )
        self.indexes = [fields.index(entity) for entity in entities]
        self.with_timestamp = "timestamp" in fields

    def parse_line(self, line: str):
        """``(user, item, rating, timestamp)`` of one line (timestamp None when absent)."""
        parts = line.split(self.sep)
        try:
            values = [parts[i].strip() for i in self.indexes]
            rating = float(values[2])
        except (IndexError, ValueError) as err:
            raise ValueError(f"cannot parse line {line!r} with this Reader: {err}") from None
        return values[0], values[1], rating, values[3] if self.with_timestamp else None


class Dataset:
    """Raw ratings and their Reader; build with :meth:`load_from_df`, :meth:`load_from_file` or
    :meth:`load_builtin`, then split with :mod:`homeml.recommend.model_selection` or use
    :meth:`build_full_trainset`.
    """

    def __init__(self, reader: Reader, raw_ratings: list):
        self.reader = reader
        self.raw_ratings = raw_ratings
        if not raw_ratings:
            raise ValueError("a Dataset needs at least one rating, got none")

    @classmethod
    def load_from_df(cls, df, reader: Reader) -> Dataset:
        """Ratings from a DataFrame whose three columns are user, item and rating, in order."""
        if df.shape[1] != 3:
            raise ValueError(
                f"the DataFrame must have 3 columns (user, item, rating), got {df.shape[1]}"
            )
        ratings = df.iloc[:, 2].to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(ratings)):
            raise ValueError("ratings must be finite numbers; the DataFrame holds NaN or inf")
        users, items = df.iloc[:, 0].tolist(), df.iloc[:, 1].tolist()
        raw = [(u, i, float(r), None) for u, i, r in zip(users, items, ratings.tolist())]
        return cls(reader, raw)

    @classmethod
    def load_from_file(cls, file_path, reader: Reader) -> Dataset:
        """Ratings from a text file, one a line, as ``reader`` describes."""
        with open(os.path.expanduser(file_path), encoding="latin-1") as f:
            lines = f.read().splitlines()[reader.skip_lines :]
        return cls(reader, [reader.parse_line(line) for line in lines if line.strip()])

    @classmethod
    def load_builtin(cls, name: str = "ml-100k", prompt: bool = True, **loader_kwargs) -> Dataset:
        """MovieLens 100K or 1M through :func:`homeml.datasets.load_movielens` (downloaded from
        GroupLens into ``$HOMEML_DATA/movielens/`` when missing). Ids are strings, as Surprise
        reads them from the file (``algo.predict("196", "302")``). ``prompt`` is accepted for
        Surprise's signature; the download needs no confirmation.
        """
        from homeml.datasets.movielens import load_movielens

        reader = Reader(name)
        if name not in BUILTIN_DATASETS:
            raise ValueError(f"unknown built-in dataset {name!r}")
        ratings = load_movielens(BUILTIN_DATASETS[name], **loader_kwargs).ratings
        raw = [
            (str(u), str(i), float(r), str(t))
            for u, i, r, t in ratings[["user_id", "item_id", "rating", "timestamp"]].itertuples(
                index=False
            )
        ]
        return cls(reader, raw)

    def construct_trainset(self, raw_trainset) -> Trainset:
        """A :class:`Trainset` of these raw ratings (inner ids by first appearance)."""
        return Trainset.from_raw(raw_trainset, self.reader.rating_scale)

    def construct_testset(self, raw_testset) -> list:
        """``[(raw user, raw item, rating), ...]``."""
        return [(u, i, r) for (u, i, r, _) in raw_testset]

    def build_full_trainset(self) -> Trainset:
        """Every rating of the dataset in one trainset."""
        return self.construct_trainset(self.raw_ratings)


class Trainset:
    """The ratings an algorithm is fitted on (Surprise's ``Trainset``).

    Attributes
    ----------
    n_users, n_items, n_ratings : int
    rating_scale : (float, float)
    global_mean : float
        Mean of all ratings.
    ur, ir : dict
        Inner user id -> ``[(inner item id, rating), ...]`` and item id -> ``[(user, rating)]``.
    """

    def __init__(self, users, items, ratings, rating_scale, raw2inner_users, raw2inner_items):
        # users, items, ratings: inner ids and ratings in the order of the raw trainset
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        ratings = np.asarray(ratings, dtype=np.float64)
        self.n_users, self.n_items = len(raw2inner_users), len(raw2inner_items)
        self.n_ratings = len(ratings)
        self.rating_scale = tuple(rating_scale)
        self._raw2inner_id_users, self._raw2inner_id_items = raw2inner_users, raw2inner_items
        self._inner2raw_id_users = None
        self._inner2raw_id_items = None
        by_user = np.argsort(users, kind="stable")  # all_ratings(): users in order, then raw
        by_item = np.argsort(items, kind="stable")
        self.ur_indptr = np.concatenate(
            [[0], np.cumsum(np.bincount(users, minlength=self.n_users))]
        )
        self.ur_items, self.ur_ratings = items[by_user], ratings[by_user]
        self.ir_indptr = np.concatenate(
            [[0], np.cumsum(np.bincount(items, minlength=self.n_items))]
        )
        self.ir_users, self.ir_ratings = users[by_item], ratings[by_item]
        self.all_users_array = users[by_user]
        self._global_mean = float(np.mean(ratings)) if len(ratings) else float("nan")
        self._ur = self._ir = None

    @classmethod
    def from_raw(cls, raw_trainset, rating_scale) -> Trainset:
        users_map: dict = {}
        items_map: dict = {}
        users, items, ratings = [], [], []
        for u, i, r, _ in raw_trainset:
            users.append(users_map.setdefault(u, len(users_map)))
            items.append(items_map.setdefault(i, len(items_map)))
            ratings.append(r)
        if not ratings:
            raise ValueError("a trainset needs at least one rating, got none")
        return cls(users, items, ratings, rating_scale, users_map, items_map)

    # ------------------------------------------------------------------ Surprise's dicts
    @property
    def ur(self) -> dict:
        if self._ur is None:
            self._ur = _lists(self.ur_indptr, self.ur_items, self.ur_ratings)
        return self._ur

    @property
    def ir(self) -> dict:
        if self._ir is None:
            self._ir = _lists(self.ir_indptr, self.ir_users, self.ir_ratings)
        return self._ir

    @property
    def global_mean(self) -> float:
        return self._global_mean

    def knows_user(self, uid) -> bool:
        """Whether the inner id ``uid`` is a user of the trainset."""
        return _is_inner(uid, self.n_users)

    def knows_item(self, iid) -> bool:
        """Whether the inner id ``iid`` is an item of the trainset."""
        return _is_inner(iid, self.n_items)

    def to_inner_uid(self, ruid) -> int:
        try:
            return self._raw2inner_id_users[ruid]
        except (KeyError, TypeError):
            raise ValueError(f"User {ruid} is not part of the trainset.") from None

    def to_inner_iid(self, riid) -> int:
        try:
            return self._raw2inner_id_items[riid]
        except (KeyError, TypeError):
            raise ValueError(f"Item {riid} is not part of the trainset.") from None

    def to_raw_uid(self, iuid):
        if self._inner2raw_id_users is None:
            self._inner2raw_id_users = list(self._raw2inner_id_users)
        if not self.knows_user(iuid):
            raise ValueError(f"{iuid} is not a valid inner id.")
        return self._inner2raw_id_users[iuid]

    def to_raw_iid(self, iiid):
        if self._inner2raw_id_items is None:
            self._inner2raw_id_items = list(self._raw2inner_id_items)
        if not self.knows_item(iiid):
            raise ValueError(f"{iiid} is not a valid inner id.")
        return self._inner2raw_id_items[iiid]

    def all_ratings(self):
        """``(inner user, inner item, rating)`` for every rating, user by user."""
        return zip(self.all_users_array.tolist(), self.ur_items.tolist(), self.ur_ratings.tolist())

    def all_users(self):
        return range(self.n_users)

    def all_items(self):
        return range(self.n_items)

    def build_testset(self) -> list:
        """The trainset's own ratings as a testset of raw ids."""
        return [(self.to_raw_uid(u), self.to_raw_iid(i), r) for u, i, r in self.all_ratings()]

    def build_anti_testset(self, fill=None) -> list:
        """Every (user, item) pair the trainset does not rate, with rating ``fill`` (default
        the global mean).
        """
        fill = self.global_mean if fill is None else float(fill)
        out = []
        for u in self.all_users():
            rated = set(self.ur_items[self.ur_indptr[u] : self.ur_indptr[u + 1]].tolist())
            raw_u = self.to_raw_uid(u)
            out += [(raw_u, self.to_raw_iid(i), fill) for i in self.all_items() if i not in rated]
        return out

    # ------------------------------------------------------------------ helpers for algorithms
    def user_ratings(self, u):
        """Items and ratings of inner user ``u`` as arrays (Surprise's ``ur[u]`` order)."""
        lo, hi = self.ur_indptr[u], self.ur_indptr[u + 1]
        return self.ur_items[lo:hi], self.ur_ratings[lo:hi]

    def item_ratings(self, i):
        """Users and ratings of inner item ``i`` as arrays (``ir[i]`` order)."""
        lo, hi = self.ir_indptr[i], self.ir_indptr[i + 1]
        return self.ir_users[lo:hi], self.ir_ratings[lo:hi]


def _indptr(ids, n: int) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.bincount(ids, minlength=n))]).astype(np.int64)


def _is_inner(x, n: int) -> bool:
    return bool(isinstance(x, (int, np.integer)) and not isinstance(x, bool) and 0 <= x < n)


def _lists(indptr, ids, ratings) -> dict:
    ids_list, ratings_list = ids.tolist(), ratings.tolist()
    return {
        k: list(zip(ids_list[indptr[k] : indptr[k + 1]], ratings_list[indptr[k] : indptr[k + 1]]))
        for k in range(len(indptr) - 1)
    }
