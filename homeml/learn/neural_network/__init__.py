"""Multi-layer perceptrons with scikit-learn's interface, written on NumPy (not on homeml.nn:
classic ML stays independent of the neural-network toolkit)."""

from homeml.learn.neural_network._multilayer_perceptron import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
