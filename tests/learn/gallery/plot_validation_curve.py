"""Plotting validation curves: training and validation scores of an SVC for a range of its
``gamma`` parameter (scikit-learn's gallery example, on NumPy-generated data)."""

import numpy as np
from sklearn.model_selection import ValidationCurveDisplay
from sklearn.svm import SVC


def main():
    rng = np.random.RandomState(0)
    X = rng.randn(120, 6)
    y = (X[:, 0] + X[:, 1] ** 2 - 1 + 0.5 * rng.randn(120) > 0).astype(int)
    param_range = np.logspace(-4, 1, 6)
    disp = ValidationCurveDisplay.from_estimator(
        SVC(),
        X,
        y,
        param_name="gamma",
        param_range=param_range,
        scoring="accuracy",
        cv=4,
        score_type="both",
        std_display_style="fill_between",
        score_name="Accuracy",
    )
    disp.ax_.set_title("Validation Curve for SVM with an RBF kernel")
    disp.ax_.set_xlabel(r"gamma (inverse radius of the RBF kernel)")
    disp.ax_.set_ylim(0.0, 1.1)
    print("mean test accuracy per gamma:", np.round(disp.test_scores.mean(axis=1), 3))
    return {
        "train_scores": disp.train_scores,
        "test_scores": disp.test_scores,
        "lines": [line.get_xydata() for line in disp.lines_],
        "xscale": disp.ax_.get_xscale(),
    }
