"""Decision trees (CART) with scikit-learn's interface, and ways to look at a fitted tree."""

from homeml.learn.tree._classes import DecisionTreeClassifier, DecisionTreeRegressor
from homeml.learn.tree._export import export_text, plot_tree

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor", "export_text", "plot_tree"]
