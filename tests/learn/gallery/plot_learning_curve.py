"""Plotting learning curves: how the scores of naive Bayes and of an SVC grow with the size of
the training set (scikit-learn's gallery example, on NumPy-generated data)."""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import LearningCurveDisplay, ShuffleSplit
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import SVC


def main():
    rng = np.random.RandomState(0)
    centers = rng.randn(3, 8) * 2
    y = rng.randint(0, 3, 300)
    X = centers[y] + rng.randn(300, 8) * 2.5
    fig, ax = plt.subplots(nrows=1, ncols=2, figsize=(10, 6), sharey=True)
    common_params = {
        "X": X,
        "y": y,
        "train_sizes": np.linspace(0.1, 1.0, 5),
        "cv": ShuffleSplit(n_splits=10, test_size=0.2, random_state=0),
        "score_type": "both",
        "line_kw": {"marker": "o"},
        "std_display_style": "fill_between",
        "score_name": "Accuracy",
    }
    results = {}
    for ax_idx, estimator in enumerate([GaussianNB(), SVC(kernel="rbf", gamma=0.01)]):
        disp = LearningCurveDisplay.from_estimator(estimator, **common_params, ax=ax[ax_idx])
        handles, label = ax[ax_idx].get_legend_handles_labels()
        ax[ax_idx].legend(handles[:2], ["Training Score", "Test Score"])
        ax[ax_idx].set_title(f"Learning Curve for {estimator.__class__.__name__}")
        name = type(estimator).__name__
        print(name, "test accuracy:", np.round(disp.test_scores.mean(axis=1), 3))
        results[f"{name}/train_sizes"] = disp.train_sizes
        results[f"{name}/test_scores"] = disp.test_scores
        results[f"{name}/train_scores"] = disp.train_scores
    return results
