"""Non-negative matrix factorisation ``X ~ W @ H`` with ``W, H >= 0``.

Two solvers, as in scikit-learn:

- "cd": coordinate descent on the Frobenius loss (HALS, Cichocki & Phan 2009). Updating one
  column of ``W`` is an exact one-dimensional minimisation for every row at once, so each
  coordinate step is a vectorised NumPy operation over all samples.
- "mu": multiplicative updates for any beta-divergence (Frobenius, Kullback-Leibler,
  Itakura-Saito or a float beta; Fevotte & Idier 2011), in ``_nmf_mu.py`` with the divergences.

Both take CSR input (word counts, TF-IDF): the products with ``X`` stay sparse, and the terms
of the divergences that involve ``X`` are computed on its nonzeros only.
"""

from __future__ import annotations

import warnings

import numpy as np

from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    ConvergenceWarning,
    TransformerMixin,
    check_array,
    check_is_fitted,
    check_random_state,
)
from homeml.learn.decomposition._nmf_mu import (
    beta_divergence,
    fit_multiplicative_update,
)
from homeml.learn.decomposition._svd import (
    ClassNamePrefixFeaturesOutMixin,
    randomized_svd,
)

__all__ = ["NMF"]

_BETA = {"frobenius": 2.0, "kullback-leibler": 1.0, "itakura-saito": 0.0}


def _check_non_negative(A, whom: str) -> None:
    if A.size and A.min() < 0:
        raise ValueError(f"Negative values in data passed to {whom}.")


# ----------------------------------------------------------------------------------------------
# initialisation
# ----------------------------------------------------------------------------------------------


def initialize_nmf(X, n_components, init, random_state):
    """Starting ``W, H``: scaled random ("random") or the NNDSVD family (Boutsidis & Gallopoulos
    2008): each singular pair split into its positive and negative parts, the larger kept;
    "nndsvda" fills zeros with the mean of X, "nndsvdar" with small random values."""
    n_samples, n_features = X.shape
    if init is None:
        init = "nndsvda" if n_components <= min(n_samples, n_features) else "random"
    elif init != "random" and n_components > min(n_samples, n_features):
        raise ValueError(
            f"init = '{init}' can only be used when n_components <= min(n_samples, n_features)"
        )
    if init == "random":
        rng = check_random_state(random_state)
        scale = np.sqrt(X.mean() / n_components)
        H = np.abs(scale * rng.standard_normal(size=(n_components, n_features)))
        W = np.abs(scale * rng.standard_normal(size=(n_samples, n_components)))
        return W.astype(X.dtype, copy=False), H.astype(X.dtype, copy=False)
    U, S, Vt = randomized_svd(X, n_components, random_state=check_random_state(random_state))
    W, H = np.zeros_like(U), np.zeros_like(Vt)
    W[:, 0] = np.sqrt(S[0]) * np.abs(U[:, 0])  # the top pair of a non-negative X is one-signed
    H[0] = np.sqrt(S[0]) * np.abs(Vt[0])
    for j in range(1, n_components):
        u, v = U[:, j], Vt[j]
        parts = []
        for su, sv in (
            (np.maximum(u, 0), np.maximum(v, 0)),  # the positive parts
            (-np.minimum(u, 0), -np.minimum(v, 0)),
        ):  # the negative parts
            nu, nv = np.linalg.norm(su), np.linalg.norm(sv)
            parts.append((nu * nv, su, sv, nu, nv))
        size, su, sv, nu, nv = parts[0] if parts[0][0] > parts[1][0] else parts[1]
        weight = np.sqrt(S[j] * size)
        W[:, j] = weight * su / nu
        H[j] = weight * sv / nv
    eps = 1e-6
    W[W < eps] = 0
    H[H < eps] = 0
    if init == "nndsvda":
        W[W == 0] = X.mean()
        H[H == 0] = X.mean()
    elif init == "nndsvdar":  # a fresh generator from the seed, as scikit-learn draws them
        rng, mean = check_random_state(random_state), X.mean()
        W[W == 0] = np.abs(mean * rng.standard_normal(size=int((W == 0).sum())) / 100)
        H[H == 0] = np.abs(mean * rng.standard_normal(size=int((H == 0).sum())) / 100)
    return W, H


# ----------------------------------------------------------------------------------------------
# losses and solvers
# ----------------------------------------------------------------------------------------------


def _hals_sweep(W, HHt, XHt, order) -> float:
    """One pass of exact coordinate minimisation over the columns of ``W`` (in place).

    Minimises ``0.5 |X - W H|^2`` over column t for all rows at once: the gradient is
    ``W @ HHt[:, t] - XHt[:, t]`` and the curvature ``HHt[t, t]``. Returns the sum of the
    absolute projected gradients, the convergence measure."""
    violation = 0.0
    for t in order:
        grad = W @ HHt[:, t] - XHt[:, t]
        column = W[:, t]
        projected = np.where(column == 0, np.minimum(grad, 0.0), grad)
        violation += float(np.abs(projected).sum())
        if HHt[t, t] != 0:
            W[:, t] = np.maximum(column - grad / HHt[t, t], 0.0)
    return violation


def _cd_update(X, W, Ht, l1, l2, shuffle, rng) -> float:
    HHt = Ht.T @ Ht
    XHt = np.asarray(X @ Ht)
    if l2:
        HHt.flat[:: HHt.shape[0] + 1] += l2
    if l1:
        XHt -= l1
    order = rng.permutation(Ht.shape[1]) if shuffle else range(Ht.shape[1])
    return _hals_sweep(W, HHt, XHt, order)


def fit_coordinate_descent(X, W, H, tol, max_iter, reg, update_H, shuffle, random_state):
    """Alternate HALS sweeps over ``W`` and ``H``; stop when the projected gradient has fallen
    below ``tol`` times its first value."""
    (l1_W, l1_H, l2_W, l2_H), rng = reg, check_random_state(random_state)
    W, Ht = np.ascontiguousarray(W), np.ascontiguousarray(H.T)
    first = None
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
        violation = _cd_update(X, W, Ht, l1_W, l2_W, shuffle, rng)
        if update_H:
            violation += _cd_update(X.T, Ht, W, l1_H, l2_H, shuffle, rng)
        first = violation if first is None else first
        if first == 0 or violation / first <= tol:
            break
    return W, Ht.T, n_iter


# ----------------------------------------------------------------------------------------------
# the estimator
# ----------------------------------------------------------------------------------------------


class NMF(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Non-negative matrix factorisation: find ``W, H >= 0`` with ``X ~ W @ H``.

    The loss is the beta-divergence plus elementwise penalties
    ``alpha_W * n_features * (l1_ratio |W|_1 + (1 - l1_ratio)/2 |W|^2)`` and the same for ``H``
    with ``alpha_H * n_samples``.

    Parameters
    ----------
    n_components : int, "auto" or None
        Rank of the factorisation; "auto" takes it from a custom ``H``, else n_features; None
        means n_features.
    init : {None, "random", "nndsvd", "nndsvda", "nndsvdar", "custom"}
        Starting point; None is "nndsvda" when ``n_components <= min(X.shape)``, else
        "random". "custom" uses the ``W`` and ``H`` given to ``fit_transform``.
    solver : {"cd", "mu"}
        Coordinate descent (Frobenius loss only) or multiplicative updates.
    beta_loss : {"frobenius", "kullback-leibler", "itakura-saito"} or float
        The divergence minimised ("mu" only for anything but Frobenius).
    tol : float
        Stopping tolerance (relative projected gradient for "cd", relative error decrease
        over 10 iterations for "mu").
    max_iter : int
    random_state : int, RandomState or None
        Seeds the initialisation and the coordinate order with ``shuffle``.
    alpha_W : float
        Penalty strength on ``W``.
    alpha_H : float or "same"
        Penalty strength on ``H``; "same" uses ``alpha_W``.
    l1_ratio : float in [0, 1]
        Share of L1 in the penalties (0: L2 only).
    verbose : int
        Accepted for compatibility (prints nothing).
    shuffle : bool
        Visit the coordinates of "cd" in random order.

    Attributes
    ----------
    components_ : ndarray (n_components_, n_features)
        The factor ``H``.
    n_components_ : int
    reconstruction_err_ : float
        ``sqrt(2 * beta_divergence(X, W @ H))``: the Frobenius norm of ``X - W H`` for Frobenius.
    n_iter_ : int
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "init": [StrOptions({"random", "nndsvd", "nndsvda", "nndsvdar", "custom"}), None],
        "solver": [StrOptions({"cd", "mu"})],
        "beta_loss": [StrOptions(set(_BETA)), Interval(Real, None, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
        "alpha_W": [Interval(Real, 0, None, closed="left")],
        "alpha_H": [Interval(Real, 0, None, closed="left"), StrOptions({"same"})],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "verbose": ["verbose"],
        "shuffle": ["boolean"],
    }

    def __init__(
        self,
        n_components="auto",
        *,
        init=None,
        solver="cd",
        beta_loss="frobenius",
        tol=1e-4,
        max_iter=200,
        random_state=None,
        alpha_W=0.0,
        alpha_H="same",
        l1_ratio=0.0,
        verbose=0,
        shuffle=False,
    ):
        self.n_components = n_components
        self.init = init
        self.solver = solver
        self.beta_loss = beta_loss
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.verbose = verbose
        self.shuffle = shuffle

    def _homeml_tags(self) -> dict:
        return {
            **super()._homeml_tags(),
            "positive_only": True,
            "preserves_dtype": ["float64", "float32"],
            "sparse": True,
        }

    def _check_params_with_data(self, X):
        """The checks that involve several parameters or the data; returns n_components."""
        self._validate_params()
        self._beta = float(_BETA.get(self.beta_loss, self.beta_loss))
        if self.solver == "cd" and self._beta != 2:
            raise ValueError(
                f"Invalid beta_loss parameter: solver 'cd' does not handle beta_loss = "
                f"{self.beta_loss!r}; use solver='mu'."
            )
        if self.solver == "mu" and self.init == "nndsvd":
            warnings.warn(
                "The multiplicative update ('mu') solver cannot update zeros present in the "
                "initialization, and so leads to poorer results when used jointly with "
                "init='nndsvd'. You may try init='nndsvda' or init='nndsvdar' instead.",
                UserWarning,
                stacklevel=3,
            )
        if X.min() == 0 and self._beta <= 0:
            raise ValueError(
                "When beta_loss <= 0 and X contains zeros, the solver may diverge. Please add "
                "small values to X, or use a positive beta_loss."
            )
        n = self.n_components
        return X.shape[1] if n is None else n

    def fit(self, X, y=None, **params):
        """Learn the factorisation of ``X`` (non-negative)."""
        self.fit_transform(X, **params)
        return self

    def fit_transform(self, X, y=None, W=None, H=None):
        """Learn the factorisation of ``X`` and return ``W`` (``W, H`` start it with
        ``init="custom"``)."""
        X = self._validate_data(X, dtype=[np.float64, np.float32], accept_sparse="csr")
        _check_non_negative(X, "NMF (input X)")
        n_components = self._check_params_with_data(X)
        if self.init == "custom":
            if n_components == "auto":
                n_components = np.shape(H)[0] if H is not None else X.shape[1]
            H = _check_factor(H, (n_components, X.shape[1]), X.dtype, "NMF (input H)")
            W = _check_factor(W, (X.shape[0], n_components), X.dtype, "NMF (input W)")
        else:
            if W is not None or H is not None:
                warnings.warn(
                    "When init!='custom', provided W or H are ignored. Set "
                    "init='custom' to use them as initialization.",
                    RuntimeWarning,
                    stacklevel=2,
                )
            if n_components == "auto":
                n_components = X.shape[1]
            W, H = initialize_nmf(X, n_components, self.init, self.random_state)
        W, H, n_iter = self._solve(X, W, H, update_H=True)
        self.reconstruction_err_ = beta_divergence(X, W, H, self._beta, square_root=True)
        self.n_components_ = H.shape[0]
        self.components_ = H
        self.n_iter_ = n_iter
        return W

    def transform(self, X):
        """``W`` for new data: the same solver with ``H = components_`` held fixed."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, dtype=[np.float64, np.float32], accept_sparse="csr")
        _check_non_negative(X, "NMF (input X)")
        self._check_params_with_data(X)
        H = self.components_.astype(X.dtype, copy=False)
        if self.solver == "mu":
            W = np.full((X.shape[0], H.shape[0]), np.sqrt(X.mean() / H.shape[0]), dtype=X.dtype)
        else:
            W = np.zeros((X.shape[0], H.shape[0]), dtype=X.dtype)
        return self._solve(X, W, H, update_H=False)[0]

    def inverse_transform(self, X):
        """Reconstruct data from ``W``: ``W @ components_``."""
        check_is_fitted(self)
        W = check_array(X, dtype=[np.float64, np.float32], estimator=self)
        return W @ self.components_

    def _solve(self, X, W, H, update_H):
        n_samples, n_features = X.shape
        alpha_H = self.alpha_W if self.alpha_H == "same" else self.alpha_H
        reg = (
            n_features * self.alpha_W * self.l1_ratio,
            n_samples * alpha_H * self.l1_ratio,
            n_features * self.alpha_W * (1 - self.l1_ratio),
            n_samples * alpha_H * (1 - self.l1_ratio),
        )
        if self.solver == "cd":
            W, H, n_iter = fit_coordinate_descent(
                X, W, H, self.tol, self.max_iter, reg, update_H, self.shuffle, self.random_state
            )
        else:
            W, H, n_iter = fit_multiplicative_update(
                X, W, H, self._beta, self.tol, self.max_iter, reg, update_H
            )
        if n_iter == self.max_iter and self.tol > 0:
            warnings.warn(
                f"Maximum number of iterations {self.max_iter} reached. Increase it "
                "to improve convergence.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return W, H, n_iter


def _check_factor(A, shape, dtype, whom):
    if A is None:
        raise ValueError(f"init='custom' needs both W and H; {whom} is None.")
    A = check_array(A, dtype=None)
    if A.shape != shape:
        raise ValueError(
            f"Array with wrong shape passed to {whom}. Expected {shape}, but got {A.shape}."
        )
    _check_non_negative(A, whom)
    if np.max(A) == 0:
        raise ValueError(f"Array passed to {whom} is full of zeros.")
    if A.dtype != dtype:
        raise TypeError(f"{whom} should have the same dtype as X ({dtype}); got {A.dtype}.")
    return A.copy()
