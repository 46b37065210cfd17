"""The parameters and attributes shared by the docstrings of MLPClassifier and MLPRegressor."""

_DOC_PARAMETERS = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(100,)
        The number of neurons of each hidden layer.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        The hidden layers' activation.
    solver : {"lbfgs", "sgd", "adam"}, default="adam"
        L-BFGS (homeml's own, full batch), stochastic gradient descent, or Adam.
    alpha : float, default=0.0001
        Strength of the L2 penalty (divided by the number of samples, or the weight sum).
    batch_size : int or "auto", default="auto"
        Minibatch size of the stochastic solvers; "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        SGD's schedule: fixed, ``learning_rate_init / t ** power_t``, or divided by 5 each time
        the loss stops improving.
    learning_rate_init : float, default=0.001
        Initial step size (sgd, adam).
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    max_iter : int, default=200
        Epochs of the stochastic solvers; iterations of L-BFGS.
    shuffle : bool, default=True
        Shuffle the samples each epoch (sgd, adam).
    random_state : int, RandomState or None, default=None
        Weight initialisation, shuffling and the early-stopping split.
    tol : float, default=1e-4
        Improvement below which an epoch counts as not improving; L-BFGS's gradient tolerance.
    verbose : bool, default=False
        Print the loss of each epoch.
    warm_start : bool, default=False
        Continue from the previous fit's weights.
    momentum : float, default=0.9
        SGD momentum.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum (sgd, with momentum > 0).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its score stops improving;
        the best weights are kept (sgd, adam).
    validation_fraction : float, default=0.1
        Held-out share for early stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Adam's numerical stability term.
    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` before stopping (sgd, adam).
    max_fun : int, default=15000
        Most loss evaluations of L-BFGS.
"""

_DOC_ATTRIBUTES = """
    loss_ : float
        The last loss (with the penalty).
    best_loss_ : float or None
        The smallest training loss (sgd, adam; None with early stopping).
    loss_curve_ : list of float
        The loss after each epoch (sgd, adam).
    validation_scores_ : list of float or None
        The held-out score after each epoch (with early stopping).
    best_validation_score_ : float or None
        The best of them.
    t_ : int
        Samples seen by the solver.
    coefs_ : list of ndarray
        ``coefs_[i]`` maps layer i to layer i + 1, shape (units[i], units[i + 1]).
    intercepts_ : list of ndarray
        The biases of layer i + 1.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names.
    n_iter_ : int
        Epochs (sgd, adam) or iterations (lbfgs) run.
    n_layers_ : int
    n_outputs_ : int
    out_activation_ : str
        The output layer's activation.
"""
