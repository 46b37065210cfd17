"""Fit and predict each homeml.learn estimator and its scikit-learn twin on the same data.

    python benchmarks/bench_learn.py [--family tree] [--case forest] [--repeats 3]

Each case builds one dataset, then times ``fit`` and ``predict`` (or ``transform``) of the homeml
estimator and of scikit-learn's, interleaved in this process so that machine noise hits both alike,
and prints the best time of each and the ratios homeml / scikit-learn (below 1: homeml is faster)
next to the issue's target ratio for that family. Numba-compiled code is warmed up on a small
slice first, so compilation is not counted (it is cached on disk after the first run anyway).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

from sklearn import datasets as skdata

import homeml.learn as hl  # noqa: F401 (the cases below build estimators from it)


@dataclass
class Case:
    """One benchmark: a dataset and the same estimator in homeml and scikit-learn."""

    name: str
    family: str
    data: Callable[[], tuple]  # () -> (X_train, y_train, X_test); y_train may be None
    homeml: Callable[[], object]
    sklearn: Callable[[], object]
    target: float  # the fit-time ratio target for this family
    method: str = "predict"  # what to time after fit: predict / transform / ...


def classification(n_samples, n_features, n_classes=2, seed=0):
    def make():
        X, y = skdata.make_classification(
            n_samples=n_samples + n_samples // 4, n_features=n_features,
            n_informative=max(2, n_features // 2), n_classes=n_classes, random_state=seed,
        )  # fmt: skip
        return X[:n_samples], y[:n_samples], X[n_samples:]

    return make


def regression(n_samples, n_features, seed=0):
    def make():
        X, y = skdata.make_regression(
            n_samples=n_samples + n_samples // 4, n_features=n_features, noise=10.0,
            random_state=seed,
        )  # fmt: skip
        return X[:n_samples], y[:n_samples], X[n_samples:]

    return make


CASES: list[Case] = []

# --- linear_model ---
# --- tree ---
# --- ensemble ---
# --- svm ---
# --- neighbors ---
# --- naive_bayes / discriminant_analysis ---
# --- preprocessing / pipeline / model_selection ---


def _time(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def run_case(case: Case, repeats: int) -> dict:
    X, y, X_test = case.data()
    args = (X,) if y is None else (X, y)
    # warm-up (Numba compilation, caches) on a slice, not timed
    warm = case.homeml().fit(*(a[: min(len(a), 500)] for a in args))
    getattr(warm, case.method)(X_test[:50])
    fit_h, fit_s, pred_h, pred_s = [], [], [], []
    for _ in range(repeats):
        for make, fits, preds in ((case.homeml, fit_h, pred_h), (case.sklearn, fit_s, pred_s)):
            est = make()
            fits.append(_time(lambda est=est: est.fit(*args)))
            preds.append(_time(lambda est=est: getattr(est, case.method)(X_test)))
    return {
        "fit_h": min(fit_h), "fit_s": min(fit_s), "pred_h": min(pred_h), "pred_s": min(pred_s),
    }  # fmt: skip


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", help="only cases of this family (e.g. tree)")
    parser.add_argument("--case", help="only cases whose name contains this text")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    cases = [
        c for c in CASES
        if (args.family is None or c.family == args.family)
        and (args.case is None or args.case.lower() in c.name.lower())
    ]  # fmt: skip
    print(f"{'case':44s} {'fit homeml':>10s} {'sklearn':>8s} {'ratio':>6s} {'target':>6s}  "
          f"{'predict':>8s} {'sklearn':>8s} {'ratio':>6s}")  # fmt: skip
    for case in cases:
        r = run_case(case, args.repeats)
        fit_ratio, pred_ratio = r["fit_h"] / r["fit_s"], r["pred_h"] / r["pred_s"]
        flag = "" if fit_ratio <= case.target else "  MISSED"
        print(
            f"{case.name:44s} {r['fit_h']:10.3f} {r['fit_s']:8.3f} {fit_ratio:6.2f} "
            f"{case.target:6.1f}  {r['pred_h']:8.4f} {r['pred_s']:8.4f} {pred_ratio:6.2f}{flag}",
            flush=True,
        )


if __name__ == "__main__":
    main()
