"""Partial dependence and individual conditional expectation plots of a regression model,
one-way and two-way (scikit-learn's gallery example, on NumPy-generated bike-sharing-like
data)."""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.inspection import PartialDependenceDisplay
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler


def main():
    rng = np.random.RandomState(0)
    n = 200
    temp = rng.uniform(0, 35, n)
    humidity = rng.uniform(0.2, 1.0, n)
    windspeed = rng.uniform(0, 40, n)
    hour = rng.uniform(0, 23, n)
    count = (
        50
        + 8 * temp
        - 0.15 * temp**2
        - 60 * humidity
        + 30 * np.sin(hour / 24 * 2 * np.pi)
        + 5 * rng.randn(n)
    )
    X = np.c_[temp, humidity, windspeed, hour]
    features = ["temp", "humidity", "windspeed", "hour"]
    model = make_pipeline(StandardScaler(), PolynomialFeatures(degree=2), Ridge(alpha=1.0))
    model.fit(X, count)
    print(f"R2 on the training set: {model.score(X, count):.3f}")
    fig, ax = plt.subplots(ncols=3, figsize=(9, 4), constrained_layout=True)
    display = PartialDependenceDisplay.from_estimator(
        model,
        X,
        ["temp", "humidity", ("temp", "humidity")],
        feature_names=features,
        kind=["both", "both", "average"],
        subsample=40,
        grid_resolution=20,
        random_state=0,
        ax=ax,
        pd_line_kw={"color": "tab:orange", "linestyle": "--"},
    )
    display.figure_.suptitle("ICE and PD of the number of bike rentals")
    results = {"r2": model.score(X, count)}
    for i, axis in enumerate(display.axes_.ravel()):
        results[f"panel{i}/lines"] = [line.get_xydata() for line in axis.get_lines()]
        results[f"panel{i}/ylim"] = axis.get_ylim()
        results[f"panel{i}/labels"] = (axis.get_xlabel(), axis.get_ylabel())
    results["pd_average_temp"] = display.pd_results[0].average
    results["pd_two_way"] = display.pd_results[2].average
    return results
