"""What the displays share: matplotlib on first use, style keywords, a classifier's scores.

The displays (``metrics.RocCurveDisplay``, ``inspection.DecisionBoundaryDisplay``, ...) draw with
matplotlib directly, as scikit-learn's do; it is imported when a display draws, never when
``homeml.learn`` is imported.
"""

from __future__ import annotations

import numpy as np

_ALIASES = {
    "ls": "linestyle",
    "c": "color",
    "ec": "edgecolor",
    "fc": "facecolor",
    "lw": "linewidth",
    "mec": "markeredgecolor",
    "mfcalt": "markerfacecoloralt",
    "ms": "markersize",
    "mew": "markeredgewidth",
    "mfc": "markerfacecolor",
    "aa": "antialiased",
    "ds": "drawstyle",
    "font": "fontproperties",
    "family": "fontfamily",
    "name": "fontname",
    "size": "fontsize",
    "stretch": "fontstretch",
    "style": "fontstyle",
    "variant": "fontvariant",
    "weight": "fontweight",
    "ha": "horizontalalignment",
    "va": "verticalalignment",
    "ma": "multialignment",
}


def pyplot(what: str):
    """``matplotlib.pyplot``, or an ImportError that says which display needed it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover (matplotlib is a dependency of the plots)
        raise ImportError(f"{what} requires matplotlib: pip install matplotlib") from error
    return plt


def axes(ax, what: str):
    """``(ax, figure)``: the given axes, or new ones."""
    plt = pyplot(what)
    if ax is None:
        _, ax = plt.subplots()
    return ax, ax.figure


def style(defaults: dict, user: dict | None) -> dict:
    """``defaults`` updated with the user's keywords, short aliases (``lw``) spelled out."""
    user = user or {}
    for short, full in _ALIASES.items():
        if short in user and full in user:
            raise TypeError(f"Got both {short} and {full}, which are aliases of one another")
    out = dict(defaults)
    for key, value in user.items():
        out[_ALIASES.get(key, key)] = value
    return out


def is_classifier(estimator) -> bool:
    """Whether ``estimator`` (homeml's or scikit-learn's) is a classifier."""
    from homeml.learn.model_selection._validation import is_classifier as check

    return check(estimator)


def response_values(estimator, X, response_method="auto", pos_label=None):
    """``(scores, pos_label)`` from the first of ``response_method`` the estimator has.

    For a binary classifier the scores are those of ``pos_label`` (the greater class by
    default): its probability column, or the decision function (negated for the lesser class).
    Multiclass probabilities and decision functions keep one column per class; a regressor's
    ``predict`` is returned as is.
    """
    from homeml.learn.validation import check_is_fitted

    check_is_fitted(estimator)
    if response_method == "auto":
        response_method = (
            ["predict_proba", "decision_function", "predict"]
            if is_classifier(estimator)
            else ["predict"]
        )
    methods = [response_method] if isinstance(response_method, str) else list(response_method)
    name = next((m for m in methods if hasattr(estimator, m)), None)
    if name is None:
        raise AttributeError(
            f"{type(estimator).__name__} has none of the following attributes: "
            f"{', '.join(methods)}."
        )
    scores = getattr(estimator, name)(X)
    if not is_classifier(estimator):
        return np.asarray(scores), None
    classes = estimator.classes_
    if pos_label is None:
        pos_label = classes[-1]
    elif pos_label not in classes.tolist():
        raise ValueError(
            f"pos_label={pos_label} is not a valid label: It should be one of {classes}"
        )
    scores = np.asarray(scores)
    if len(classes) == 2 and name == "predict_proba":
        scores = scores[:, int(np.flatnonzero(classes == pos_label)[0])]
    elif len(classes) == 2 and name == "decision_function" and pos_label == classes[0]:
        scores = -scores
    return scores, pos_label


def binary_response_values(estimator, X, response_method="auto", pos_label=None):
    """:func:`response_values` for a fitted binary classifier (a clear error otherwise)."""
    problem = "Expected 'estimator' to be a binary classifier."
    if not is_classifier(estimator):
        raise ValueError(f"{problem} Got {type(estimator).__name__} instead.")
    from homeml.learn.validation import check_is_fitted

    check_is_fitted(estimator)
    if len(estimator.classes_) != 2:
        raise ValueError(f"{problem} Got {len(estimator.classes_)} classes instead.")
    if response_method == "auto":
        response_method = ["predict_proba", "decision_function"]
    return response_values(estimator, X, response_method, pos_label)


def score_name(score_name, scoring, negate_score) -> str:
    """The y-axis label of the learning and validation curves (scikit-learn's wording)."""
    if score_name is not None:
        return score_name
    if scoring is None:
        return "Negative score" if negate_score else "Score"
    name = scoring.__name__ if callable(scoring) else scoring
    if negate_score:
        name = name[4:] if name.startswith("neg_") else f"Negative {name}"
    elif name.startswith("neg_"):
        name = f"Negative {name[4:]}"
    return name.replace("_", " ").capitalize()


def despine(ax) -> None:
    """Hide the top and right spines; the others span [0, 1]."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("bottom", "left"):
        ax.spines[side].set_bounds(0, 1)
