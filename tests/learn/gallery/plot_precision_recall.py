"""Precision-Recall: the precision-recall curve of a linear classifier, its average precision
and the chance level (scikit-learn's gallery example, on NumPy-generated data)."""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import PrecisionRecallDisplay, average_precision_score, precision_recall_curve
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def main():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 4)
    y = (X[:, 2] + X[:, 3] + rng.randn(200) > 1).astype(int)
    X = np.c_[X, rng.randn(200, 16)]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, random_state=0, stratify=y
    )
    classifier = make_pipeline(StandardScaler(), LogisticRegression(C=0.1))
    classifier.fit(X_train, y_train)
    display = PrecisionRecallDisplay.from_estimator(
        classifier, X_test, y_test, name="LogisticRegression", plot_chance_level=True
    )
    display.ax_.set_title("2-class Precision-Recall curve")
    scores = classifier.decision_function(X_test)
    precision, recall, thresholds = precision_recall_curve(y_test, scores)
    ap = average_precision_score(y_test, scores)
    print(f"average precision: {ap:.3f}")
    return {
        "average_precision": ap,
        "display_ap": display.average_precision,
        "curve": display.line_.get_xydata(),
        "chance": display.chance_level_.get_xydata(),
        "legend": [t.get_text() for t in display.ax_.get_legend().get_texts()],
        "precision": precision,
        "recall": recall,
    }
