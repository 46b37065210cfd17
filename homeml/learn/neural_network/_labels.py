"""The classifier's targets as the 0/1 columns the network learns, and back."""

from __future__ import annotations

import numpy as np

from homeml.learn.base import type_of_target


class _Binarizer:
    """The classifier's targets as 0/1 columns: one per class (one for two classes), or the
    multi-label indicator matrix unchanged; and back to labels."""

    def fit(self, y):
        self.y_type_ = type_of_target(y)
        if self.y_type_ == "multiclass-multioutput":
            raise ValueError(
                "Multioutput target data is not supported with label binarization: y must be "
                "1-D class labels or a 0/1 multi-label indicator matrix."
            )
        if self.y_type_ == "multilabel-indicator":
            self.classes_ = np.arange(np.asarray(y).shape[1])
        else:
            self.classes_ = np.unique(y)
        return self

    def transform(self, y):
        if self.y_type_ == "multilabel-indicator":
            return np.asarray(y) != 0
        y = np.asarray(y)
        if len(self.classes_) <= 2:
            return (y == self.classes_[-1]).reshape(-1, 1) & (len(self.classes_) == 2)
        return y[:, None] == self.classes_[None, :]

    def inverse_transform(self, output):
        if self.y_type_ == "multilabel-indicator":
            return (output > 0.5).astype(int)
        if self.y_type_ == "multiclass":
            return self.classes_[np.argmax(output, axis=1)]
        if len(self.classes_) == 1:
            return np.repeat(self.classes_[0], len(output))
        return self.classes_[(np.ravel(output) > 0.5).astype(int)]
