"""Support vector machines: kernel ``SVC`` and ``SVR`` (SMO), ``LinearSVC`` (coordinate descent)."""

from homeml.learn.svm._linear_svc import LinearSVC
from homeml.learn.svm._svc import SVC
from homeml.learn.svm._svr import SVR

__all__ = ["SVC", "SVR", "LinearSVC"]
