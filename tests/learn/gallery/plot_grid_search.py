"""Custom refit strategy of a grid search with cross-validation: an SVC tuned for precision and
recall on a held-out split (scikit-learn's gallery example, on NumPy-generated digits-like
data)."""

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.svm import SVC


def main():
    rng = np.random.RandomState(0)
    centers = rng.randn(4, 16) * 1.5
    y = rng.randint(0, 4, 240)
    X = centers[y] + rng.randn(240, 16) * 1.8
    y = (y == 3).astype(int)  # is it the digit "8"?
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)
    tuned_parameters = [
        {"kernel": ["rbf"], "gamma": [1e-3, 1e-2], "C": [1, 10, 100]},
        {"kernel": ["linear"], "C": [1, 10]},
    ]
    scores = ["precision", "recall"]
    grid_search = GridSearchCV(
        SVC(), tuned_parameters, scoring=scores, refit="recall", cv=StratifiedKFold(4)
    )
    grid_search.fit(X_train, y_train)
    print("Best parameters:", grid_search.best_params_)
    y_pred = grid_search.predict(X_test)
    report = classification_report(y_test, y_pred, output_dict=True)
    print(classification_report(y_test, y_pred))
    results = {
        "best_params": grid_search.best_params_,
        "best_score": grid_search.best_score_,
        "confusion": confusion_matrix(y_test, y_pred),
        "report_macro_f1": report["macro avg"]["f1-score"],
    }
    for key in ("mean_test_precision", "mean_test_recall", "rank_test_recall", "std_test_recall"):
        results[key] = grid_search.cv_results_[key]
    return results
