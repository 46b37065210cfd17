"""Model inspection with scikit-learn's names: permutation importance, partial dependence and
the displays that draw them (matplotlib, imported on first use).

| names | file |
| --- | --- |
| permutation_importance | ``_permutation_importance.py`` |
| partial_dependence | ``_partial_dependence.py`` |
| PartialDependenceDisplay | ``_pd_display.py`` |
| DecisionBoundaryDisplay | ``_decision_boundary.py`` |
"""

from homeml.learn.inspection._decision_boundary import DecisionBoundaryDisplay
from homeml.learn.inspection._partial_dependence import partial_dependence
from homeml.learn.inspection._pd_display import PartialDependenceDisplay
from homeml.learn.inspection._permutation_importance import permutation_importance

__all__ = [
    "DecisionBoundaryDisplay",
    "PartialDependenceDisplay",
    "partial_dependence",
    "permutation_importance",
]
