"""Scores for classifiers, regressors and clusterings, with scikit-learn's names and conventions.

Classification: accuracy, precision/recall/F-beta (binary, micro, macro, weighted, per class),
the confusion matrix and the classification report, ``log_loss``. Ranking: the ROC curve and its
area (binary, one-vs-rest, one-vs-one), ``auc``, the precision-recall curve and average
precision, the DET curve. Displays (matplotlib on first use): ``ConfusionMatrixDisplay``,
``RocCurveDisplay``, ``PrecisionRecallDisplay``, ``DetCurveDisplay``. Regression: MSE, RMSE,
MAE, R^2. Translation: BLEU and chrF with sacrebleu's functional API and defaults
(``corpus_bleu``, ``sentence_bleu``, ``corpus_chrf``, ``sentence_chrf``). Scorers
(``get_scorer("f1_macro")``) turn a metric into ``scorer(estimator, X, y)`` for model selection.
"""

from homeml.learn._scorer import check_scoring, get_scorer, get_scorer_names
from homeml.learn.metrics._classification import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
    fbeta_score,
    log_loss,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from homeml.learn.metrics._cluster import (
    adjusted_mutual_info_score,
    adjusted_rand_score,
    calinski_harabasz_score,
    completeness_score,
    contingency_matrix,
    davies_bouldin_score,
    homogeneity_completeness_v_measure,
    homogeneity_score,
    mutual_info_score,
    normalized_mutual_info_score,
    pair_confusion_matrix,
    rand_score,
    silhouette_samples,
    silhouette_score,
    v_measure_score,
)
from homeml.learn.metrics._common import UndefinedMetricWarning
from homeml.learn.metrics._curves import average_precision_score, det_curve, precision_recall_curve
from homeml.learn.metrics._plot_confusion import ConfusionMatrixDisplay
from homeml.learn.metrics._plot_det import DetCurveDisplay
from homeml.learn.metrics._plot_pr import PrecisionRecallDisplay
from homeml.learn.metrics._plot_roc import RocCurveDisplay
from homeml.learn.metrics._ranking import auc, roc_auc_score, roc_curve
from homeml.learn.metrics._regression import (
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
)
from homeml.learn.metrics._translation import (
    BLEUScore,
    CHRFScore,
    corpus_bleu,
    corpus_chrf,
    sentence_bleu,
    sentence_chrf,
)
from homeml.learn.metrics.pairwise import (
    euclidean_distances,
    pairwise_distances,
    pairwise_kernels,
)

__all__ = [
    "UndefinedMetricWarning",
    "ConfusionMatrixDisplay",
    "DetCurveDisplay",
    "PrecisionRecallDisplay",
    "RocCurveDisplay",
    "average_precision_score",
    "det_curve",
    "precision_recall_curve",
    "accuracy_score",
    "auc",
    "check_scoring",
    "classification_report",
    "confusion_matrix",
    "f1_score",
    "fbeta_score",
    "get_scorer",
    "get_scorer_names",
    "log_loss",
    "mean_absolute_error",
    "mean_squared_error",
    "precision_recall_fscore_support",
    "precision_score",
    "r2_score",
    "recall_score",
    "roc_auc_score",
    "roc_curve",
    "root_mean_squared_error",
    # distances and kernels (more in homeml.learn.metrics.pairwise)
    "euclidean_distances",
    "pairwise_distances",
    "pairwise_kernels",
    # clustering
    "adjusted_mutual_info_score",
    "adjusted_rand_score",
    "calinski_harabasz_score",
    "completeness_score",
    "contingency_matrix",
    "davies_bouldin_score",
    "homogeneity_completeness_v_measure",
    "homogeneity_score",
    "mutual_info_score",
    "normalized_mutual_info_score",
    "pair_confusion_matrix",
    "rand_score",
    "silhouette_samples",
    "silhouette_score",
    "v_measure_score",
    # machine translation (sacrebleu's functional API)
    "BLEUScore",
    "CHRFScore",
    "corpus_bleu",
    "corpus_chrf",
    "sentence_bleu",
    "sentence_chrf",
]
