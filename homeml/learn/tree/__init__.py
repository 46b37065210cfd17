"""Decision trees (CART) with scikit-learn's interface, and their text form (:func:`export_text`).

The drawing is :func:`homeml.plot.plot_tree` (algorithms never import the figures).
"""

from homeml.learn.tree._classes import DecisionTreeClassifier, DecisionTreeRegressor
from homeml.learn.tree._export import export_text

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor", "export_text"]


def __getattr__(name: str):
    if name == "plot_tree":  # scikit-learn has it in sklearn.tree; here the figures are apart
        raise AttributeError(
            "homeml.learn.tree has no plot_tree: drawing lives with the figures, "
            "`from homeml.plot import plot_tree`"
        )
    raise AttributeError(f"module 'homeml.learn.tree' has no attribute {name!r}")
