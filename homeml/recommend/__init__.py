"""Recommender systems: rating prediction with Surprise's interface, implicit feedback with
implicit's (:mod:`homeml.recommend.implicit`).

>>> from homeml.recommend import SVD, Dataset, Reader, accuracy
>>> from homeml.recommend.model_selection import cross_validate  # doctest: +SKIP

Porting a Surprise snippet means changing ``surprise`` to ``homeml.recommend`` in the imports.
"""

from homeml.recommend import accuracy, model_selection
from homeml.recommend.algo_base import AlgoBase, Prediction, PredictionImpossible
from homeml.recommend.baseline import BaselineOnly, NormalPredictor
from homeml.recommend.co_clustering import CoClustering
from homeml.recommend.dataset import Dataset, Reader, Trainset
from homeml.recommend.knns import KNNBaseline, KNNBasic, KNNWithMeans, KNNWithZScore
from homeml.recommend.matrix_factorization import NMF, SVD, SVDpp
from homeml.recommend.slope_one import SlopeOne

__all__ = [
    "NMF",
    "SVD",
    "AlgoBase",
    "BaselineOnly",
    "CoClustering",
    "Dataset",
    "KNNBaseline",
    "KNNBasic",
    "KNNWithMeans",
    "KNNWithZScore",
    "NormalPredictor",
    "Prediction",
    "PredictionImpossible",
    "Reader",
    "SVDpp",
    "SlopeOne",
    "Trainset",
    "accuracy",
    "model_selection",
]
