"""Preprocessing: scalers, encoders, polynomial features and imputation (scikit-learn's names).

| class | file |
| --- | --- |
| StandardScaler, MinMaxScaler, RobustScaler, Normalizer | ``_scalers.py`` |
| MaxAbsScaler | ``_max_abs.py`` |
| OneHotEncoder, OrdinalEncoder, LabelEncoder | ``_encoders.py`` |
| PolynomialFeatures | ``_polynomial.py`` |
| SimpleImputer | ``_impute.py`` |
"""

from homeml.learn.preprocessing._encoders import LabelEncoder, OneHotEncoder, OrdinalEncoder
from homeml.learn.preprocessing._impute import SimpleImputer
from homeml.learn.preprocessing._max_abs import MaxAbsScaler
from homeml.learn.preprocessing._polynomial import PolynomialFeatures
from homeml.learn.preprocessing._scalers import (
    MinMaxScaler,
    Normalizer,
    RobustScaler,
    StandardScaler,
)

__all__ = [
    "StandardScaler",
    "MinMaxScaler",
    "RobustScaler",
    "MaxAbsScaler",
    "Normalizer",
    "OneHotEncoder",
    "OrdinalEncoder",
    "LabelEncoder",
    "PolynomialFeatures",
    "SimpleImputer",
]
