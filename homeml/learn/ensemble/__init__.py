"""Ensembles of estimators: forests, boosting (classic, histogram, AdaBoost) and voting.

- ``RandomForestClassifier/Regressor``: bagged CART trees, per-split feature sampling (_forest)
- ``ExtraTreesClassifier/Regressor``: randomised-threshold trees (_forest)
- ``GradientBoostingClassifier/Regressor``: classic gradient boosting on CART trees
  (_gradient_boosting)
- ``HistGradientBoostingClassifier/Regressor``: binned gradient boosting (_hist_gradient_boosting,
  with its grower and Numba kernels in _hist_grower and _hist_kernels)
- ``AdaBoostClassifier``: SAMME boosting (_weight_boosting)
- ``VotingClassifier``: hard/soft vote of several classifiers (_voting)
- ``IsolationForest``: outlier detection by random isolation trees (_iforest)
"""

from homeml.learn.ensemble._forest import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from homeml.learn.ensemble._gradient_boosting import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
)
from homeml.learn.ensemble._hist_gradient_boosting import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from homeml.learn.ensemble._iforest import IsolationForest
from homeml.learn.ensemble._voting import VotingClassifier
from homeml.learn.ensemble._weight_boosting import AdaBoostClassifier

__all__ = [
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
    "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor",
    "AdaBoostClassifier",
    "VotingClassifier",
    "IsolationForest",
]
