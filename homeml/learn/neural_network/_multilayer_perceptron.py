"""MLPClassifier and MLPRegressor: scikit-learn's multi-layer perceptrons, on NumPy.

The network, its initialisation and the solvers are in ``_mlp_base.py``; this file holds what
differs: the targets (class labels one-hot encoded, or numbers), the output activation and loss,
and the prediction methods.
"""

from __future__ import annotations

import numpy as np

from homeml.learn._param_validation import StrOptions
from homeml.learn.base import (
    ClassifierMixin,
    RegressorMixin,
    available_if,
    check_classification_targets,
    check_is_fitted,
    column_or_1d,
    type_of_target,
)
from homeml.learn.neural_network._docs import _DOC_ATTRIBUTES, _DOC_PARAMETERS
from homeml.learn.neural_network._labels import _Binarizer
from homeml.learn.neural_network._mlp_base import BaseMultilayerPerceptron


class MLPClassifier(ClassifierMixin, BaseMultilayerPerceptron):
    __doc__ = f"""Multi-layer perceptron classifier, trained on the log-loss.

    Binary and multi-label targets get logistic outputs, more classes a softmax.

    Parameters
    ----------{_DOC_PARAMETERS}
    Attributes
    ----------
    classes_ : ndarray
        The class labels (for multi-label targets, the column indices).{_DOC_ATTRIBUTES}"""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    loss = "log_loss"

    def _homeml_tags(self) -> dict:
        return {**super()._homeml_tags(), "multi_label": True}

    def _output_activation(self) -> str:
        return "softmax" if self._binarizer.y_type_ == "multiclass" else "logistic"

    def _stratify_validation(self) -> bool:
        return self.n_outputs_ == 1

    def _decode(self, y):
        return self._binarizer.inverse_transform(y)

    def _score_function(self, y, y_pred, sample_weight=None):
        from homeml.learn.metrics import accuracy_score

        return accuracy_score(y, y_pred, sample_weight=sample_weight)

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._validate_data(
            X,
            y,
            reset=reset,
            multi_output=True,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._binarizer = _Binarizer().fit(y)
            self.classes_ = self._binarizer.classes_
        else:
            classes = _Binarizer().fit(y).classes_
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the "
                        f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {classes}."
                )
        return X, self._binarizer.transform(y)

    def _predict(self, X, check_input=True):
        if check_input:
            X = self._validate_data(
                X, reset=False, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32]
            )
        output = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            output = output.ravel()
        return self._binarizer.inverse_transform(output)

    def predict(self, X):
        """The predicted class of each sample (or the 0/1 labels, for multi-label targets).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self._predict(X)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch of the stochastic solver on ``(X, y)``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array-like of shape (n_classes,), default=None
            Every class that will ever appear; required on the first call.

        Returns
        -------
        self
        """
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            self._binarizer = _Binarizer()
            if type_of_target(y).startswith("multilabel"):
                self._binarizer.fit(y)
            else:
                self._binarizer.fit(np.asarray(classes))
            self.classes_ = self._binarizer.classes_
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"`classes={np.asarray(classes)}` is not the same as on last call to "
                f"partial_fit, was: {self.classes_}"
            )
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict_proba(self, X):
        """The probability of each class (of each label, for multi-label targets).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = self._validate_data(
            X, reset=False, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32]
        )
        output = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            output = output.ravel()
        if output.ndim == 1:
            return np.vstack([1 - output, output]).T
        return output

    def predict_log_proba(self, X):
        """The log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        proba = self.predict_proba(X)
        return np.log(proba, out=proba)


class MLPRegressor(RegressorMixin, BaseMultilayerPerceptron):
    __doc__ = f"""Multi-layer perceptron regressor, with an identity output (or an exponential
    one for the Poisson loss).

    Parameters
    ----------
    loss : {{"squared_error", "poisson"}}, default="squared_error"
        Half the squared error, or half the Poisson deviance (for counts).{_DOC_PARAMETERS}
    Attributes
    ----------{_DOC_ATTRIBUTES}"""

    _homeml_constraints: dict = {
        **BaseMultilayerPerceptron._homeml_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    def _output_activation(self) -> str:
        return "exp" if self.loss == "poisson" else "identity"

    def _stratify_validation(self) -> bool:
        return False

    def _decode(self, y):
        return y.ravel() if y.shape[1] == 1 else y

    def _score_function(self, y, y_pred, sample_weight=None):
        from homeml.learn.metrics import r2_score

        return r2_score(y, y_pred, sample_weight=sample_weight)

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._validate_data(
            X,
            y,
            reset=reset,
            multi_output=True,
            y_numeric=True,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' requires non-negative y; y has negative values.")
        return X, y

    def _predict(self, X, check_input=True):
        if check_input:
            X = self._validate_data(
                X, reset=False, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32]
            )
        output = self._forward_pass_fast(X)
        return output.ravel() if output.shape[1] == 1 else output

    def predict(self, X):
        """The network's output for each sample.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        check_is_fitted(self)
        return self._predict(X)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch of the stochastic solver on ``(X, y)``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)
