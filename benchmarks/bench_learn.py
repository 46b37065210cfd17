"""Fit and predict each homeml.learn estimator and its scikit-learn twin on the same data.

    python benchmarks/bench_learn.py [--family tree] [--case forest] [--repeats 3]

Each case builds one dataset, then times ``fit`` and ``predict`` (or ``transform``) of the homeml
estimator and of scikit-learn's, interleaved in this process so that machine noise hits both alike,
and prints the best time of each and the ratios homeml / scikit-learn (below 1: homeml is faster)
next to the issue's target ratio for that family. Numba-compiled code is warmed up on a small
slice first, so compilation is not counted (it is cached on disk after the first run anyway).

Both libraries run OpenMP thread pools in this one process (scikit-learn's compiled code and
homeml's Numba ``prange`` kernels). The script sets ``OMP_WAIT_POLICY=PASSIVE`` (unless already
set) so that an idle pool sleeps instead of spinning against the other on 2 cores; without it
scikit-learn's HistGradientBoosting was seen 10x slower on a busy machine.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before any OpenMP runtime loads

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
    method: str | None = "predict"  # what to time after fit: predict / transform / None


def classification(n_samples, n_features, n_classes=2, seed=0):
    def make():
        X, y = skdata.make_classification(
            n_samples=n_samples + n_samples // 4,
            n_features=n_features,
            n_informative=max(2, n_features // 2),
            n_classes=n_classes,
            random_state=seed,
        )
        return X[:n_samples], y[:n_samples], X[n_samples:]

    return make


def regression(n_samples, n_features, seed=0):
    def make():
        X, y = skdata.make_regression(
            n_samples=n_samples + n_samples // 4,
            n_features=n_features,
            noise=10.0,
            random_state=seed,
        )
        return X[:n_samples], y[:n_samples], X[n_samples:]

    return make


CASES: list[Case] = []

# --- linear_model ---
from sklearn import linear_model as sklm  # noqa: E402 (kept with the linear_model cases)

CASES.extend(
    Case(f"{name} {shape}", "linear_model", data, homeml, sklearn, 1.5)
    for name, shape, data, homeml, sklearn in [
        (
            "LogisticRegression",
            "50000x20",
            classification(50_000, 20),
            lambda: hl.LogisticRegression(),
            lambda: sklm.LogisticRegression(),
        ),
        (
            "SGDClassifier",
            "50000x20",
            classification(50_000, 20),
            lambda: hl.SGDClassifier(random_state=0),
            lambda: sklm.SGDClassifier(random_state=0),
        ),
        (
            "LinearRegression",
            "100000x50",
            regression(100_000, 50),
            lambda: hl.LinearRegression(),
            lambda: sklm.LinearRegression(),
        ),
        (
            "Ridge",
            "100000x50",
            regression(100_000, 50),
            lambda: hl.Ridge(alpha=1.0),
            lambda: sklm.Ridge(alpha=1.0),
        ),
        (
            "Lasso",
            "100000x50",
            regression(100_000, 50),
            lambda: hl.Lasso(alpha=0.1),
            lambda: sklm.Lasso(alpha=0.1),
        ),
        (
            "ElasticNet",
            "100000x50",
            regression(100_000, 50),
            lambda: hl.ElasticNet(alpha=0.1),
            lambda: sklm.ElasticNet(alpha=0.1),
        ),
        (
            "SGDRegressor",
            "100000x50",
            regression(100_000, 50),
            lambda: hl.SGDRegressor(random_state=0),
            lambda: sklm.SGDRegressor(random_state=0),
        ),
        # The two libraries shuffle with different generators, so the epoch at which tol stops
        # them differs by chance (either way); 20 fixed epochs time the loop itself.
        (
            "SGDClassifier 20 epochs",
            "50000x20",
            classification(50_000, 20),
            lambda: hl.SGDClassifier(random_state=0, max_iter=20, tol=None),
            lambda: sklm.SGDClassifier(random_state=0, max_iter=20, tol=None),
        ),
        (
            "SGDRegressor 20 epochs",
            "100000x50",
            regression(100_000, 50),
            lambda: hl.SGDRegressor(random_state=0, max_iter=20, tol=None),
            lambda: sklm.SGDRegressor(random_state=0, max_iter=20, tol=None),
        ),
    ]
)
# --- tree ---
CASES.extend(
    [
        Case(
            "DecisionTreeClassifier 50000x20",
            "tree",
            classification(50_000, 20),
            lambda: hl.DecisionTreeClassifier(random_state=0),
            lambda: __import__("sklearn.tree").tree.DecisionTreeClassifier(random_state=0),
            2.0,
        ),
        Case(
            "DecisionTreeRegressor 100000x50",
            "tree",
            regression(100_000, 50),
            lambda: hl.DecisionTreeRegressor(random_state=0),
            lambda: __import__("sklearn.tree").tree.DecisionTreeRegressor(random_state=0),
            2.0,
        ),
        Case(
            "RandomForestClassifier 100 trees 50000x20",
            "tree",
            classification(50_000, 20),
            lambda: hl.RandomForestClassifier(random_state=0),
            lambda: __import__("sklearn.ensemble").ensemble.RandomForestClassifier(random_state=0),
            2.0,
        ),
        Case(
            "ExtraTreesClassifier 100 trees 50000x20",
            "tree",
            classification(50_000, 20),
            lambda: hl.ExtraTreesClassifier(random_state=0),
            lambda: __import__("sklearn.ensemble").ensemble.ExtraTreesClassifier(random_state=0),
            2.0,
        ),
    ]
)
# --- ensemble ---
from sklearn import ensemble as sk_ensemble  # noqa: E402 (kept with the ensemble cases)

CASES.extend(
    [
        Case(
            "HistGradientBoostingClassifier 50000x20",
            "ensemble",
            classification(50_000, 20),
            lambda: hl.HistGradientBoostingClassifier(random_state=0),
            lambda: sk_ensemble.HistGradientBoostingClassifier(random_state=0),
            2.0,
        ),
        Case(
            "HistGradientBoostingClassifier 50000x20 3cls",
            "ensemble",
            classification(50_000, 20, n_classes=3),
            lambda: hl.HistGradientBoostingClassifier(random_state=0),
            lambda: sk_ensemble.HistGradientBoostingClassifier(random_state=0),
            2.0,
        ),
        Case(
            "HistGradientBoostingRegressor 100000x50",
            "ensemble",
            regression(100_000, 50),
            lambda: hl.HistGradientBoostingRegressor(random_state=0),
            lambda: sk_ensemble.HistGradientBoostingRegressor(random_state=0),
            2.0,
        ),
        Case(
            "GradientBoostingClassifier 100 stages 10000x20",
            "ensemble",
            classification(10_000, 20),
            lambda: hl.GradientBoostingClassifier(random_state=0),
            lambda: sk_ensemble.GradientBoostingClassifier(random_state=0),
            2.0,
        ),
        Case(
            "GradientBoostingRegressor 100 stages 20000x20",
            "ensemble",
            regression(20_000, 20),
            lambda: hl.GradientBoostingRegressor(random_state=0),
            lambda: sk_ensemble.GradientBoostingRegressor(random_state=0),
            2.0,
        ),
        Case(
            "AdaBoostClassifier 50 stumps 50000x20",
            "ensemble",
            classification(50_000, 20),
            lambda: hl.AdaBoostClassifier(random_state=0),
            lambda: sk_ensemble.AdaBoostClassifier(random_state=0),
            2.0,
        ),
    ]
)
# --- svm ---
from sklearn import svm  # noqa: E402 (kept with the svm cases)

CASES.extend(
    [
        Case(
            "SVC rbf 5,000 x 20",
            "svm",
            classification(5_000, 20),
            lambda: hl.SVC(),
            lambda: svm.SVC(),
            target=3.0,
            method="decision_function",
        ),
        Case(
            "SVC rbf 5,000 x 20, 3 classes",
            "svm",
            classification(5_000, 20, n_classes=3),
            lambda: hl.SVC(),
            lambda: svm.SVC(),
            target=3.0,
        ),
        Case(
            "SVR rbf 5,000 x 20",
            "svm",
            regression(5_000, 20),
            lambda: hl.SVR(C=100.0),
            lambda: svm.SVR(C=100.0),
            target=3.0,
        ),
        Case(
            "LinearSVC 50,000 x 20",
            "svm",
            classification(50_000, 20),
            lambda: hl.LinearSVC(random_state=0),
            lambda: svm.LinearSVC(random_state=0),
            target=3.0,
            method="decision_function",
        ),
    ]
)
# --- neighbors ---
from sklearn import neighbors as sk_neighbors

CASES.extend(
    [
        Case(
            f"KNeighborsClassifier {algo} 40k x 20, 10k queries",
            "neighbors",
            classification(40_000, 20, seed=1),  # 40,000 fitted points, 10,000 queries
            lambda algo=algo: hl.KNeighborsClassifier(algorithm=algo),
            lambda algo=algo: sk_neighbors.KNeighborsClassifier(algorithm=algo),
            1.5,
        )
        for algo in ("brute", "kd_tree")
    ]
)
# --- naive_bayes / discriminant_analysis ---
from sklearn import discriminant_analysis as sk_da
from sklearn import naive_bayes as sk_nb


def word_counts(n_samples, n_features, n_classes=5, seed=0):
    """Poisson counts whose rates depend on the class (a bag-of-words stand-in)."""

    def make():
        import numpy as np

        rng = np.random.default_rng(seed)
        rates = rng.gamma(0.5, 2.0, size=(n_classes, n_features))
        y = rng.integers(0, n_classes, size=n_samples + n_samples // 4)
        X = rng.poisson(rates[y]).astype(float)
        return X[:n_samples], y[:n_samples], X[n_samples:]

    return make


CASES.extend(
    [
        Case(
            "GaussianNB 50k x 20",
            "naive_bayes",
            classification(50_000, 20, n_classes=3),
            lambda: hl.GaussianNB(),
            lambda: sk_nb.GaussianNB(),
            1.5,
        ),
        Case(
            "MultinomialNB counts 50k x 200, 5 classes",
            "naive_bayes",
            word_counts(50_000, 200),
            lambda: hl.MultinomialNB(),
            lambda: sk_nb.MultinomialNB(),
            1.5,
        ),
        Case(
            "BernoulliNB 50k x 20",
            "naive_bayes",
            classification(50_000, 20, n_classes=3),
            lambda: hl.BernoulliNB(),
            lambda: sk_nb.BernoulliNB(),
            1.5,
        ),
        Case(
            "LinearDiscriminantAnalysis 50k x 20 (report)",
            "discriminant_analysis",
            classification(50_000, 20, n_classes=3),
            lambda: hl.LinearDiscriminantAnalysis(),
            lambda: sk_da.LinearDiscriminantAnalysis(),
            1.5,
        ),
        Case(
            "QuadraticDiscriminantAnalysis 50k x 20 (report)",
            "discriminant_analysis",
            classification(50_000, 20, n_classes=3),
            lambda: hl.QuadraticDiscriminantAnalysis(reg_param=0.01),
            lambda: sk_da.QuadraticDiscriminantAnalysis(reg_param=0.01),
            1.5,
        ),
    ]
)
# --- preprocessing / pipeline / model_selection ---
from sklearn import linear_model as sk_lm
from sklearn import model_selection as sk_ms
from sklearn import preprocessing as sk_pre
from sklearn import tree as sk_tree


def one_hot_codes():
    import numpy as np

    X = np.random.default_rng(0).integers(0, 10, (50_000, 8))
    return X, None, X[:10_000]


def breast_cancer_standardised():
    X, y = skdata.load_breast_cancer(return_X_y=True)
    X = sk_pre.StandardScaler().fit_transform(X)
    return X, y, X


CANCER_GRID = {"C": [0.01, 0.1, 1.0, 10.0]}
TREE_GRID = {"max_depth": [2, 4, 6, None], "min_samples_leaf": [1, 5]}
CASES.extend(
    [
        Case(
            "StandardScaler 100000x50",
            "preprocessing",
            regression(100_000, 50),
            lambda: hl.StandardScaler(),
            lambda: sk_pre.StandardScaler(),
            1.5,
            "transform",
        ),
        Case(
            "OneHotEncoder 50000x8 (10 categories)",
            "preprocessing",
            one_hot_codes,
            lambda: hl.OneHotEncoder(),
            lambda: sk_pre.OneHotEncoder(sparse_output=False),
            1.5,
            "transform",
        ),
        # the search machinery alone: the same scikit-learn tree inside both searches
        Case(
            "GridSearchCV sklearn tree, 8 cand. x 5 folds",
            "preprocessing",
            breast_cancer_standardised,
            lambda: hl.GridSearchCV(
                sk_tree.DecisionTreeClassifier(random_state=0), TREE_GRID, cv=5
            ),
            lambda: sk_ms.GridSearchCV(
                sk_tree.DecisionTreeClassifier(random_state=0), TREE_GRID, cv=5
            ),
            1.5,
        ),
        # everything homeml against everything scikit-learn (LogisticRegression inside)
        Case(
            "GridSearchCV LogisticRegression 4 x 5 folds",
            "preprocessing",
            breast_cancer_standardised,
            lambda: hl.GridSearchCV(hl.LogisticRegression(max_iter=1000), CANCER_GRID, cv=5),
            lambda: sk_ms.GridSearchCV(sk_lm.LogisticRegression(max_iter=1000), CANCER_GRID, cv=5),
            1.5,
        ),
    ]
)

# --- the gallery's preprocessing, composition and feature selection ---
from sklearn import feature_selection as sk_fs  # noqa: E402

CASES.extend(
    [
        Case(
            "QuantileTransformer normal 100000x20",
            "preprocessing",
            regression(100_000, 20),
            lambda: hl.QuantileTransformer(output_distribution="normal", random_state=0),
            lambda: sk_pre.QuantileTransformer(output_distribution="normal", random_state=0),
            1.5,
            "transform",
        ),
        Case(
            "PowerTransformer yeo-johnson 20000x10",
            "preprocessing",
            regression(20_000, 10),
            lambda: hl.PowerTransformer(),
            lambda: sk_pre.PowerTransformer(),
            1.5,
            "transform",
        ),
        Case(
            "SplineTransformer 100000x10",
            "preprocessing",
            regression(100_000, 10),
            lambda: hl.SplineTransformer(n_knots=8),
            lambda: sk_pre.SplineTransformer(n_knots=8),
            1.5,
            "transform",
        ),
        Case(
            "KBinsDiscretizer quantile 100000x20",
            "preprocessing",
            regression(100_000, 20),
            lambda: hl.KBinsDiscretizer(n_bins=10, encode="ordinal"),
            lambda: sk_pre.KBinsDiscretizer(n_bins=10, encode="ordinal"),
            1.5,
            "transform",
        ),
        Case(
            "SelectKBest f_classif 100000x50",
            "feature_selection",
            classification(100_000, 50),
            lambda: hl.SelectKBest(hl.f_classif, k=10),
            lambda: sk_fs.SelectKBest(sk_fs.f_classif, k=10),
            1.5,
            "transform",
        ),
        Case(
            "RFE Ridge 20000x50 to 10",
            "feature_selection",
            regression(20_000, 50),
            lambda: hl.RFE(sk_lm.Ridge(), n_features_to_select=10),
            lambda: sk_fs.RFE(sk_lm.Ridge(), n_features_to_select=10),
            1.5,
            "transform",
        ),
    ]
)

# --- model_selection splitters, inspection: the splitting / permuting machinery itself ---


class SplitAll:
    """``fit`` draws every split of ``splitter`` (group splitters: 500 groups by row position)."""

    def __init__(self, splitter):
        self.splitter = splitter

    def fit(self, X, y=None):
        import numpy as np

        groups = np.arange(len(X)) % 500 if "Group" in type(self.splitter).__name__ else None
        for _ in self.splitter.split(X, y, groups):
            pass
        return self


class PermuteAll:
    """``fit`` fits scikit-learn's Ridge (the same model for both) and runs ``importance``."""

    def __init__(self, importance):
        self.importance = importance

    def fit(self, X, y):
        model = sk_lm.Ridge().fit(X, y)
        self.result_ = self.importance(model, X, y, n_repeats=5, random_state=0)
        return self


from sklearn import inspection as sk_inspection  # noqa: E402

SPLITTERS = [
    ("ShuffleSplit x10", "ShuffleSplit", {"n_splits": 10, "random_state": 0}),
    ("StratifiedShuffleSplit x10", "StratifiedShuffleSplit", {"n_splits": 10, "random_state": 0}),
    ("GroupKFold x5", "GroupKFold", {"n_splits": 5}),
    ("GroupShuffleSplit x5", "GroupShuffleSplit", {"n_splits": 5, "random_state": 0}),
    ("TimeSeriesSplit x5", "TimeSeriesSplit", {"n_splits": 5}),
    ("RepeatedStratifiedKFold 5x3", "RepeatedStratifiedKFold", {"n_repeats": 3, "random_state": 0}),
]
CASES.extend(
    Case(
        f"{label} 100000 samples",
        "model_selection",
        classification(100_000, 8, n_classes=3),
        lambda name=name, kw=kw: SplitAll(getattr(hl, name)(**kw)),
        lambda name=name, kw=kw: SplitAll(getattr(sk_ms, name)(**kw)),
        1.5,
        None,
    )
    for label, name, kw in SPLITTERS
)
CASES.extend(
    [
        Case(
            "StratifiedGroupKFold x5 20000 samples",
            "model_selection",
            classification(20_000, 8, n_classes=3),
            lambda: SplitAll(hl.StratifiedGroupKFold(5)),
            lambda: SplitAll(sk_ms.StratifiedGroupKFold(5)),
            1.5,
            None,
        ),
        Case(
            "permutation_importance (sklearn Ridge) 5000x20",
            "inspection",
            regression(5_000, 20),
            lambda: PermuteAll(hl.permutation_importance),
            lambda: PermuteAll(sk_inspection.permutation_importance),
            1.5,
            None,
        ),
    ]
)

# --- cluster: kmeans / spectral ---
from sklearn import cluster as sk_kmeans_family  # noqa: E402


def kmeans_blobs(n_samples, n_features, centers, seed=0):
    """Blobs that overlap (std 4), so that Lloyd runs ~20 iterations instead of 2."""

    def make():
        X = skdata.make_blobs(
            n_samples + n_samples // 4,
            n_features=n_features,
            centers=centers,
            cluster_std=4.0,
            random_state=seed,
        )[0]
        return X[:n_samples], None, X[n_samples:]

    return make


def spectral_data(kind, n_samples):
    def make():
        if kind == "moons":  # noise 0.1: the 10-neighbour graph is connected
            X = skdata.make_moons(n_samples, noise=0.1, random_state=0)[0]
        else:
            X = skdata.make_blobs(n_samples, n_features=10, centers=5, random_state=0)[0]
        return X, None, X

    return make


KMEANS_DATA = kmeans_blobs(100_000, 20, 10)
# one k-means++ seeding with the same random_state: both libraries draw the same centres and
# run the same iterations, so the iterations themselves are timed
CASES.extend(
    [
        Case(
            "KMeans k=10 100,000 x 20",
            "cluster",
            KMEANS_DATA,
            lambda: hl.KMeans(10, n_init=1, random_state=0),
            lambda: sk_kmeans_family.KMeans(10, n_init=1, random_state=0),
            1.5,
        ),
        Case(
            "KMeans elkan k=10 100,000 x 20 (report)",
            "cluster",
            KMEANS_DATA,
            lambda: hl.KMeans(10, n_init=1, algorithm="elkan", random_state=0),
            lambda: sk_kmeans_family.KMeans(10, n_init=1, algorithm="elkan", random_state=0),
            1.5,
        ),
        Case(
            "MiniBatchKMeans k=10 100,000 x 20 (report)",
            "cluster",
            KMEANS_DATA,
            lambda: hl.MiniBatchKMeans(10, random_state=0),
            lambda: sk_kmeans_family.MiniBatchKMeans(10, random_state=0),
            3.0,
        ),
        Case(
            "SpectralClustering rbf 1,000 x 10 (report)",
            "cluster",
            spectral_data("blobs", 1_000),
            lambda: hl.SpectralClustering(5, gamma=0.1, random_state=0),
            lambda: sk_kmeans_family.SpectralClustering(5, gamma=0.1, random_state=0),
            3.0,
            None,
        ),
        Case(
            "SpectralClustering nn 1,000 moons (report)",
            "cluster",
            spectral_data("moons", 1_000),
            lambda: hl.SpectralClustering(2, affinity="nearest_neighbors", random_state=0),
            lambda: sk_kmeans_family.SpectralClustering(
                2, affinity="nearest_neighbors", random_state=0
            ),
            3.0,
            None,
        ),
    ]
)
# --- cluster: dbscan / agglomerative / mean_shift ---
from sklearn import cluster as sk_cluster  # noqa: E402 (kept with the density cases)


def blobs(n_samples, n_features, centers, seed=0):
    def make():
        X = skdata.make_blobs(n_samples, n_features=n_features, centers=centers, random_state=seed)[
            0
        ]
        return X, None, X

    return make


CASES.extend(
    [
        # 20,000 points in 5 unit-variance 2-D blobs; eps=0.3 holds ~100 neighbours per point
        Case(
            "DBSCAN 20,000 x 2 blobs, eps=0.3",
            "cluster",
            blobs(20_000, 2, 5),
            lambda: hl.DBSCAN(eps=0.3, min_samples=10),
            lambda: sk_cluster.DBSCAN(eps=0.3, min_samples=10),
            3.0,
            None,
        ),
        *(
            Case(
                f"AgglomerativeClustering {link} 3,000 x 10 (report)",
                "cluster",
                blobs(3_000, 10, 8),
                lambda link=link: hl.AgglomerativeClustering(8, linkage=link),
                lambda link=link: sk_cluster.AgglomerativeClustering(8, linkage=link),
                3.0,
                None,
            )
            for link in ("ward", "average", "single")
        ),
        Case(
            "MeanShift bin_seeding 10,000 x 2 (report)",
            "cluster",
            blobs(10_000, 2, 5),
            lambda: hl.MeanShift(bandwidth=1.0, bin_seeding=True),
            lambda: sk_cluster.MeanShift(bandwidth=1.0, bin_seeding=True),
            3.0,
            "predict",
        ),
    ]
)
# --- mixture / covariance / outliers ---
from sklearn import covariance as sk_covariance  # noqa: E402
from sklearn import mixture as sk_mixture  # noqa: E402


def overlapping_blobs(n_samples, n_features, centers, seed=0):
    """Blobs that overlap (std 4), so that EM needs tens of iterations, not two."""

    def make():
        X, _ = skdata.make_blobs(
            n_samples + n_samples // 4,
            n_features=n_features,
            centers=centers,
            cluster_std=4.0,
            random_state=seed,
        )
        return X[:n_samples], None, X[n_samples:]

    return make


def planted_outliers(n_samples, n_features, seed=0):
    """Gaussian inliers with 5% uniform outliers."""

    def make():
        import numpy as np

        rng = np.random.default_rng(seed)
        total = n_samples + n_samples // 4
        X = rng.standard_normal((total, n_features))
        X[::20] = rng.uniform(-8, 8, (len(X[::20]), n_features))
        return X[:n_samples], None, X[n_samples:]

    return make


GMM_DATA = overlapping_blobs(20_000, 10, 5)
# the same starting means for both libraries: identical EM paths, so the loop itself is timed
GMM_MEANS = GMM_DATA()[0][:5]
CASES.extend(
    [
        Case(
            "GaussianMixture full 20k x 10, k=5",
            "mixture",
            GMM_DATA,
            lambda: hl.GaussianMixture(5, random_state=0),
            lambda: sk_mixture.GaussianMixture(5, random_state=0),
            3.0,
        ),
        *(
            Case(
                f"GaussianMixture {cov} 20k x 10, k=5, same init",
                "mixture",
                GMM_DATA,
                lambda cov=cov: hl.GaussianMixture(5, covariance_type=cov, means_init=GMM_MEANS),
                lambda cov=cov: sk_mixture.GaussianMixture(
                    5, covariance_type=cov, means_init=GMM_MEANS
                ),
                3.0,
            )
            for cov in ("full", "tied", "diag", "spherical")
        ),
        Case(
            "IsolationForest 50k x 10",
            "outliers",
            planted_outliers(50_000, 10),
            lambda: hl.IsolationForest(random_state=0),
            lambda: sk_ensemble.IsolationForest(random_state=0),
            3.0,
        ),
        Case(
            "LocalOutlierFactor novelty 10k x 5",
            "outliers",
            planted_outliers(10_000, 5),
            lambda: hl.LocalOutlierFactor(novelty=True),
            lambda: sk_neighbors.LocalOutlierFactor(novelty=True),
            3.0,
        ),
        Case(
            "EllipticEnvelope 20k x 5",
            "outliers",
            planted_outliers(20_000, 5),
            lambda: hl.EllipticEnvelope(random_state=0),
            lambda: sk_covariance.EllipticEnvelope(random_state=0),
            3.0,
        ),
    ]
)
# --- decomposition ---
from sklearn import decomposition as sk_dec


def low_rank(n_samples, n_features, rank=60, seed=0, non_negative=False):
    """Data of roughly ``rank`` directions plus noise (non-negative for NMF)."""

    def make():
        import numpy as np

        rng = np.random.default_rng(seed)
        n = n_samples + n_samples // 4
        A, B = rng.standard_normal((n, rank)), rng.standard_normal((rank, n_features))
        if non_negative:
            A, B = np.abs(A), np.abs(B)
        X = A @ B + 0.5 * np.abs(rng.standard_normal((n, n_features)))
        return X[:n_samples], None, X[n_samples:]

    return make


CASES.extend(
    [
        Case(
            "PCA 20,000 x 500 -> 50",
            "decomposition",
            low_rank(20_000, 500),
            lambda: hl.PCA(50),
            lambda: sk_dec.PCA(50),
            1.5,
            "transform",
        ),
        Case(
            "PCA randomized 20,000 x 500 -> 50",
            "decomposition",
            low_rank(20_000, 500),
            lambda: hl.PCA(50, svd_solver="randomized", random_state=0),
            lambda: sk_dec.PCA(50, svd_solver="randomized", random_state=0),
            1.5,
            "transform",
        ),
        Case(
            "TruncatedSVD 20,000 x 500 -> 50",
            "decomposition",
            low_rank(20_000, 500),
            lambda: hl.TruncatedSVD(50, random_state=0),
            lambda: sk_dec.TruncatedSVD(50, random_state=0),
            1.5,
            "transform",
        ),
        Case(
            "NMF cd 5,000 x 200 -> 10 (report)",
            "decomposition",
            low_rank(5_000, 200, rank=10, non_negative=True),
            lambda: hl.NMF(10, random_state=0, max_iter=200),
            lambda: sk_dec.NMF(10, random_state=0, max_iter=200),
            3.0,
            "transform",
        ),
    ]
)
# --- manifold ---
from sklearn import manifold as sk_manifold  # noqa: E402 (kept with the manifold cases)


def gaussian_blobs(n_samples, n_features, centers=10, seed=0):
    """Isotropic Gaussian blobs (``X_test`` for estimators with ``transform``)."""

    def make():
        X, _ = skdata.make_blobs(
            n_samples + n_samples // 4, n_features=n_features, centers=centers, random_state=seed
        )
        return X[:n_samples], None, X[n_samples:]

    return make


def s_curve(n_samples, seed=0):
    def make():
        X, _ = skdata.make_s_curve(n_samples + n_samples // 4, random_state=seed)
        return X[:n_samples], None, X[n_samples:]

    return make


# n_iter_without_progress = max_iter: both libraries run all 1000 iterations (the KL divergence
# may otherwise stall at a different checkpoint in each), the same P, init and schedule
TSNE_PARAMS = dict(
    perplexity=30.0, max_iter=1000, init="pca", random_state=0, n_iter_without_progress=1000
)
CASES.extend(
    [
        Case(
            "TSNE barnes_hut 5,000 x 50, 1000 iterations",
            "manifold",
            gaussian_blobs(5_000, 50),
            lambda: hl.TSNE(**TSNE_PARAMS),
            lambda: sk_manifold.TSNE(**TSNE_PARAMS),
            3.0,
            None,
        ),
        Case(
            "Isomap 2,000 s-curve, k=10 (report)",
            "manifold",
            s_curve(2_000),
            lambda: hl.Isomap(n_neighbors=10),
            lambda: sk_manifold.Isomap(n_neighbors=10),
            3.0,
            "transform",
        ),
        # the same random start (same RandomState draws): the same SMACOF iterations
        Case(
            "MDS metric 500 x 10 (report)",
            "manifold",
            gaussian_blobs(500, 10),
            lambda: hl.MDS(init="random", random_state=0),
            lambda: sk_manifold.MDS(init="random", random_state=0),
            3.0,
            None,
        ),
    ]
)
# --- semi_supervised ---
from sklearn import semi_supervised as sk_semi  # noqa: E402 (kept with the semi-supervised cases)


def digits_few_labels(fraction=0.1, seed=0):
    """The 1,797 8x8 digits scaled to [0, 1], all used in fit with only ``fraction`` of the
    labels kept (the rest -1); predict labels every digit."""

    def make():
        import numpy as np

        X, y = skdata.load_digits(return_X_y=True)
        X = X / 16.0
        y = np.where(np.random.default_rng(seed).random(len(y)) < fraction, y, -1)
        return X, y, X

    return make


DIGITS_10 = digits_few_labels()
CASES.extend(
    [
        # gamma=2 on [0, 1] pixels (median squared distance ~9): 96-97% of the hidden labels found
        Case(
            "LabelSpreading knn 1797x64, 10% labels",
            "semi_supervised",
            DIGITS_10,
            lambda: hl.LabelSpreading(kernel="knn", n_neighbors=7),
            lambda: sk_semi.LabelSpreading(kernel="knn", n_neighbors=7),
            3.0,
        ),
        Case(
            "LabelSpreading rbf 1797x64, 10% labels",
            "semi_supervised",
            DIGITS_10,
            lambda: hl.LabelSpreading(gamma=2.0),
            lambda: sk_semi.LabelSpreading(gamma=2.0),
            3.0,
        ),
        # gamma=1 converges in ~125 iterations (gamma=2 needs ~700, 7-9 s a fit)
        Case(
            "LabelPropagation rbf 1797x64, 10% labels",
            "semi_supervised",
            DIGITS_10,
            lambda: hl.LabelPropagation(gamma=1.0),
            lambda: sk_semi.LabelPropagation(gamma=1.0),
            3.0,
        ),
        Case(
            "LabelPropagation knn 1797x64, 10% labels",
            "semi_supervised",
            DIGITS_10,
            lambda: hl.LabelPropagation(kernel="knn"),
            lambda: sk_semi.LabelPropagation(kernel="knn"),
            3.0,
        ),
        Case(
            "SelfTraining LogisticRegression 1797x64, 10%",
            "semi_supervised",
            DIGITS_10,
            lambda: hl.SelfTrainingClassifier(hl.LogisticRegression(max_iter=1000)),
            lambda: sk_semi.SelfTrainingClassifier(sklm.LogisticRegression(max_iter=1000)),
            3.0,
        ),
    ]
)


# --- neural_network ---
from sklearn import neural_network as sk_nn  # noqa: E402 (kept with the MLP cases)


def digits_scaled():
    def make():
        X, y = skdata.load_digits(return_X_y=True)
        return X[:1400] / 16.0, y[:1400], X[1400:] / 16.0

    return make


# a fixed number of epochs (tol=0 never stops early): both run the same updates, since with the
# same random_state the sgd/adam weights are equal to scikit-learn's
_EPOCHS = dict(max_iter=30, tol=0.0, n_iter_no_change=10**9, random_state=0)
CASES.extend(
    [
        Case(
            "MLPClassifier adam (100,) 5000x20 30 ep",
            "neural_network",
            classification(5000, 20, n_classes=3),
            lambda: hl.MLPClassifier(**_EPOCHS),
            lambda: sk_nn.MLPClassifier(**_EPOCHS),
            1.5,
        ),
        Case(
            "MLPClassifier sgd (64,32) digits 30 ep",
            "neural_network",
            digits_scaled(),
            lambda: hl.MLPClassifier((64, 32), solver="sgd", learning_rate_init=0.05, **_EPOCHS),
            lambda: sk_nn.MLPClassifier((64, 32), solver="sgd", learning_rate_init=0.05, **_EPOCHS),
            1.5,
        ),
        Case(
            "MLPRegressor adam (100,) 5000x20 30 ep",
            "neural_network",
            regression(5000, 20),
            lambda: hl.MLPRegressor(**_EPOCHS),
            lambda: sk_nn.MLPRegressor(**_EPOCHS),
            1.5,
        ),
        # two different L-BFGS implementations (homeml's own, SciPy's L-BFGS-B): they may stop
        # after different numbers of iterations (about 40 both here), see BENCHMARKS.md
        Case(
            "MLPClassifier lbfgs (50,) digits 100 it",
            "neural_network",
            digits_scaled(),
            lambda: hl.MLPClassifier((50,), solver="lbfgs", max_iter=100, random_state=0),
            lambda: sk_nn.MLPClassifier((50,), solver="lbfgs", max_iter=100, random_state=0),
            1.5,
        ),
    ]
)

# --- datasets: the generators, timed as "fit" (no predict) ---


class _Draw:
    """A generator call shaped like an estimator, so that run_case can time it as ``fit``."""

    def __init__(self, function, **kwargs):
        self.function, self.kwargs = function, kwargs

    def fit(self, *args):
        self.function(**self.kwargs)
        return self


def _nothing():
    import numpy as np

    return np.zeros((1, 1)), None, None


def _generator_case(name, kwargs):
    import homeml.learn.datasets as hd

    return Case(
        f"{name} {kwargs.get('n_samples', '')}",
        "datasets",
        _nothing,
        lambda: _Draw(getattr(hd, name), random_state=0, **kwargs),
        lambda: _Draw(getattr(skdata, name), random_state=0, **kwargs),
        1.5,
        None,
    )


CASES.extend(
    _generator_case(name, kwargs)
    for name, kwargs in [
        ("make_classification", dict(n_samples=100_000, n_features=20)),
        ("make_regression", dict(n_samples=100_000, n_features=50)),
        ("make_blobs", dict(n_samples=200_000, centers=5)),
        ("make_moons", dict(n_samples=200_000, noise=0.1)),
        ("make_circles", dict(n_samples=200_000, noise=0.1)),
        ("make_swiss_roll", dict(n_samples=200_000, noise=0.1, hole=True)),
        ("make_s_curve", dict(n_samples=200_000, noise=0.1)),
        ("make_low_rank_matrix", dict(n_samples=2000, n_features=500)),
        ("make_friedman1", dict(n_samples=200_000)),
    ]
)


def _time(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def run_case(case: Case, repeats: int) -> dict:
    X, y, X_test = case.data()
    args = (X,) if y is None else (X, y)
    # warm-up (Numba compilation, caches) on a slice, not timed
    warm = case.homeml().fit(*(a[: min(len(a), 500)] for a in args))
    if case.method is not None:
        getattr(warm, case.method)(X_test[:50])
    fit_h, fit_s, pred_h, pred_s = [], [], [], []
    for _ in range(repeats):
        for make, fits, preds in ((case.homeml, fit_h, pred_h), (case.sklearn, fit_s, pred_s)):
            est = make()
            fits.append(_time(lambda est=est: est.fit(*args)))
            if case.method is not None:
                preds.append(_time(lambda est=est: getattr(est, case.method)(X_test)))
    return {
        "fit_h": min(fit_h),
        "fit_s": min(fit_s),
        "pred_h": min(pred_h, default=float("nan")),
        "pred_s": min(pred_s, default=float("nan")),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", help="only cases of this family (e.g. tree)")
    parser.add_argument("--case", help="only cases whose name contains this text")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    import warnings

    warnings.simplefilter("ignore", category=Warning)  # ConvergenceWarning of fixed-epoch fits
    cases = [
        c
        for c in CASES
        if (args.family is None or c.family == args.family)
        and (args.case is None or args.case.lower() in c.name.lower())
    ]
    print(
        f"{'case':44s} {'fit homeml':>10s} {'sklearn':>8s} {'ratio':>6s} {'target':>6s}  "
        f"{'predict':>8s} {'sklearn':>8s} {'ratio':>6s}"
    )
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
