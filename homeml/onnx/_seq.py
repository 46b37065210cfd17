"""ONNX converters of the sequence layers: Embedding, RNN/GRU/LSTM, MultiheadAttention and
TransformerEncoderLayer.

They take graph value names and the example tensors seen by the layer (their shapes only) and
return the names of the layer's outputs. Sequence axes stay dynamic: reshapes copy axes with 0
and a causal mask is built in the graph from the run-time length.
"""

from __future__ import annotations

import numpy as np

from homeml import nn
from homeml.nn import functional as F
from homeml.onnx import _nn as base
from homeml.onnx._graph import GraphBuilder
from homeml.tensor import Tensor

# PyTorch's gate blocks, reordered into ONNX's: GRU (r, z, n) -> (z, r, h); LSTM (i, f, g, o)
# -> (i, o, f, c); the Elman RNN has one block.
_GATE_ORDER = {"GRU": [1, 0, 2], "LSTM": [0, 3, 1, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def embedding(g: GraphBuilder, layer, x: str, in_shape, out_shape, path: str) -> str:
    """``Gather`` of the rows of the embedding table picked by int64 indices."""
    return g.node("Gather", [g.constant(path + ".weight", base._array(layer.weight)), x], path)


def _reorder(array: np.ndarray, mode: str, hidden: int) -> np.ndarray:
    blocks = [array[i * hidden : (i + 1) * hidden] for i in range(len(_GATE_ORDER[mode]))]
    return np.concatenate([blocks[i] for i in _GATE_ORDER[mode]])


def rnn(
    g: GraphBuilder, layer, x: str, in_shape, path: str, hx=None, initial: list[str] | None = None
) -> list[str]:
    """One ONNX RNN/GRU/LSTM node per layer (both directions in one node).

    ``initial`` names graph values of the initial state, ``[h0]`` or ``[h0, c0]`` (LSTM), each
    (num_layers * D, N, H) as PyTorch's ``hx``; layer k gets rows k*D..(k+1)*D as ONNX's
    ``initial_h`` / ``initial_c``. Without it the state starts at zero. Returns the names of
    ``output`` and ``h_n`` (and ``c_n`` for an LSTM).
    """
    what = base._describe(path, layer)
    if hx is not None:
        raise NotImplementedError(
            f"cannot export {what} called with an initial state hx: only the default zero "
            "state is exported"
        )
    if getattr(layer, "proj_size", 0):
        raise NotImplementedError(
            f"cannot export {what}: ONNX's LSTM operator has no output projection (proj_size)"
        )
    if len(in_shape) != 3:
        raise ValueError(
            f"{what} gets input of shape {tuple(in_shape)}: example_input must be a batch, so "
            "that this layer sees 3-D input"
        )
    mode, hidden = layer.mode, layer.hidden_size
    op = {"GRU": "GRU", "LSTM": "LSTM"}.get(mode, "RNN")
    directions = 2 if layer.bidirectional else 1
    attrs: dict = {"hidden_size": hidden}
    if directions == 2:
        attrs["direction"] = "bidirectional"
    if op == "GRU":
        attrs["linear_before_reset"] = 1  # PyTorch applies r to (W_hn h + b_hn)
    if op == "RNN":
        attrs["activations"] = ["Relu" if mode == "RNN_RELU" else "Tanh"] * directions
    if layer.batch_first:
        x = g.node("Transpose", [x], path, perm=[1, 0, 2])  # (T, N, I)
    last_h, last_c = [], []
    for k in range(layer.num_layers):
        ws, rs, bs = [], [], []
        for suffix in ("", "_reverse")[:directions]:
            w_ih, w_hh, b_ih, b_hh = layer._weights(k, suffix)  # the biases may be None
            w_ih, w_hh = base._array(w_ih), base._array(w_hh)
            gates = w_ih.shape[0]
            ws.append(_reorder(w_ih, mode, hidden))
            rs.append(_reorder(w_hh, mode, hidden))
            zeros = np.zeros(gates, dtype=np.float32)
            b_ih = zeros if b_ih is None else _reorder(base._array(b_ih), mode, hidden)
            b_hh = zeros if b_hh is None else _reorder(base._array(b_hh), mode, hidden)
            bs.append(np.concatenate([b_ih, b_hh]))
        hint = f"{path}.l{k}"
        inputs = [
            x,
            g.constant(hint + ".W", np.stack(ws)),
            g.constant(hint + ".R", np.stack(rs)),
            g.constant(hint + ".B", np.stack(bs)),
        ]
        if initial is not None:
            if len(initial) != (2 if op == "LSTM" else 1):
                raise ValueError(f"{what} got {len(initial)} initial states")
            inputs.append("")  # no sequence_lens: every sequence runs the full length
            for state in initial:
                rows = [g.constant(hint + ".rows", [v], np.int64) for v in (k * directions,)]
                rows.append(g.constant(hint + ".rows", [(k + 1) * directions], np.int64))
                inputs.append(g.node("Slice", [state, *rows], hint + ".initial"))
        outs = [g.name(hint + "_Y"), g.name(hint + "_Y_h")]
        if op == "LSTM":
            outs.append(g.name(hint + "_Y_c"))
        g.nodes.append(
            g.onnx.helper.make_node(op, inputs, outs, name=g.name(hint + "/" + op), **attrs)
        )
        # Y is (T, D, N, H): to PyTorch's (T, N, D*H), the next layer's input
        y = g.node("Transpose", [outs[0]], hint, perm=[0, 2, 1, 3])
        x = g.node("Reshape", [y, g.constant(hint + ".shape", [0, 0, -1], np.int64)], hint)
        last_h.append(outs[1])
        if op == "LSTM":
            last_c.append(outs[2])
    output = g.node("Transpose", [x], path, perm=[1, 0, 2]) if layer.batch_first else x
    names = [output]
    for states, hint in ((last_h, "h_n"), (last_c, "c_n")):
        if states:
            many = len(states) > 1
            names.append(g.node("Concat", states, path + "." + hint, axis=0) if many else states[0])
    return names


def _additive_mask(mask) -> np.ndarray:
    array = mask.numpy() if isinstance(mask, Tensor) else np.asarray(mask)
    if array.dtype == np.bool_:
        return np.where(array, -np.inf, 0.0).astype(np.float32)
    return array.astype(np.float32)


def _is_causal_mask(mask: np.ndarray) -> bool:
    if mask.ndim != 2 or mask.shape[0] != mask.shape[1]:
        return False
    above = np.triu(np.ones(mask.shape, dtype=bool), 1)
    return bool(np.all(np.isneginf(mask[above])) and np.all(mask[~above] == 0))


def _causal_mask(g: GraphBuilder, q: str, k: str, path: str) -> str:
    """(L, S) additive mask, -inf above the diagonal, built from the run-time lengths."""

    def steps(x: str, hint: str) -> str:  # arange(length of axis 1 of (N, T, E) x)
        n = g.node("Shape", [x], hint, start=1, end=2)
        n = g.node("Squeeze", [n, g.constant(hint + ".axis", [0], np.int64)], hint)
        zero, one = g.constant(hint + ".zero", 0, np.int64), g.constant(hint + ".one", 1, np.int64)
        return g.node("Range", [zero, n, one], hint)

    rows, cols = steps(q, path + ".rows"), steps(k, path + ".cols")
    rows = g.node("Unsqueeze", [rows, g.constant(path + ".rows_axis", [1], np.int64)], path)
    above = g.node("Less", [rows, cols], path)
    inf, zero = g.constant(path + ".neg_inf", -np.inf), g.constant(path + ".zero", 0.0)
    return g.node("Where", [above, inf, zero], path)


def multihead_attention(
    g: GraphBuilder,
    layer,
    q: str,
    k: str,
    v: str,
    q_shape,
    path: str,
    attn_mask=None,
    is_causal: bool = False,
    key_padding_mask=None,
) -> str:
    """Scaled dot-product attention over all heads; returns the name of the output.

    A causal mask (``is_causal`` without a mask, or a mask equal to the causal one) is built in
    the graph for the run-time lengths; any other ``attn_mask`` is stored as a constant (the
    lengths are then those of the example).
    """
    what = base._describe(path, layer)
    if key_padding_mask is not None:
        raise NotImplementedError(
            f"cannot export {what} with key_padding_mask: it depends on each input; export "
            "without it"
        )
    if len(q_shape) != 3:
        raise ValueError(
            f"{what} gets input of shape {tuple(q_shape)}: example_input must be a batch, so "
            "that this layer sees 3-D input"
        )
    e, heads, hd = layer.embed_dim, layer.num_heads, layer.head_dim
    if not layer.batch_first:
        q, k, v = (g.node("Transpose", [t], path, perm=[1, 0, 2]) for t in (q, k, v))
    if layer.in_proj_weight is not None:
        w = base._array(layer.in_proj_weight)
        weights = [w[:e], w[e : 2 * e], w[2 * e :]]
    else:
        weights = [base._array(t) for t in (layer.q_proj_weight, layer.k_proj_weight)]
        weights.append(base._array(layer.v_proj_weight))
    b = None if layer.in_proj_bias is None else base._array(layer.in_proj_bias)
    split = g.constant(path + ".heads_shape", [0, 0, heads, hd], np.int64)
    projected = []
    for i, (x, name, perm) in enumerate(
        zip((q, k, v), "qkv", ([0, 2, 1, 3], [0, 2, 3, 1], [0, 2, 1, 3]))
    ):
        y = g.node("MatMul", [x, g.constant(f"{path}.{name}_weight_t", weights[i].T)], path)
        if b is not None:
            y = g.node("Add", [y, g.constant(f"{path}.{name}_bias", b[i * e : (i + 1) * e])], path)
        y = g.node("Reshape", [y, split], path)  # (N, T, H, hd)
        projected.append(g.node("Transpose", [y], path, perm=perm))
    qh, kh, vh = projected  # (N, H, L, hd), (N, H, hd, S), (N, H, S, hd)
    qh = g.node("Mul", [qh, g.constant(path + ".scale", 1.0 / np.sqrt(hd))], path)
    scores = g.node("MatMul", [qh, kh], path)  # (N, H, L, S)
    mask = None if attn_mask is None else _additive_mask(attn_mask)
    if (mask is None and is_causal) or (mask is not None and _is_causal_mask(mask)):
        scores = g.node("Add", [scores, _causal_mask(g, q, k, path + ".causal")], path)
    elif mask is not None:
        if mask.ndim == 3:  # (N * H, L, S): the batch size is then that of the example
            mask = mask.reshape(-1, heads, *mask.shape[1:])
        scores = g.node("Add", [scores, g.constant(path + ".attn_mask", mask)], path)
    weights_ = g.node("Softmax", [scores], path, axis=-1)
    out = g.node("MatMul", [weights_, vh], path)  # (N, H, L, hd)
    out = g.node("Transpose", [out], path, perm=[0, 2, 1, 3])
    out = g.node("Reshape", [out, g.constant(path + ".merge_shape", [0, 0, e], np.int64)], path)
    out = base._linear(g, layer.out_proj, out, (0, 0, e), (0, 0, e), path + ".out_proj")
    if not layer.batch_first:
        out = g.node("Transpose", [out], path, perm=[1, 0, 2])
    return out


def encoder_layer(
    g: GraphBuilder,
    layer,
    x: str,
    in_shape,
    path: str,
    src_mask=None,
    src_key_padding_mask=None,
    is_causal: bool = False,
) -> str:
    """TransformerEncoderLayer (post- or pre-norm, ReLU or exact GELU) in eval mode."""
    act = layer.activation
    if act is F.relu:
        activation = "relu"
    elif act is F.gelu:
        activation = "gelu"
    else:
        raise NotImplementedError(
            f"cannot export {base._describe(path, layer)}: activation {act!r} is not 'relu' or "
            "'gelu'"
        )
    shape = tuple(in_shape)

    def norm(sub, name, h):
        return base._layer_norm(g, sub, h, shape, shape, f"{path}.{name}")

    def attention(h):
        sa = layer.self_attn
        return multihead_attention(
            g, sa, h, h, h, shape, path + ".self_attn", src_mask, is_causal, src_key_padding_mask
        )

    def feed_forward(h):
        h = base._linear(g, layer.linear1, h, shape, shape, path + ".linear1")
        if activation == "relu":
            h = g.node("Relu", [h], path + ".activation")
        else:
            h = base._gelu(g, nn.GELU(), h, shape, shape, path + ".activation")
        return base._linear(g, layer.linear2, h, shape, shape, path + ".linear2")

    if layer.norm_first:
        x = g.node("Add", [x, attention(norm(layer.norm1, "norm1", x))], path)
        return g.node("Add", [x, feed_forward(norm(layer.norm2, "norm2", x))], path)
    x = norm(layer.norm1, "norm1", g.node("Add", [x, attention(x)], path))
    return norm(layer.norm2, "norm2", g.node("Add", [x, feed_forward(x)], path))
