"""Linear models: least squares, ridge (and its classifier), lasso/elastic net, logistic
regression, SGD, perceptron, passive-aggressive."""

from homeml.learn.linear_model._coordinate_descent import ElasticNet, Lasso
from homeml.learn.linear_model._least_squares import LinearRegression
from homeml.learn.linear_model._logistic import LogisticRegression
from homeml.learn.linear_model._passive_aggressive import (
    PassiveAggressiveClassifier,
    PassiveAggressiveRegressor,
)
from homeml.learn.linear_model._ridge import Ridge
from homeml.learn.linear_model._ridge_classifier import RidgeClassifier
from homeml.learn.linear_model._ridge_cv import RidgeClassifierCV
from homeml.learn.linear_model._stochastic_gradient import Perceptron, SGDClassifier, SGDRegressor

__all__ = [
    "ElasticNet",
    "Lasso",
    "LinearRegression",
    "LogisticRegression",
    "PassiveAggressiveClassifier",
    "PassiveAggressiveRegressor",
    "Perceptron",
    "Ridge",
    "RidgeClassifier",
    "RidgeClassifierCV",
    "SGDClassifier",
    "SGDRegressor",
]
