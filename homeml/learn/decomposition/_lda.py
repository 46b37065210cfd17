"""Latent Dirichlet allocation by variational Bayes, batch or online (Hoffman, Blei & Bach 2010,
"Online learning for latent Dirichlet allocation"), with scikit-learn's parameters and updates.

The model: each topic ``k`` is a distribution over words ``beta_k ~ Dir(eta)``, each document
``d`` a distribution over topics ``theta_d ~ Dir(alpha)``, and each word of ``d`` is drawn from
the topic it picks from ``theta_d``. The variational posterior keeps two sets of Dirichlet
parameters:

- ``gamma`` (n_docs, n_topics): ``q(theta_d) = Dir(gamma_d)``, refitted in every E-step;
- ``lambda`` (n_topics, n_words), the fitted ``components_``: ``q(beta_k) = Dir(lambda_k)``.

Everything is written with ``E[log theta] = psi(gamma) - psi(sum gamma)`` (the digamma function
``psi``): the E-step alternates, per document,

    phi_dwk  proportional to  exp(E[log theta_dk]) exp(E[log beta_kw])
    gamma_dk = alpha + sum_w n_dw phi_dwk

until ``gamma_d`` moves less than ``mean_change_tol`` (on average over topics); the M-step sets
``lambda = eta + sum_d n_dw phi_dwk`` (batch), or moves ``lambda`` towards the estimate from one
mini-batch scaled up to ``total_samples`` documents, with step ``(learning_offset + t) **
-learning_decay`` (online).

All documents of a batch are iterated together: each iteration updates the documents that have
not converged yet, so each document follows exactly the loop it would follow alone. Counts are
held as CSR; the per-word quantities live on the nonzeros only.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import gammaln, psi

from homeml.learn._math import logsumexp
from homeml.learn._param_validation import Integral, Interval, Real, StrOptions
from homeml.learn.base import (
    BaseEstimator,
    TransformerMixin,
    check_is_fitted,
    check_random_state,
)
from homeml.learn.decomposition._svd import ClassNamePrefixFeaturesOutMixin

__all__ = ["LatentDirichletAllocation"]

EPS = np.finfo(np.float64).eps


def dirichlet_expectation(alpha):
    """``E[log x]`` for ``x ~ Dir(alpha)``, one Dirichlet per row: ``psi(a) - psi(sum a)``."""
    return psi(alpha) - psi(alpha.sum(axis=1, keepdims=True))


def _update_doc_distribution(X, exp_elog_beta, alpha, max_iter, mean_change_tol, gamma):
    """The E-step on the documents (rows) of the CSR count matrix ``X``.

    ``exp_elog_beta`` is ``exp(E[log beta])`` (n_topics, n_words); ``gamma`` the starting
    (n_docs, n_topics) parameters. Returns ``(gamma, exp_elog_theta)`` at convergence.

    The documents are updated together on a working set; a converged document is frozen (its
    values are no longer written), and the working set is cut down to the documents still
    iterating whenever they are fewer than half of it.
    """
    gamma = gamma.copy()
    exp_elog_theta = np.exp(dirichlet_expectation(gamma))
    active = np.ones(X.shape[0], dtype=bool)
    work = np.arange(X.shape[0])  # the working set (documents, still iterating or not)
    sub = None
    for _ in range(max_iter):
        n_active = int(active[work].sum()) if sub is not None else len(work)
        if n_active == 0:
            break
        if sub is None or n_active < len(work) // 2:
            work = work[active[work]]
            sub = X[work]
            rows = np.repeat(np.arange(len(work)), np.diff(sub.indptr))
            beta_nz = exp_elog_beta[:, sub.indices].T  # (nnz, n_topics), fixed in the E-step
        theta = exp_elog_theta[work]  # (n_work, n_topics)
        # phi's normaliser for every (document, word) pair present: sum_k theta_dk beta_kw
        norm_phi = np.einsum("nk,nk->n", theta[rows], beta_nz) + EPS
        ratio = sp.csr_matrix((sub.data / norm_phi, sub.indices, sub.indptr), shape=sub.shape)
        new_gamma = theta * (ratio @ exp_elog_beta.T) + alpha  # alpha + sum_w n_dw phi_dwk
        moving = active[work]
        change = np.abs(new_gamma - gamma[work]).mean(axis=1)
        update = work[moving]
        gamma[update] = new_gamma[moving]
        exp_elog_theta[update] = np.exp(dirichlet_expectation(new_gamma[moving]))
        active[update[change[moving] < mean_change_tol]] = False
    return gamma, exp_elog_theta


def _sufficient_statistics(X, exp_elog_theta, exp_elog_beta):
    """``sum_d n_dw phi_dwk`` (n_topics, n_words) from the converged document parameters."""
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    norm_phi = np.einsum("nk,kn->n", exp_elog_theta[rows], exp_elog_beta[:, X.indices]) + EPS
    ratio = sp.csr_matrix((X.data / norm_phi, X.indices, X.indptr), shape=X.shape)
    return np.asarray((ratio.T @ exp_elog_theta).T) * exp_elog_beta


class LatentDirichletAllocation(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Latent Dirichlet allocation with online or batch variational Bayes.

    Parameters
    ----------
    n_components : int, default=10
        Number of topics.
    doc_topic_prior : float or None, default=None
        ``alpha``, the Dirichlet prior of each document's topics (None: ``1 / n_components``).
    topic_word_prior : float or None, default=None
        ``eta``, the Dirichlet prior of each topic's words (None: ``1 / n_components``).
    learning_method : {"batch", "online"}, default="batch"
        "batch": one M-step on all documents per iteration; "online": one per mini-batch.
    learning_decay : float, default=0.7
        ``kappa``: the online step at update ``t`` is ``(learning_offset + t) ** -kappa``.
    learning_offset : float, default=10.0
        ``tau_0`` (>= 1), which damps the first online updates.
    max_iter : int, default=10
        Passes over the data in ``fit``.
    batch_size : int, default=128
        Documents per online mini-batch (and per ``partial_fit`` step).
    evaluate_every : int, default=-1
        Compute the perplexity every this many passes and stop when it changes by less than
        ``perp_tol`` (<= 0: never, which is faster).
    total_samples : float, default=1e6
        The corpus size that ``partial_fit`` scales each mini-batch up to.
    perp_tol : float, default=0.1
        Perplexity tolerance of the stopping rule of ``evaluate_every``.
    mean_change_tol : float, default=1e-3
        E-step tolerance: a document stops when its ``gamma`` moves less on average.
    max_doc_update_iter : int, default=100
        Most E-step iterations per document.
    n_jobs : int or None
        Kept for scikit-learn compatibility; the documents are processed together.
    verbose : int, default=0
        Print each pass (and the perplexity when evaluated).
    random_state : int, RandomState or None
        Seeds the topic initialisation and the documents' starting ``gamma`` in training: the
        same draws, in the same order, as scikit-learn.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        ``lambda``, the variational parameters of the topics' word distributions
        (``components_ / components_.sum(axis=1)[:, None]`` are the topics).
    exp_dirichlet_component_ : ndarray of shape (n_components, n_features)
        ``exp(E[log beta])``.
    n_batch_iter_ : int
        Number of M-steps plus one.
    n_iter_ : int
        Passes over the data.
    bound_ : float
        Final perplexity on the training data.
    doc_topic_prior_, topic_word_prior_ : float
        The priors used.
    random_state_ : RandomState
    n_features_in_ : int
    """

    _homeml_constraints = {
        "n_components": [Interval(Integral, 0, None, closed="neither")],
        "doc_topic_prior": [None, Interval(Real, 0, 1, closed="both")],
        "topic_word_prior": [None, Interval(Real, 0, 1, closed="both")],
        "learning_method": [StrOptions({"batch", "online"})],
        "learning_decay": [Interval(Real, 0, 1, closed="both")],
        "learning_offset": [Interval(Real, 1.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 0, None, closed="neither")],
        "evaluate_every": [Interval(Integral, None, None, closed="neither")],
        "total_samples": [Interval(Real, 0, None, closed="neither")],
        "perp_tol": [Interval(Real, 0, None, closed="left")],
        "mean_change_tol": [Interval(Real, 0, None, closed="left")],
        "max_doc_update_iter": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components=10,
        *,
        doc_topic_prior=None,
        topic_word_prior=None,
        learning_method="batch",
        learning_decay=0.7,
        learning_offset=10.0,
        max_iter=10,
        batch_size=128,
        evaluate_every=-1,
        total_samples=1e6,
        perp_tol=1e-1,
        mean_change_tol=1e-3,
        max_doc_update_iter=100,
        n_jobs=None,
        verbose=0,
        random_state=None,
    ):
        self.n_components = n_components
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.learning_method = learning_method
        self.learning_decay = learning_decay
        self.learning_offset = learning_offset
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.evaluate_every = evaluate_every
        self.total_samples = total_samples
        self.perp_tol = perp_tol
        self.mean_change_tol = mean_change_tol
        self.max_doc_update_iter = max_doc_update_iter
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "positive_only": True, "sparse": True}

    # -- data and state ----------------------------------------------------------------------

    def _check_counts(self, X, reset: bool, whom: str):
        """Validated, non-negative CSR float64 counts."""
        X = self._validate_data(X, reset=reset, accept_sparse="csr", dtype=np.float64)
        X = sp.csr_matrix(X)  # dense input: its nonzeros, as scikit-learn's per-row np.nonzero
        if X.nnz and X.data.min() < 0:
            raise ValueError(f"Negative values in data passed to {whom}.")
        return X

    def _init_latent_vars(self, n_features: int) -> None:
        self.random_state_ = check_random_state(self.random_state)
        self.n_batch_iter_ = 1
        self.n_iter_ = 0
        default = 1.0 / self.n_components
        self.doc_topic_prior_ = default if self.doc_topic_prior is None else self.doc_topic_prior
        self.topic_word_prior_ = default if self.topic_word_prior is None else self.topic_word_prior
        # lambda ~ Gamma(100, 1/100): scikit-learn's (and Hoffman's) start, from the same stream
        self.components_ = self.random_state_.gamma(100.0, 0.01, (self.n_components, n_features))
        self.exp_dirichlet_component_ = np.exp(dirichlet_expectation(self.components_))

    # -- variational EM ----------------------------------------------------------------------

    def _e_step(self, X, training: bool):
        """Fit ``gamma`` for the documents of ``X``; in training also return the sufficient
        statistics of the M-step (``training`` also starts ``gamma`` from random draws)."""
        shape = (X.shape[0], self.n_components)
        start = self.random_state_.gamma(100.0, 0.01, shape) if training else np.ones(shape)
        gamma, exp_elog_theta = _update_doc_distribution(
            X,
            self.exp_dirichlet_component_,
            self.doc_topic_prior_,
            self.max_doc_update_iter,
            self.mean_change_tol,
            start,
        )
        if not training:
            return gamma, None
        return gamma, _sufficient_statistics(X, exp_elog_theta, self.exp_dirichlet_component_)

    def _em_step(self, X, total_samples: float, batch_update: bool) -> None:
        _, stats = self._e_step(X, training=True)
        if batch_update:
            self.components_ = self.topic_word_prior_ + stats
        else:  # online: a step of size rho_t towards the mini-batch's estimate of lambda
            rho = (self.learning_offset + self.n_batch_iter_) ** -self.learning_decay
            doc_ratio = float(total_samples) / X.shape[0]
            self.components_ *= 1 - rho
            self.components_ += rho * (self.topic_word_prior_ + doc_ratio * stats)
        self.exp_dirichlet_component_ = np.exp(dirichlet_expectation(self.components_))
        self.n_batch_iter_ += 1

    def fit(self, X, y=None):
        """Learn the topics from the document-word count matrix ``X``.

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
            Word counts (non-negative).
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        X = self._check_counts(X, reset=True, whom="LatentDirichletAllocation.fit")
        self._init_latent_vars(X.shape[1])
        last_bound = None
        for i in range(self.max_iter):
            if self.learning_method == "online":
                for start in range(0, X.shape[0], self.batch_size):
                    batch = X[start : start + self.batch_size]
                    self._em_step(batch, total_samples=X.shape[0], batch_update=False)
            else:
                self._em_step(X, total_samples=X.shape[0], batch_update=True)
            if self.evaluate_every > 0 and (i + 1) % self.evaluate_every == 0:
                bound = self._perplexity(X, self._e_step(X, training=False)[0])
                if self.verbose:
                    print(f"iteration: {i + 1} of {self.max_iter}, perplexity: {bound:.4f}")
                if last_bound and abs(last_bound - bound) < self.perp_tol:
                    break
                last_bound = bound
            elif self.verbose:
                print(f"iteration: {i + 1} of {self.max_iter}")
            self.n_iter_ += 1
        self.bound_ = self._perplexity(X, self._e_step(X, training=False)[0])
        return self

    def partial_fit(self, X, y=None):
        """One online update per mini-batch of ``X`` (scaled up to ``total_samples``).

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        first_time = not hasattr(self, "components_")
        if first_time:
            self._validate_params()
        X = self._check_counts(X, reset=first_time, whom="LatentDirichletAllocation.partial_fit")
        if first_time:
            self._init_latent_vars(X.shape[1])
        for start in range(0, X.shape[0], self.batch_size):
            batch = X[start : start + self.batch_size]
            self._em_step(batch, total_samples=self.total_samples, batch_update=False)
        return self

    def transform(self, X, *, normalize=True):
        """Topic distribution of each document (``gamma``, normalised to sum to 1).

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
        normalize : bool, default=True
            Divide each row by its sum.

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self)
        X = self._check_counts(X, reset=False, whom="LatentDirichletAllocation.transform")
        gamma, _ = self._e_step(X, training=False)
        return gamma / gamma.sum(axis=1, keepdims=True) if normalize else gamma

    def fit_transform(self, X, y=None, *, normalize=True):
        """``fit(X)`` then ``transform(X)``.

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
        y : ignored
        normalize : bool, default=True

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        return self.fit(X, y).transform(X, normalize=normalize)

    # -- the variational bound ---------------------------------------------------------------

    def _approx_bound(self, X, gamma, sub_sampling: bool) -> float:
        """The evidence lower bound of ``X`` under ``q``, scaled to ``total_samples``
        documents when ``sub_sampling``."""
        elog_theta = dirichlet_expectation(gamma)
        elog_beta = dirichlet_expectation(self.components_)
        # E_q[log p(words | theta, beta)]: log sum_k exp(E log theta_dk + E log beta_kw)
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        per_word = logsumexp(elog_theta[rows] + elog_beta[:, X.indices].T, axis=1)
        score = float(X.data @ per_word)
        score += _dirichlet_terms(self.doc_topic_prior_, gamma, elog_theta, self.n_components)
        if sub_sampling:
            score *= float(self.total_samples) / X.shape[0]
        return score + _dirichlet_terms(
            self.topic_word_prior_, self.components_, elog_beta, X.shape[1]
        )

    def _perplexity(self, X, gamma, sub_sampling: bool = False) -> float:
        bound = self._approx_bound(X, gamma, sub_sampling)
        words = X.sum() * (float(self.total_samples) / X.shape[0] if sub_sampling else 1.0)
        return float(np.exp(-bound / words))

    def score(self, X, y=None):
        """The approximate log-likelihood (variational bound) of ``X``.

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        float
        """
        check_is_fitted(self)
        X = self._check_counts(X, reset=False, whom="LatentDirichletAllocation.score")
        return self._approx_bound(X, self._e_step(X, training=False)[0], sub_sampling=False)

    def perplexity(self, X, sub_sampling=False):
        """``exp(-bound / number of words)`` of ``X``.

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
        sub_sampling : bool, default=False
            Scale to ``total_samples`` documents (as during online learning).

        Returns
        -------
        float
        """
        check_is_fitted(self)
        X = self._check_counts(X, reset=False, whom="LatentDirichletAllocation.perplexity")
        return self._perplexity(X, self._e_step(X, training=False)[0], sub_sampling)


def _dirichlet_terms(prior, params, elog, size) -> float:
    """``E_q[log p(x | prior)] - E_q[log q(x | params)]`` for Dirichlet rows ``x``."""
    score = np.sum((prior - params) * elog)
    score += np.sum(gammaln(params) - gammaln(prior))
    score += np.sum(gammaln(prior * size) - gammaln(np.sum(params, axis=1)))
    return float(score)
