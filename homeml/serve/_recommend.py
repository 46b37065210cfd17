"""A ``homeml train movielens`` run behind the server: ``POST /v1/recommend`` answers a user's
top-N items with their titles and scores.
"""

from __future__ import annotations

from typing import Any

from homeml.jobs._movielens_model import Recommender, is_recommender
from homeml.serve._inputs import InputError, ModelCheckError

__all__ = ["MAX_N", "ServedRecommender", "is_recommender"]

MAX_N = 100  # the most items one request may ask for


class ServedRecommender:
    """A recommender run's model, used read-only.

    Parameters
    ----------
    tree : dict
        The model file's tree (see :mod:`homeml.jobs._movielens_model`).
    metadata : dict
        Its metadata (algorithm, cross-validated metrics).
    format_version : int, optional
    """

    kind = "recommender"
    supports_images = False

    def __init__(self, tree: Any, metadata: dict, format_version: int | None = None):
        try:
            self.model = Recommender(tree)
        except (ValueError, TypeError) as error:
            raise ModelCheckError(f"this recommender's model file is broken: {error}") from None
        self.metadata = dict(metadata)
        self.format_version = format_version
        self.check()

    def check(self) -> None:
        """Recommend for the first user; ModelCheckError if the model cannot."""
        try:
            self.recommend(self.example_user(), 1)
        except Exception as error:  # a broken model: refuse it with the reason
            raise ModelCheckError(
                f"this recommender fails: {type(error).__name__}: {error}"
            ) from None

    def example_user(self) -> int:
        return int(self.model.users[0])

    def expected(self) -> str:
        """What a request must hold, in the words error answers use."""
        return f"a user id of the run's ratings and n from 1 to {MAX_N}"

    def recommend(self, user: Any, n: Any = 10) -> dict:
        """The top ``n`` items for ``user``; InputError (422) naming what is wrong."""
        if isinstance(user, bool) or not isinstance(user, int):
            raise InputError(f"user must be an integer user id, got {user!r}")
        if not self.model.knows(user):
            raise InputError(
                f"unknown user {user}: not among the {len(self.model.users)} users of the "
                "run's ratings"
            )
        if isinstance(n, bool) or not isinstance(n, int):
            raise InputError(f"n must be an integer 1 to {MAX_N}, got {n!r}")
        if not 1 <= n <= MAX_N:
            raise InputError(f"n must be 1 to {MAX_N}, got {n}")
        try:
            items = self.model.recommend(user, n)
        except ValueError as error:  # n above the items the user has not rated
            raise InputError(str(error)) from None
        return {"user": user, "items": items}

    def describe(self) -> dict:
        """What /v1/model answers."""
        keep = ("rmse", "mae", "precision", "recall", "map", "ndcg", "auc", "coverage")
        return {
            "kind": self.kind,
            "class": "Recommender",
            "algo": self.model.algo,
            "users": len(self.model.users),
            "items": len(self.model.items),
            "format_version": self.format_version,
            "limits": {"n": MAX_N},
            "metrics": {k: self.metadata[k] for k in keep if k in self.metadata},
        }
