"""Receiver Operating Characteristic (ROC) with cross validation: one ROC curve per fold, their
mean and spread (scikit-learn's gallery example, on NumPy-generated data)."""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import RocCurveDisplay, auc
from sklearn.model_selection import StratifiedKFold, cross_validate


def main():
    rng = np.random.RandomState(0)
    X = rng.randn(150, 4)
    y = (X[:, 0] - X[:, 1] + 1.5 * rng.randn(150) > 0).astype(int)
    X = np.c_[X, rng.randn(150, 20)]  # noisy features
    cv = StratifiedKFold(n_splits=6)
    classifier = LogisticRegression(C=0.5)
    cv_results = cross_validate(classifier, X, y, cv=cv, return_estimator=True, return_indices=True)
    fig, ax = plt.subplots(figsize=(6, 6))
    display = RocCurveDisplay.from_cv_results(cv_results, X, y, ax=ax, plot_chance_level=True)
    mean_fpr = np.linspace(0, 1, 100)
    tprs, aucs = [], []
    for fpr, tpr in zip(display.fpr, display.tpr):
        interp_tpr = np.interp(mean_fpr, fpr, tpr)
        interp_tpr[0] = 0.0
        tprs.append(interp_tpr)
        aucs.append(auc(fpr, tpr))
    mean_tpr = np.mean(tprs, axis=0)
    mean_tpr[-1] = 1.0
    mean_auc = auc(mean_fpr, mean_tpr)
    ax.plot(
        mean_fpr,
        mean_tpr,
        color="b",
        label=f"Mean ROC (AUC = {mean_auc:.2f} $\\pm$ {np.std(aucs):.2f})",
    )
    std_tpr = np.std(tprs, axis=0)
    ax.fill_between(
        mean_fpr, np.maximum(mean_tpr - std_tpr, 0), np.minimum(mean_tpr + std_tpr, 1), alpha=0.2
    )
    ax.legend(loc="lower right")
    print(f"mean AUC {mean_auc:.3f}, fold AUCs {np.round(aucs, 3)}")
    return {
        "aucs": np.array(aucs),
        "mean_tpr": mean_tpr,
        "mean_auc": mean_auc,
        "legend": [t.get_text() for t in ax.get_legend().get_texts()],
    }
