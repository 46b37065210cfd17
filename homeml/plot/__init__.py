"""Pictures with matplotlib: the training report, and figures for homeml.learn models.

Every function draws on a given matplotlib Axes (or a new one) and returns it; the training
report writes one PNG. matplotlib is imported on first use, with the Agg backend (files, not
windows), so ``import homeml.plot`` stays light.

- training: :func:`training_report`, :func:`plot_history`, :func:`plot_image_grid`
- supervised models: :func:`plot_decision_boundary`, :func:`plot_confusion_matrix`,
  :func:`plot_roc_curve`, :func:`plot_learning_curve`, :func:`plot_tree`
- unsupervised models: :func:`plot_clusters`, :func:`plot_dendrogram` (and
  :func:`linkage_matrix`), :func:`plot_explained_variance`, :func:`plot_embedding`
- language models: :func:`plot_language_report`; translation: :func:`plot_translation_report`,
  :func:`attention_heatmap`
- generative models: :func:`plot_generative_report`
- text classification: :func:`plot_text_classification_report`
- reinforcement learning: :func:`plot_returns`, :func:`plot_state_values`
"""

from homeml.plot._generative import plot_generative_report
from homeml.plot._language import attention_heatmap, plot_language_report, plot_translation_report
from homeml.plot._recommend import plot_recommender_report
from homeml.plot._rl import plot_returns, plot_state_values
from homeml.plot._supervised import (
    _axes,
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_learning_curve,
    plot_roc_curve,
)
from homeml.plot._text import plot_text_classification_report
from homeml.plot._training import (
    _pyplot,
    plot_history,
    plot_image_grid,
    training_report,
)
from homeml.plot._tree import plot_tree
from homeml.plot._unsupervised import (
    linkage_matrix,
    plot_clusters,
    plot_dendrogram,
    plot_embedding,
    plot_explained_variance,
)

__all__ = [
    "plot_recommender_report",
    "_axes",
    "_pyplot",
    "attention_heatmap",
    "linkage_matrix",
    "plot_clusters",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_dendrogram",
    "plot_embedding",
    "plot_explained_variance",
    "plot_generative_report",
    "plot_history",
    "plot_image_grid",
    "plot_language_report",
    "plot_learning_curve",
    "plot_returns",
    "plot_roc_curve",
    "plot_state_values",
    "plot_text_classification_report",
    "plot_translation_report",
    "plot_tree",
    "training_report",
]
