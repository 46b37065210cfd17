"""``SVC``: C-support vector classification with a kernel, one binary SMO problem per class pair."""

from __future__ import annotations

import numpy as np

from homeml.learn._param_validation import StrOptions
from homeml.learn.base import (
    ClassifierMixin,
    available_if,
    check_is_fitted,
    check_random_state,
    check_sample_weight,
    encode_classes,
    require_two_classes,
)
from homeml.learn.svm._base import (
    _BaseKernelSVM,
    _check_some_weight_positive,
    _class_weights,
)
from homeml.learn.svm._kernels import kernel_matrix
from homeml.learn.svm._platt import couple_pairwise, fit_sigmoid, predict_sigmoid
from homeml.learn.svm._smo import PRECOMPUTED


class SVC(ClassifierMixin, _BaseKernelSVM):
    """C-support vector classification with a kernel, one-vs-one for several classes.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength (box constraint of the dual), > 0.
    kernel : {"linear", "poly", "rbf", "sigmoid", "precomputed"} or callable, default="rbf"
    degree : int, default=3
        Degree of the polynomial kernel ``(gamma <x, x'> + coef0) ** degree``.
    gamma : {"scale", "auto"} or float, default="scale"
        Kernel coefficient; "scale" is ``1 / (n_features * X.var())``, "auto" ``1 / n_features``.
    coef0 : float, default=0.0
        Independent term of the poly and sigmoid kernels.
    shrinking : bool, default=True
        Accepted for compatibility; the solver works on all variables (no shrinking).
    probability : bool, default=False
        Fit Platt sigmoids by internal 5-fold cross-validation to enable ``predict_proba``.
    tol : float, default=1e-3
        Stop when the maximal KKT violation is below ``tol``.
    cache_size : float, default=200
        Kernel row cache in MB.
    class_weight : dict or "balanced", default=None
        Multiplies ``C`` per class; "balanced" uses ``n_samples / (n_classes * bincount(y))``.
    verbose : bool, default=False
        Unused (kept for compatibility).
    max_iter : int, default=-1
        SMO iteration limit per binary problem, -1 for none.
    decision_function_shape : {"ovr", "ovo"}, default="ovr"
        "ovo": one column per pair of classes; "ovr": votes plus scaled confidences per class.
    break_ties : bool, default=False
        With "ovr" and more than two classes, predict the argmax of ``decision_function``.
    random_state : int, RandomState or None, default=None
        Seeds the cross-validation folds of ``probability=True``.

    Attributes
    ----------
    classes_, class_weight_, support_, support_vectors_, n_support_, dual_coef_, intercept_,
    coef_ (linear kernel), fit_status_, n_iter_, shape_fit_, probA_, probB_, n_features_in_
    """

    _homeml_constraints = {
        **_BaseKernelSVM._homeml_constraints,
        "probability": ["boolean"],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "decision_function_shape": [StrOptions({"ovr", "ovo"})],
        "break_ties": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        C=1.0,
        kernel="rbf",
        degree=3,
        gamma="scale",
        coef0=0.0,
        shrinking=True,
        probability=False,
        tol=1e-3,
        cache_size=200,
        class_weight=None,
        verbose=False,
        max_iter=-1,
        decision_function_shape="ovr",
        break_ties=False,
        random_state=None,
    ):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.probability = probability
        self.tol = tol
        self.cache_size = cache_size
        self.class_weight = class_weight
        self.verbose = verbose
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.break_ties = break_ties
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Fit one binary SVM per pair of classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or (n_samples, n_samples) Gram matrix
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Multiplies ``C`` per sample; samples of weight 0 are left out.

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = self._validate_data(X, y)
        self.classes_, codes = encode_classes(y)
        require_two_classes(self.classes_, self)
        weights = check_sample_weight(sample_weight, X)
        _check_some_weight_positive(weights)
        self.class_weight_ = _class_weights(self.class_weight, self.classes_, codes)
        X_features, X = X, self._prepare_training_kernel(X)
        sample_C = self.C * weights * self.class_weight_[codes]
        kept = sample_C > 0
        if len(np.unique(codes[kept])) < 2:
            raise ValueError(
                "Invalid input - all samples with positive weights belong to the same class "
                f"(of {len(self.classes_)} classes)."
            )
        n_classes = len(self.classes_)
        members = [np.flatnonzero(kept & (codes == c)) for c in range(n_classes)]
        rng = check_random_state(self.random_state)
        pair_coef, intercepts, n_iters, prob_a, prob_b = {}, [], [], [], []
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                rows = np.concatenate([members[a], members[b]])
                sign = np.where(np.arange(len(rows)) < len(members[a]), 1.0, -1.0)
                if self.probability:
                    A, B = self._cross_validated_sigmoid(X, rows, sign, sample_C[rows], rng)
                    prob_a.append(A)
                    prob_b.append(B)
                alpha, rho, n_iter = self._solve(X, rows, sign, -np.ones(len(rows)), sample_C[rows])
                pair_coef[a, b] = (rows, sign * alpha)
                intercepts.append(-rho)
                n_iters.append(n_iter)
        self._store_ovo_model(X_features, codes, pair_coef, n_classes)
        self._intercept = np.array(intercepts)
        self.intercept_ = -self._intercept if n_classes == 2 else self._intercept.copy()
        self.n_iter_ = np.array(n_iters, dtype=np.int32)
        self.fit_status_ = 0
        if self.probability:
            self.probA_, self.probB_ = np.array(prob_a), np.array(prob_b)
        return self

    def _store_ovo_model(self, X_features, codes, pair_coef, n_classes):
        """Gather support vectors by class and lay out ``dual_coef_`` like LIBSVM."""
        is_support = np.zeros(len(codes), dtype=bool)
        for rows, coef in pair_coef.values():
            is_support[rows[coef != 0]] = True
        support = np.concatenate(
            [np.flatnonzero(is_support & (codes == c)) for c in range(n_classes)]
        )
        position = np.full(len(codes), -1)
        position[support] = np.arange(len(support))
        dual = np.zeros((n_classes - 1, len(support)))
        for (a, b), (rows, coef) in pair_coef.items():
            used = coef != 0
            rows, coef = rows[used], coef[used]
            of_a = codes[rows] == a
            dual[b - 1, position[rows[of_a]]] = coef[of_a]  # class a's coefficient vs b
            dual[a, position[rows[~of_a]]] = coef[~of_a]  # class b's coefficient vs a
        self._store_support(X_features, support)
        self.n_support_ = np.bincount(codes[support], minlength=n_classes).astype(np.int32)
        self._dual_coef = dual
        self.dual_coef_ = -dual if n_classes == 2 else dual.copy()

    def _cross_validated_sigmoid(self, X, rows, sign, C, rng):
        """Platt's (A, B) from decision values of 5-fold cross-validation on one pair problem."""
        order = rng.permutation(len(rows))
        decision = np.zeros(len(rows))
        for fold in range(5):
            held = order[fold * len(rows) // 5 : (fold + 1) * len(rows) // 5]
            train = np.setdiff1d(order, held, assume_unique=True)
            n_pos = np.sum(sign[train] > 0)
            if n_pos == 0 or n_pos == len(train):
                decision[held] = 1.0 if n_pos > 0 else (-1.0 if len(train) else 0.0)
                continue
            alpha, rho, _ = self._solve(X, rows[train], sign[train], -np.ones(len(train)), C[train])
            coef = sign[train] * alpha
            used = coef != 0
            K = self._pair_kernel(X, rows[held], rows[train][used])
            decision[held] = K @ coef[used] - rho
        return fit_sigmoid(decision, sign > 0)

    def _pair_kernel(self, X, rows_a, rows_b):
        if self._kernel_code == PRECOMPUTED:
            return X[np.ix_(rows_a, rows_b)]
        return kernel_matrix(
            X[rows_a],
            X[rows_b],
            self._kernel_code,
            self._gamma,
            float(self.coef0),
            float(self.degree),
        )

    def _ovo_decision(self, X) -> np.ndarray:
        """LIBSVM's pairwise decision values (n_samples, n_pairs); positive favours the first."""
        X = self._validate_for_predict(X)
        K = self._kernel_to_support(X)
        n_classes = len(self.classes_)
        start = np.concatenate([[0], np.cumsum(self.n_support_)])
        out = np.empty((len(X), n_classes * (n_classes - 1) // 2))
        k = 0
        for a in range(n_classes):
            sa = slice(start[a], start[a + 1])
            for b in range(a + 1, n_classes):
                sb = slice(start[b], start[b + 1])
                out[:, k] = (
                    K[:, sa] @ self._dual_coef[b - 1, sa]
                    + K[:, sb] @ self._dual_coef[a, sb]
                    + self._intercept[k]
                )
                k += 1
        return out

    def decision_function(self, X) -> np.ndarray:
        """Signed distances: (n_samples,) for two classes, else (n_samples, n_classes) for "ovr"
        or (n_samples, n_classes * (n_classes - 1) / 2) for "ovo"."""
        ovo = self._ovo_decision(X)
        if len(self.classes_) == 2:
            return -ovo[:, 0]
        if self.decision_function_shape == "ovo":
            return ovo
        return _ovr_from_ovo(ovo, len(self.classes_))

    def predict(self, X) -> np.ndarray:
        """Class of each sample by one-vs-one voting (ties: the first class, or see break_ties)."""
        if self.break_ties and self.decision_function_shape == "ovo":
            raise ValueError("break_ties must be False when decision_function_shape is 'ovo'")
        ovo = self._ovo_decision(X)
        n_classes = len(self.classes_)
        if self.break_ties and n_classes > 2:
            return self.classes_[np.argmax(_ovr_from_ovo(ovo, n_classes), axis=1)]
        votes = np.zeros((len(ovo), n_classes), dtype=np.int64)
        k = 0
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                wins = ovo[:, k] > 0
                votes[wins, a] += 1
                votes[~wins, b] += 1
                k += 1
        return self.classes_[np.argmax(votes, axis=1)]

    def _predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n_samples, n_classes) from Platt sigmoids and pairwise coupling."""
        check_is_fitted(self)
        if not hasattr(self, "probA_"):
            raise AttributeError(
                "predict_proba is not available when fitted with probability=False"
            )
        ovo = self._ovo_decision(X)
        pairwise = predict_sigmoid(ovo, self.probA_[None, :], self.probB_[None, :])
        return couple_pairwise(pairwise, len(self.classes_))

    def _predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self._predict_proba(X))

    predict_proba = available_if(
        lambda est: est.probability, "predict_proba is not available when probability=False"
    )(_predict_proba)
    predict_log_proba = available_if(
        lambda est: est.probability, "predict_log_proba is not available when probability=False"
    )(_predict_log_proba)


def _ovr_from_ovo(ovo: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-class votes plus the summed pairwise confidences squashed into (-1/3, 1/3)."""
    votes = np.zeros((len(ovo), n_classes))
    confidence = np.zeros((len(ovo), n_classes))
    k = 0
    for a in range(n_classes):
        for b in range(a + 1, n_classes):
            votes[:, a] += ovo[:, k] >= 0
            votes[:, b] += ovo[:, k] < 0
            confidence[:, a] += ovo[:, k]
            confidence[:, b] -= ovo[:, k]
            k += 1
    return votes + confidence / (3 * (np.abs(confidence) + 1))
