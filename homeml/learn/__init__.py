"""Classic machine learning with scikit-learn's estimator contract, written on NumPy.

Every estimator is importable from here (``from homeml.learn import RandomForestClassifier``) and
from its module (``homeml.learn.ensemble``). Modules load on first use, so ``import homeml.learn``
stays cheap.
"""

from importlib import import_module

from homeml.learn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClusterMixin,
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
    OutlierMixin,
    RegressorMixin,
    TransformerMixin,
    clone,
)

# public name -> module that defines it (the estimators, by family)
_MODULE_OF = {
    name: module
    for module, names in {
        "linear_model": [
            "LinearRegression", "Ridge", "Lasso", "ElasticNet", "LogisticRegression",
            "SGDClassifier", "SGDRegressor", "Perceptron",
        ],
        "tree": ["DecisionTreeClassifier", "DecisionTreeRegressor", "export_text"],
        "ensemble": [
            "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier",
            "ExtraTreesRegressor", "GradientBoostingClassifier", "GradientBoostingRegressor",
            "HistGradientBoostingClassifier", "HistGradientBoostingRegressor",
            "AdaBoostClassifier", "VotingClassifier", "IsolationForest",
        ],
        "svm": ["SVC", "SVR", "LinearSVC"],
        "neighbors": [
            "KNeighborsClassifier", "KNeighborsRegressor", "NearestNeighbors", "KDTree",
            "LocalOutlierFactor", "kneighbors_graph", "radius_neighbors_graph",
        ],
        "naive_bayes": ["GaussianNB", "MultinomialNB", "BernoulliNB"],
        "discriminant_analysis": [
            "LinearDiscriminantAnalysis", "QuadraticDiscriminantAnalysis",
        ],
        "preprocessing": [
            "StandardScaler", "MinMaxScaler", "RobustScaler", "Normalizer", "OneHotEncoder",
            "OrdinalEncoder", "LabelEncoder", "PolynomialFeatures", "SimpleImputer",
        ],
        "pipeline": ["Pipeline", "make_pipeline", "ColumnTransformer", "make_column_transformer"],
        "model_selection": [
            "train_test_split", "KFold", "StratifiedKFold", "cross_val_score", "cross_validate",
            "GridSearchCV", "RandomizedSearchCV", "learning_curve",
        ],
        "cluster": [
            "KMeans", "MiniBatchKMeans", "DBSCAN", "AgglomerativeClustering",
            "SpectralClustering", "MeanShift", "estimate_bandwidth", "kmeans_plusplus",
        ],
        "mixture": ["GaussianMixture"],
        "covariance": ["EmpiricalCovariance", "MinCovDet", "EllipticEnvelope"],
        "decomposition": ["PCA", "IncrementalPCA", "TruncatedSVD", "KernelPCA", "NMF", "FastICA"],
        "manifold": ["TSNE", "MDS", "Isomap", "trustworthiness"],
        "semi_supervised": ["LabelPropagation", "LabelSpreading", "SelfTrainingClassifier"],
    }.items()
    for name in names
}

_SUBMODULES = {
    "base", "exceptions", "validation", "metrics", "linear_model", "tree", "ensemble", "svm",
    "neighbors", "naive_bayes", "discriminant_analysis", "preprocessing", "pipeline",
    "model_selection", "cluster", "mixture", "covariance", "decomposition", "manifold",
    "semi_supervised",
}

__all__ = [
    "BaseEstimator", "ClassifierMixin", "ClusterMixin", "ConvergenceWarning",
    "DataConversionWarning", "NotFittedError", "OutlierMixin", "RegressorMixin",
    "TransformerMixin", "clone", *_MODULE_OF,
]


def __getattr__(name: str):
    if name in _MODULE_OF:
        value = getattr(import_module(f"homeml.learn.{_MODULE_OF[name]}"), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return import_module(f"homeml.learn.{name}")
    raise AttributeError(f"module 'homeml.learn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
