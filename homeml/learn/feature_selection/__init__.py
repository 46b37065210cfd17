"""Feature selection: keep a subset of the columns (scikit-learn's names).

| names | file |
| --- | --- |
| SelectorMixin (get_support, transform, inverse_transform, names) | ``_base.py`` |
| VarianceThreshold | ``_variance.py`` |
| SelectKBest, SelectPercentile, chi2, f_classif, f_regression, r_regression | ``_univariate.py`` |
| mutual_info_classif, mutual_info_regression | ``_mutual_info.py`` |
| RFE, RFECV | ``_rfe.py`` |
| SelectFromModel | ``_from_model.py`` |
"""

from homeml.learn.feature_selection._base import SelectorMixin
from homeml.learn.feature_selection._from_model import SelectFromModel
from homeml.learn.feature_selection._mutual_info import (
    mutual_info_classif,
    mutual_info_regression,
)
from homeml.learn.feature_selection._rfe import RFE, RFECV
from homeml.learn.feature_selection._univariate import (
    SelectKBest,
    SelectPercentile,
    chi2,
    f_classif,
    f_oneway,
    f_regression,
    r_regression,
)
from homeml.learn.feature_selection._variance import VarianceThreshold

__all__ = [
    "SelectorMixin",
    "VarianceThreshold",
    "SelectKBest",
    "SelectPercentile",
    "chi2",
    "f_classif",
    "f_oneway",
    "f_regression",
    "r_regression",
    "mutual_info_classif",
    "mutual_info_regression",
    "RFE",
    "RFECV",
    "SelectFromModel",
]
