"""GaussianMixture: a mixture of Gaussians fitted by expectation-maximisation (EM).

EM alternates two steps until the average log-likelihood gains less than ``tol``:

- E-step: each sample's responsibility ``r_ik = P(component k | x_i)``, computed in log space
  (log-sum-exp) so that far-away samples never underflow to zero probability;
- M-step: weights, means and covariances re-estimated from the responsibility-weighted samples
  (``_gaussian_params.estimate_gaussian_parameters``).

``n_init`` runs start from different initial responsibilities; the run with the highest final
log-likelihood is kept.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from homeml.learn._math import logsumexp
from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    ConvergenceWarning,
    check_array,
    check_is_fitted,
    check_random_state,
)
from homeml.learn.mixture import _gaussian_params as gp

__all__ = ["GaussianMixture"]

_INIT_PARAMS = ("kmeans", "k-means++", "random", "random_from_data")


class GaussianMixture(BaseEstimator):
    """Gaussian mixture model fitted by EM.

    Parameters
    ----------
    n_components : int, default=1
        Number of Gaussian components.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        One full matrix per component, one shared matrix, one diagonal per component, or one
        variance per component.
    tol : float, default=1e-3
        EM stops when the average log-likelihood improves by less than this.
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance, so that each stays positive definite.
    max_iter : int, default=100
        Most EM iterations per initialisation.
    n_init : int, default=1
        Number of initialisations; the best result is kept.
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, default="kmeans"
        How the first responsibilities are chosen: k-means labels, one k-means++ seed point per
        component, random responsibilities, or one random sample per component.
    weights_init, means_init, precisions_init : array-like, default=None
        Initial weights (k,), means (k, d) and precisions (shaped like ``covariances_``);
        each one given replaces the value ``init_params`` would produce.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation (and :meth:`sample`).
    warm_start : bool, default=False
        Start ``fit`` from the previous solution (then ``n_init`` is ignored).
    verbose : int, default=0
        Print progress; 2 also prints the log-likelihood change every ``verbose_interval``.
    verbose_interval : int, default=10
        Iterations between two progress lines.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
    means_ : ndarray of shape (n_components, n_features)
    covariances_, precisions_, precisions_cholesky_ : ndarray
        Shaped (k, d, d), (d, d), (k, d) or (k,) for full, tied, diag, spherical.
    converged_ : bool
        Whether the best initialisation converged.
    n_iter_ : int
        EM iterations of the best initialisation.
    lower_bound_ : float
        Average log-likelihood of the training data under the best fit.
    lower_bounds_ : list of float
        That value after each EM iteration of the best initialisation.
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance_type": [StrOptions(set(gp.COVARIANCE_TYPES))],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [StrOptions(set(_INIT_PARAMS))],
        "weights_init": ["array-like", None],
        "means_init": ["array-like", None],
        "precisions_init": ["array-like", None],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "verbose_interval": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_components=1,
        *,
        covariance_type="full",
        tol=1e-3,
        reg_covar=1e-6,
        max_iter=100,
        n_init=1,
        init_params="kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
        warm_start=False,
        verbose=0,
        verbose_interval=10,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "estimator_type": "density_estimator"}

    # -- fitting ---------------------------------------------------------------------------------

    def fit(self, X, y=None):
        """Estimate the mixture's parameters with EM; returns ``self``."""
        self.fit_predict(X, y)
        return self

    def fit_predict(self, X, y=None):
        """Fit, then return the most likely component of each training sample."""
        self._validate_params()
        X = self._validate_data(X, ensure_min_samples=2).astype(np.float64, copy=False)
        self._check_parameters(X)
        rng = check_random_state(self.random_state)
        do_init = not (self.warm_start and hasattr(self, "converged_"))
        n_init = self.n_init if do_init else 1

        best = None
        for init in range(n_init):
            if self.verbose:
                print(f"Initialization {init}")
            if do_init:
                self._initialize(X, rng)
            lower_bound = -np.inf if do_init else self.lower_bound_
            lower_bounds, converged, n_iter = [], False, 0
            for n_iter in range(1, self.max_iter + 1):
                previous = lower_bound
                lower_bound, log_resp = self._e_step(X)
                self._m_step(X, log_resp)
                lower_bounds.append(lower_bound)
                if self.verbose >= 2 and n_iter % self.verbose_interval == 0:
                    print(f"  Iteration {n_iter}\t change: {lower_bound - previous:.5g}")
                if abs(lower_bound - previous) < self.tol:
                    converged = True
                    break
            if self.max_iter == 0:
                lower_bound = self._e_step(X)[0]
            if self.verbose:
                print(f"Initialization {'converged' if converged else 'did not converge'}.")
            if best is None or lower_bound > best[0]:
                best = (lower_bound, self._get_parameters(), n_iter, lower_bounds, converged)

        lower_bound, params, n_iter, lower_bounds, converged = best
        if not converged and self.max_iter > 0:
            warnings.warn(
                "Best performing initialization did not converge. Try different init "
                "parameters, or increase max_iter, tol, or check for degenerate data.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self._set_parameters(params)
        self.converged_, self.n_iter_ = converged, n_iter
        self.lower_bound_, self.lower_bounds_ = lower_bound, lower_bounds
        # a final E-step, so that fit_predict(X) always equals fit(X).predict(X)
        return self._e_step(X)[1].argmax(axis=1)

    def _e_step(self, X):
        """Average log-likelihood and log responsibilities under the current parameters."""
        weighted = self._weighted_log_prob(X)
        log_norm = logsumexp(weighted, axis=1)
        return float(np.mean(log_norm)), weighted - log_norm[:, None]

    def _m_step(self, X, log_resp):
        nk, self.means_, self.covariances_ = gp.estimate_gaussian_parameters(
            X, np.exp(log_resp), self.reg_covar, self.covariance_type
        )
        self.weights_ = nk / nk.sum()
        self.precisions_cholesky_ = gp.precision_cholesky_from_covariance(
            self.covariances_, self.covariance_type
        )

    def _initialize(self, X, rng):
        """Initial parameters: from responsibilities given by ``init_params``, then overridden by
        whichever of ``weights_init`` / ``means_init`` / ``precisions_init`` were given."""
        resp = self._initial_responsibilities(X, rng)
        nk, means, covariances = gp.estimate_gaussian_parameters(
            X, resp, self.reg_covar, self.covariance_type
        )
        self.weights_ = nk / len(X) if self.weights_init is None else self._weights_init
        self.means_ = means if self.means_init is None else self._means_init
        self.covariances_ = covariances
        if self.precisions_init is None:
            self.precisions_cholesky_ = gp.precision_cholesky_from_covariance(
                covariances, self.covariance_type
            )
        else:
            self.precisions_cholesky_ = gp.precision_cholesky_from_precision(
                self._precisions_init, self.covariance_type
            )

    def _initial_responsibilities(self, X, rng):
        n, k = len(X), self.n_components
        resp = np.zeros((n, k))
        # lazy imports: the cluster package loads only when a k-means initialisation is asked for
        if self.init_params == "kmeans":
            from homeml.learn.cluster import KMeans

            labels = KMeans(n_clusters=k, n_init=1, random_state=rng).fit(X).labels_
            resp[np.arange(n), labels] = 1.0
        elif self.init_params == "k-means++":
            from homeml.learn.cluster._kmeans import kmeans_plusplus

            _, seeds = kmeans_plusplus(X, k, random_state=rng)
            resp[seeds, np.arange(k)] = 1.0
        elif self.init_params == "random":
            resp = rng.uniform(size=(n, k))
            resp /= resp.sum(axis=1, keepdims=True)
        else:  # random_from_data
            resp[rng.choice(n, size=k, replace=False), np.arange(k)] = 1.0
        return resp

    def _get_parameters(self):
        return (self.weights_, self.means_, self.covariances_, self.precisions_cholesky_)

    def _set_parameters(self, params):
        self.weights_, self.means_, self.covariances_, self.precisions_cholesky_ = params
        self.precisions_ = gp.precision_from_cholesky(
            self.precisions_cholesky_, self.covariance_type
        )

    # -- checks ----------------------------------------------------------------------------------

    def _check_parameters(self, X):
        """The checks of the initial values against ``X`` (the table checks each parameter)."""
        n, d = X.shape
        k = self.n_components
        if n < k:
            raise ValueError(
                f"Expected n_samples >= n_components but got n_components = {k}, n_samples = {n}"
            )
        if self.weights_init is not None:
            w = check_array(self.weights_init, name="weights_init", ensure_2d=False)
            if w.shape != (k,):
                raise ValueError(f"weights_init must have shape ({k},); got {w.shape}.")
            if np.any(w < 0) or np.any(w > 1):
                raise ValueError(
                    f"weights_init must lie in [0, 1]; got min {w.min()}, max {w.max()}."
                )
            if not np.isclose(w.sum(), 1.0, rtol=0, atol=1e-6):
                raise ValueError(f"weights_init must sum to 1; they sum to {w.sum():.6f}.")
            self._weights_init = w.astype(np.float64)
        if self.means_init is not None:
            m = check_array(self.means_init, name="means_init")
            if m.shape != (k, d):
                raise ValueError(f"means_init must have shape ({k}, {d}); got {m.shape}.")
            self._means_init = m.astype(np.float64)
        if self.precisions_init is not None:
            self._precisions_init = _check_precisions(
                self.precisions_init, self.covariance_type, k, d
            )

    def _check_X(self, X):
        check_is_fitted(self)
        return self._validate_data(X, reset=False).astype(np.float64, copy=False)

    # -- using the fitted model ------------------------------------------------------------------

    def _weighted_log_prob(self, X):
        log_density = gp.log_gaussian_density(
            X, self.means_, self.precisions_cholesky_, self.covariance_type
        )
        with np.errstate(divide="ignore"):  # a weight of exactly 0 gives log 0 = -inf
            return log_density + np.log(self.weights_)

    def score_samples(self, X):
        """Log of the mixture density at each sample, shape (n_samples,)."""
        return logsumexp(self._weighted_log_prob(self._check_X(X)), axis=1)

    def score(self, X, y=None):
        """Average log-likelihood of the samples."""
        return float(self.score_samples(X).mean())

    def predict(self, X):
        """The most likely component of each sample."""
        return self._weighted_log_prob(self._check_X(X)).argmax(axis=1)

    def predict_proba(self, X):
        """Posterior probability of each component for each sample, shape (n_samples, k)."""
        weighted = self._weighted_log_prob(self._check_X(X))
        return np.exp(weighted - logsumexp(weighted, axis=1)[:, None])

    def sample(self, n_samples=1):
        """Draw ``n_samples`` points from the fitted mixture.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
            The component each point was drawn from (grouped by component).
        """
        check_is_fitted(self)
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(
                f"Invalid value for 'n_samples': {n_samples!r}. The sampling requires at least "
                "one sample."
            )
        rng = check_random_state(self.random_state)
        counts = rng.multinomial(n_samples, self.weights_)
        d = self.means_.shape[1]
        parts = []
        for j, (mean, count) in enumerate(zip(self.means_, counts)):
            if self.covariance_type in ("full", "tied"):
                cov = self.covariances_[j] if self.covariance_type == "full" else self.covariances_
                parts.append(rng.multivariate_normal(mean, cov, int(count)))
            else:
                scale = np.sqrt(self.covariances_[j])
                parts.append(mean + rng.standard_normal(size=(int(count), d)) * scale)
        labels = np.repeat(np.arange(len(counts)), counts)
        return np.vstack(parts), labels

    def _n_parameters(self):
        return gp.n_free_parameters(self.n_components, self.means_.shape[1], self.covariance_type)

    def bic(self, X):
        """Bayesian information criterion on ``X`` (lower is better)."""
        X = self._check_X(X)
        return -2 * self.score(X) * len(X) + self._n_parameters() * np.log(len(X))

    def aic(self, X):
        """Akaike information criterion on ``X`` (lower is better)."""
        X = self._check_X(X)
        return -2 * self.score(X) * len(X) + 2 * self._n_parameters()


def _check_precisions(precisions, covariance_type, k, d):
    """Shape and positivity checks of ``precisions_init``."""
    expected = {"full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,)}
    shape = expected[covariance_type]
    p = check_array(precisions, name="precisions_init", ensure_2d=False, allow_nd=True)
    p = p.astype(np.float64)
    if p.shape != shape:
        raise ValueError(
            f"precisions_init for covariance_type={covariance_type!r} must have shape {shape}; "
            f"got {p.shape}."
        )
    if covariance_type in ("full", "tied"):
        matrices = p.reshape(-1, d, d)
        symmetric = np.allclose(matrices, np.swapaxes(matrices, 1, 2))
        if not symmetric or np.any(np.linalg.eigvalsh(matrices) <= 0):
            raise ValueError(
                f"'{covariance_type}' precisions_init must be symmetric, positive-definite."
            )
    elif np.any(p <= 0):
        raise ValueError(f"'{covariance_type}' precisions_init must be positive.")
    return p
