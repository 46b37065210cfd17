"""Export homeml models to ONNX, the open format that onnxruntime and other runtimes execute.

Needs the ``onnx`` package (``pip install onnx``; ``onnxruntime`` to run the exported files).
"""

from __future__ import annotations

from homeml.onnx._graph import INPUT_NAME, OPSET, OUTPUT_NAME, save_atomic

__all__ = ["export", "Exporter", "Value", "Dim", "OPSET", "INPUT_NAME", "OUTPUT_NAME"]


def __getattr__(name: str):
    if name in ("Exporter", "Value", "Dim"):  # needs homeml.nn: imported on first use
        from homeml.onnx import _export

        return getattr(_export, name)
    raise AttributeError(f"module 'homeml.onnx' has no attribute {name!r}")


def _converters():
    """(type, converter) pairs; a converter takes (obj, example_input) and returns a ModelProto.
    Estimators are matched by their exact class inside ``convert_estimator``.
    """
    from homeml import nn
    from homeml.learn.base import BaseEstimator
    from homeml.onnx._learn import convert_estimator
    from homeml.onnx._nn import convert_module

    return [(nn.Module, convert_module), (BaseEstimator, convert_estimator)]


def export(obj, path, example_input):
    """Write ``obj`` as a standard ONNX model (opset ``OPSET``) to ``path``.

    The model has one float32 input named ``"input"``; its first (batch) axis is dynamic, the
    other axes are those of ``example_input``. Weights are stored as float32 and computed on in
    float32, so results match homeml's (float64) ones to about 1e-5 relative.

    A network has one output, ``"output"`` (a bare RNN/GRU/LSTM: ``"output"``, ``"h_n"`` and for
    an LSTM ``"c_n"``; a custom module returning a tuple: ``"output"``, ``"output_1"``, ...). It
    is exported as used for inference (eval mode: BatchNorm uses its running statistics, Dropout
    does nothing), whatever its current mode, which is kept.

    Sequence models (any Embedding, RNN/GRU/LSTM, MultiheadAttention, TransformerEncoderLayer or
    custom module inside) have their first two input axes dynamic (batch and sequence), and an
    integer ``example_input`` gives an int64 input (token indices). Attention exports the causal
    mask (``is_causal=True`` or a mask equal to the causal one) for any run-time length; another
    ``attn_mask`` is stored as a constant, fixing the lengths to the example's.
    ``key_padding_mask`` is not exported; an RNN/GRU/LSTM's initial state ``hx`` is exported
    when a module's ``onnx_export`` passes it as graph values (``ex(self.rnn, x, h0)``).

    A module with its own ``forward`` (e.g. a GPT: token + position embeddings, blocks, head) is
    exported through its method ``onnx_export(ex, *inputs, **kwargs)``, which replays the
    forward on graph values with the :class:`Exporter` ``ex``: ``ex(submodule, value, **kw)``
    for sub-modules (forward's keyword arguments such as ``is_causal=True`` included), ``+``,
    ``*`` and int/slice indexing on values, ``ex.positions(x, dim)`` for ``arange`` of an axis::

        def onnx_export(self, ex, idx):
            h = ex(self.tok, idx) + ex(self.pos, ex.positions(idx, dim=1))
            for block in self.blocks:
                h = ex(block, h, is_causal=True)
            return ex(self.head, ex(self.norm, h))

    Its result on the example must match ``forward``'s (else ValueError). Values also offer
    ``-``, ``/``, ``@`` (MatMul), ``reshape``/``view`` and ``expand`` (ints, -1 and run-time
    lengths ``x.size(dim)``), ``transpose``/``permute``, ``unsqueeze``/``squeeze``,
    ``split``/``chunk`` (along a fixed-size axis) and ``softmax``; the exporter ``ex.cat``,
    ``ex.take`` (Gather), ``ex.constant`` (e.g. a learned Parameter),
    ``ex.scaled_dot_product_attention`` (causal mask for the run-time length) and
    ``ex.causal_mask``. ``homeml.models.GPT`` and makemore's ``RNN`` (rnn/gru/lstm, learned
    start state as the initial state), ``Bigram``, ``MLP`` and ``WaveNet`` export this way:
    token ids (B, T) -> logits, batch and length dynamic (GPT: T up to ``block_size``).

    A fitted ``homeml.learn`` estimator takes ``"input"`` of shape (N, n_features) and has the
    outputs that skl2onnx gives the same scikit-learn estimator:

    - classifiers (LogisticRegression, binary or multinomial; GaussianNB): ``"label"`` (int64,
      (N,), the predicted entry of ``classes_``, which must be integers) and ``"probabilities"``
      (float32, (N, n_classes), as ``predict_proba``);
    - regressors (LinearRegression, Ridge, Lasso, ElasticNet): ``"output"`` (float32, (N,) or
      (N, n_targets) as ``predict``);
    - transformers (StandardScaler, MinMaxScaler, PCA incl. ``whiten``): ``"output"`` (float32,
      (N, n_out) as ``transform``);
    - KMeans: ``"label"`` (int64 (N,), as ``predict``) and ``"distances"`` (float32
      (N, n_clusters), as ``transform``);
    - Pipeline of the above (transformers, KMeans included as its ``transform``, then any
      supported final step; ``"passthrough"``/None steps skipped): the outputs of its last step.

    Parameters
    ----------
    obj : homeml.nn.Module or fitted homeml.learn estimator
        A network made of supported layers (Linear, Conv2d, MaxPool2d, AvgPool2d,
        AdaptiveAvgPool2d, BatchNorm1d/2d, LayerNorm, Dropout, Identity, Flatten, ReLU,
        LeakyReLU, GELU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax, Embedding, RNN, GRU, LSTM,
        MultiheadAttention, TransformerEncoderLayer), alone or inside (nested) ``Sequential``
        containers such as the ``homeml.models`` architectures, or modules defining
        ``onnx_export``; or one of the fitted estimators listed above.
    path : str or os.PathLike
        Output file. It is written atomically: a temporary file in the same folder is renamed
        over it, so a failed export leaves no partial file (and an existing file untouched).
    example_input : array_like or homeml.Tensor
        A batch of inputs of the shape the model takes, batch axis first, e.g. (1, 1, 28, 28).
        A network is run on it once to learn the shapes of every layer; for an estimator it is
        (n_samples, n_features) and must have ``n_features_in_`` columns.

    Returns
    -------
    onnx.ModelProto
        The model written (already checked with ``onnx.checker.check_model``).

    Raises
    ------
    NotImplementedError
        A layer (named by its path in the model and its class), an estimator class (named) or
        an option (e.g. string class labels) cannot be exported.
    NotFittedError
        The estimator (or a step of the Pipeline) is not fitted.
    ValueError
        ``example_input`` does not fit the network (the message names the failing layer) or
        does not have the estimator's number of features.
    TypeError
        ``obj`` is not a kind of object that can be exported.
    """
    for cls, convert in _converters():
        if isinstance(obj, cls):
            model = convert(obj, example_input)
            break
    else:
        raise TypeError(
            f"cannot export {type(obj).__name__} to ONNX; supported: homeml.nn.Module networks "
            "and fitted homeml.learn estimators"
        )
    save_atomic(model, path)
    return model
