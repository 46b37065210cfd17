"""Classifier comparison: several classifiers on three 2-D datasets, with their decision
surfaces (scikit-learn's gallery example, on NumPy-generated data)."""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier


def datasets(rng):
    n = 100
    t = rng.rand(n // 2) * np.pi
    moons = np.r_[np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)]]
    moons += 0.3 * rng.randn(*moons.shape)
    t = rng.rand(n) * 2 * np.pi
    radius = np.r_[np.ones(n // 2), 0.5 * np.ones(n // 2)]
    circles = np.c_[radius * np.cos(t), radius * np.sin(t)] + 0.2 * rng.randn(n, 2)
    linear = (
        rng.randn(n, 2)
        + 2 * rng.uniform(size=(n, 2)) * np.r_[np.zeros(n // 2), np.ones(n // 2)][:, None]
    )
    y = np.r_[np.zeros(n // 2), np.ones(n // 2)].astype(int)
    return [(moons, y), (circles, y), (linear, y)]


def main():
    names = ["Nearest Neighbors", "Linear SVM", "RBF SVM", "Decision Tree", "Naive Bayes", "QDA"]
    classifiers = [
        KNeighborsClassifier(3),
        SVC(kernel="linear", C=0.025, random_state=42),
        SVC(gamma=2, C=1, random_state=42),
        DecisionTreeClassifier(max_depth=5, random_state=42),
        GaussianNB(),
        QuadraticDiscriminantAnalysis(),
    ]
    results = {}
    figure, axes = plt.subplots(3, len(classifiers), figsize=(12, 6))
    for d, (X, y) in enumerate(datasets(np.random.RandomState(0))):
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=42)
        for ax, name, clf in zip(axes[d], names, classifiers):
            clf = make_pipeline(StandardScaler(), clf)
            clf.fit(X_train, y_train)
            score = clf.score(X_test, y_test)
            display = DecisionBoundaryDisplay.from_estimator(
                clf, X, cmap=plt.cm.RdBu, alpha=0.8, ax=ax, eps=0.5, grid_resolution=30
            )
            ax.scatter(X_test[:, 0], X_test[:, 1], c=y_test, edgecolors="k", alpha=0.6)
            ax.set_title(f"{name}: {score:.2f}")
            print(f"dataset {d} {name}: {score:.2f}")
            results[f"{d}/{name}/score"] = score
            results[f"{d}/{name}/boundary"] = display.response
    return results
