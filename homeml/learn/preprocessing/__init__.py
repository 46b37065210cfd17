"""Preprocessing: scalers, encoders, polynomial features and imputation (scikit-learn's names).

| class | file |
| --- | --- |
| StandardScaler, MinMaxScaler, RobustScaler, Normalizer | ``_scalers.py`` |
| MaxAbsScaler | ``_max_abs.py`` |
| OneHotEncoder, OrdinalEncoder, LabelEncoder | ``_encoders.py`` |
| PolynomialFeatures | ``_polynomial.py`` |
| SimpleImputer | ``_impute.py`` |
| LabelBinarizer, MultiLabelBinarizer, label_binarize | ``_label.py`` |
| KBinsDiscretizer | ``_discretization.py`` |
| FunctionTransformer | ``_function_transformer.py`` |
| QuantileTransformer | ``_quantile.py`` |
| PowerTransformer | ``_power.py`` |
| SplineTransformer | ``_splines.py`` |
"""

from homeml.learn.preprocessing._discretization import KBinsDiscretizer
from homeml.learn.preprocessing._encoders import LabelEncoder, OneHotEncoder, OrdinalEncoder
from homeml.learn.preprocessing._function_transformer import FunctionTransformer
from homeml.learn.preprocessing._impute import SimpleImputer
from homeml.learn.preprocessing._label import LabelBinarizer, MultiLabelBinarizer, label_binarize
from homeml.learn.preprocessing._max_abs import MaxAbsScaler
from homeml.learn.preprocessing._polynomial import PolynomialFeatures
from homeml.learn.preprocessing._power import PowerTransformer
from homeml.learn.preprocessing._quantile import QuantileTransformer
from homeml.learn.preprocessing._scalers import (
    MinMaxScaler,
    Normalizer,
    RobustScaler,
    StandardScaler,
)
from homeml.learn.preprocessing._splines import SplineTransformer

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
    "LabelBinarizer",
    "MultiLabelBinarizer",
    "label_binarize",
    "KBinsDiscretizer",
    "FunctionTransformer",
    "QuantileTransformer",
    "PowerTransformer",
    "SplineTransformer",
]
