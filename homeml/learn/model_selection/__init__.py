"""Model selection: splitting, cross-validation and hyper-parameter search (scikit-learn's names).

| names | file |
| --- | --- |
| train_test_split, KFold, StratifiedKFold | ``_split.py`` |
| cross_validate, cross_val_score, learning_curve | ``_validation.py`` |
| GridSearchCV, RandomizedSearchCV, ParameterGrid, ParameterSampler | ``_search.py`` |

``n_jobs`` runs the (candidate, fold) fits through ``joblib.Parallel``, so
``joblib.parallel_backend("dask")`` runs them on a Dask cluster; results do not depend on it.
"""

from homeml.learn.model_selection._search import (
    GridSearchCV,
    ParameterGrid,
    ParameterSampler,
    RandomizedSearchCV,
)
from homeml.learn.model_selection._split import KFold, StratifiedKFold, train_test_split
from homeml.learn.model_selection._validation import (
    FitFailedWarning,
    check_cv,
    cross_val_score,
    cross_validate,
    learning_curve,
)

__all__ = [
    "train_test_split",
    "KFold",
    "StratifiedKFold",
    "cross_val_score",
    "cross_validate",
    "GridSearchCV",
    "RandomizedSearchCV",
    "learning_curve",
    "ParameterGrid",
    "ParameterSampler",
    "FitFailedWarning",
    "check_cv",
]
