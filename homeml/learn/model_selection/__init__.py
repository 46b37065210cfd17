"""Model selection: splitting, cross-validation and hyper-parameter search (scikit-learn's names).

| names | file |
| --- | --- |
| train_test_split, KFold, StratifiedKFold | ``_split.py`` |
| GroupKFold, StratifiedGroupKFold, LeaveOneGroupOut, LeavePGroupsOut | ``_split_groups.py`` |
| ShuffleSplit, GroupShuffleSplit, StratifiedShuffleSplit | ``_split_shuffle.py`` |
| LeaveOneOut, LeavePOut, TimeSeriesSplit, PredefinedSplit, Repeated*KFold | ``_split_more.py`` |
| cross_validate, cross_val_score, learning_curve | ``_validation.py`` |
| validation_curve | ``_validation_curve.py`` |
| LearningCurveDisplay, ValidationCurveDisplay (matplotlib on first use) | ``_plot.py`` |
| GridSearchCV, RandomizedSearchCV, ParameterGrid, ParameterSampler | ``_search.py`` |

``n_jobs`` runs the (candidate, fold) fits through ``joblib.Parallel``, so
``joblib.parallel_backend("dask")`` runs them on a Dask cluster; results do not depend on it.
"""

from homeml.learn.model_selection._plot import LearningCurveDisplay, ValidationCurveDisplay
from homeml.learn.model_selection._search import (
    GridSearchCV,
    ParameterGrid,
    ParameterSampler,
    RandomizedSearchCV,
)
from homeml.learn.model_selection._split import KFold, StratifiedKFold, train_test_split
from homeml.learn.model_selection._split_groups import (
    GroupKFold,
    LeaveOneGroupOut,
    LeavePGroupsOut,
    StratifiedGroupKFold,
)
from homeml.learn.model_selection._split_more import (
    LeaveOneOut,
    LeavePOut,
    PredefinedSplit,
    RepeatedKFold,
    RepeatedStratifiedKFold,
    TimeSeriesSplit,
)
from homeml.learn.model_selection._split_shuffle import (
    GroupShuffleSplit,
    ShuffleSplit,
    StratifiedShuffleSplit,
)
from homeml.learn.model_selection._validation import (
    FitFailedWarning,
    check_cv,
    cross_val_score,
    cross_validate,
    learning_curve,
)
from homeml.learn.model_selection._validation_curve import validation_curve

__all__ = [
    "train_test_split",
    "KFold",
    "StratifiedKFold",
    "GroupKFold",
    "StratifiedGroupKFold",
    "LeaveOneGroupOut",
    "LeavePGroupsOut",
    "ShuffleSplit",
    "GroupShuffleSplit",
    "StratifiedShuffleSplit",
    "LeaveOneOut",
    "LeavePOut",
    "TimeSeriesSplit",
    "PredefinedSplit",
    "RepeatedKFold",
    "RepeatedStratifiedKFold",
    "cross_val_score",
    "cross_validate",
    "GridSearchCV",
    "RandomizedSearchCV",
    "learning_curve",
    "validation_curve",
    "LearningCurveDisplay",
    "ValidationCurveDisplay",
    "ParameterGrid",
    "ParameterSampler",
    "FitFailedWarning",
    "check_cv",
]
