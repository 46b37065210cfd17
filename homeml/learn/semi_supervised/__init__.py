"""Semi-supervised classification: learn from a few labelled samples and many unlabelled ones
(marked -1 in ``y``), with scikit-learn's ``sklearn.semi_supervised`` names and parameters."""

from homeml.learn.semi_supervised._label_propagation import LabelPropagation, LabelSpreading
from homeml.learn.semi_supervised._self_training import SelfTrainingClassifier

__all__ = ["LabelPropagation", "LabelSpreading", "SelfTrainingClassifier"]
