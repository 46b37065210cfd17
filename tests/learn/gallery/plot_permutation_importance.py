"""Permutation importance vs impurity-based feature importance: a random forest on data with
two random (non-predictive) features (scikit-learn's gallery example, on NumPy data)."""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.model_selection import train_test_split


def main():
    rng = np.random.RandomState(42)
    n = 300
    age = rng.uniform(1, 80, n)
    fare = rng.lognormal(3, 1, n)
    sex = rng.randint(0, 2, n).astype(float)
    survived = (0.9 * sex - 0.01 * age + 0.002 * fare + 0.4 * rng.randn(n) > 0.1).astype(int)
    random_num = rng.randn(n)
    random_cat = rng.randint(0, 3, n).astype(float)
    X = np.c_[age, fare, sex, random_num, random_cat]
    names = ["age", "fare", "sex", "random_num", "random_cat"]
    X_train, X_test, y_train, y_test = train_test_split(
        X, survived, stratify=survived, random_state=42
    )
    forest = RandomForestClassifier(n_estimators=20, min_samples_leaf=5, random_state=42)
    forest.fit(X_train, y_train)
    print(f"train accuracy: {forest.score(X_train, y_train):.3f}")
    print(f"test accuracy: {forest.score(X_test, y_test):.3f}")
    result = permutation_importance(forest, X_test, y_test, n_repeats=10, random_state=42)
    order = result.importances_mean.argsort()
    fig, ax = plt.subplots()
    ax.boxplot(result.importances[order].T, vert=False, tick_labels=np.array(names)[order])
    ax.axvline(x=0, color="k", linestyle="--")
    ax.set_title("Permutation Importances (test set)")
    for i in order[::-1]:
        print(
            f"{names[i]:<10} {result.importances_mean[i]:.3f} +/- {result.importances_std[i]:.3f}"
        )
    return {
        "train_accuracy": forest.score(X_train, y_train),
        "test_accuracy": forest.score(X_test, y_test),
        "importances": result.importances,
        "importances_mean": result.importances_mean,
    }
