"""Confusion matrix: a linear SVC's errors on three classes, as counts and normalized by row
(scikit-learn's gallery example, on NumPy-generated iris-like data)."""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC


def main():
    rng = np.random.RandomState(0)
    class_names = np.array(["setosa", "versicolor", "virginica"])
    means = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
    y = np.repeat(np.arange(3), 50)
    X = means[y] + rng.randn(150, 4) * 0.5
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    classifier = SVC(kernel="linear", C=0.01).fit(X_train, y_train)
    results = {}
    for title, normalize in [
        ("Confusion matrix, without normalization", None),
        ("Normalized confusion matrix", "true"),
    ]:
        disp = ConfusionMatrixDisplay.from_estimator(
            classifier,
            X_test,
            y_test,
            display_labels=class_names,
            cmap=plt.cm.Blues,
            normalize=normalize,
        )
        disp.ax_.set_title(title)
        print(title)
        print(disp.confusion_matrix)
        results[f"{normalize}/matrix"] = disp.confusion_matrix
        results[f"{normalize}/texts"] = [t.get_text() for t in disp.text_.ravel()]
        results[f"{normalize}/image"] = np.asarray(disp.im_.get_array())
    return results
