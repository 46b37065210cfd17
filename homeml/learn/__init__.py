"""Classic machine learning with scikit-learn's estimator contract, written on NumPy.

Every estimator is importable from here (``from homeml.learn import RandomForestClassifier``) and
from its module (``homeml.learn.ensemble``). Modules load on first use, so ``import homeml.learn``
stays cheap.
"""

import ast
from importlib import import_module
from pathlib import Path

from homeml.learn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClusterMixin,
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
    OutlierMixin,
    RegressorMixin,
    TransformerMixin,
    clone,
)

# the families whose public names (their ``__all__``) are importable from here
_FAMILIES = (
    "linear_model",
    "tree",
    "ensemble",
    "svm",
    "neighbors",
    "naive_bayes",
    "discriminant_analysis",
    "preprocessing",
    "pipeline",
    "model_selection",
    "cluster",
    "mixture",
    "covariance",
    "decomposition",
    "manifold",
    "semi_supervised",
    "feature_extraction",
    "feature_selection",
    "inspection",
    "neural_network",
)


def _public_names(family: str) -> list[str]:
    """The ``__all__`` of a family, read from its source without importing it (a literal list,
    extended with ``+=``), so that ``import homeml.learn`` stays cheap."""
    folder = Path(__file__).parent
    path = folder / family / "__init__.py"
    if not path.exists():
        path = folder / f"{family}.py"
    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            target = node.targets[0]
        elif isinstance(node, ast.AugAssign):
            target = node.target
        else:
            continue
        if getattr(target, "id", None) == "__all__":
            names += ast.literal_eval(node.value)
    return names


# public name -> module that defines it, generated from the families' ``__all__``
_MODULE_OF = {name: family for family in _FAMILIES for name in _public_names(family)}

_SUBMODULES = {"base", "exceptions", "validation", "metrics", "datasets", *_FAMILIES}

__all__ = [
    "BaseEstimator",
    "ClassifierMixin",
    "ClusterMixin",
    "ConvergenceWarning",
    "DataConversionWarning",
    "NotFittedError",
    "OutlierMixin",
    "RegressorMixin",
    "TransformerMixin",
    "clone",
    *_MODULE_OF,
]


def __getattr__(name: str):
    if name in _MODULE_OF:
        value = getattr(import_module(f"homeml.learn.{_MODULE_OF[name]}"), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return import_module(f"homeml.learn.{name}")
    raise AttributeError(f"module 'homeml.learn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
