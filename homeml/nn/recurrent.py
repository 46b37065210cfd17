"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells, shaped like torch's.

Parameters carry PyTorch's names and layouts (``weight_ih_l0`` (G*H, input), ``weight_hh_l0``
(G*H, H), ``bias_ih_l0``, ``bias_hh_l0``, ``..._reverse`` for the backward direction; gate rows
(i, f, g, o) for LSTM and (r, z, n) for GRU), so a torch ``state_dict`` loads as it is. Each
layer and direction projects all time steps in one matmul, then runs the fused time loop of
:class:`homeml.ops.recurrent.Recurrence` (one graph node per layer and direction).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from homeml.nn import functional as F
from homeml.nn import init
from homeml.nn.module import Module, Parameter
from homeml.ops.movement import cat, stack
from homeml.ops.recurrent import GATES, Recurrence
from homeml.tensor import Tensor

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

_MODE_OF = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}


def _run(mode, gi, h0, c0, w_hh, b_hh, w_hr=None, reverse=False):
    """Hidden states (T, B, H) and the last (h, c) of one direction (c is None but for LSTM).

    With a projection ``w_hr`` (P, H) the hidden states are (T, B, P).
    """
    out = Recurrence.apply(gi, h0, c0, w_hh, b_hh, w_hr, mode=mode, reverse=reverse)
    steps = gi.shape[0]
    if mode == "LSTM":
        seq = out[:steps] if w_hr is None else out[:steps, :, : w_hh.shape[1]]
        return seq, seq[0 if reverse else steps - 1], out[steps]
    return out, out[0 if reverse else steps - 1], None


def _check_state(name, state, expected, dtype):
    if not isinstance(state, Tensor):
        raise TypeError(f"{name} must be a Tensor, got {type(state).__name__}")
    if tuple(state.shape) != expected:
        raise ValueError(f"expected {name} of shape {expected}, got {tuple(state.shape)}")
    if state.dtype != dtype:
        raise TypeError(f"{name} has dtype {state.dtype} but the input has {dtype} (as in torch)")
    return state


class RNNBase(Module):
    """The multi-layer, optionally bidirectional recurrence shared by RNN, LSTM and GRU."""

    mode = "RNN_TANH"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype: DTypeLike | None = None,
    ):
        super().__init__()
        if int(proj_size) and self.mode != "LSTM":
            raise ValueError(f"proj_size is supported only by LSTM, got {type(self).__name__}")
        if not 0 <= int(proj_size) < int(hidden_size):
            raise ValueError(
                f"proj_size must be 0 (no projection) or in [1, hidden_size={hidden_size}), got "
                f"{proj_size}"
            )
        if int(hidden_size) <= 0 or int(num_layers) <= 0 or int(input_size) <= 0:
            raise ValueError(
                "input_size, hidden_size and num_layers must be positive, got "
                f"{input_size}, {hidden_size} and {num_layers}"
            )
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1], got {dropout}")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.num_layers, self.bias, self.batch_first = int(num_layers), bool(bias), batch_first
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        self.proj_size = int(proj_size)
        directions = 2 if bidirectional else 1
        gates = GATES[self.mode] * self.hidden_size
        out = self._state_width  # of h: the hidden size, or the projection's
        dtype = np.dtype(dtype or np.float32)
        self._flat_weights_names: list[str] = []
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else out * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes: dict[str, tuple[int, ...]] = {
                    "weight_ih": (gates, width),
                    "weight_hh": (gates, out),
                }
                if self.bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                if self.proj_size:
                    shapes["weight_hr"] = (self.proj_size, self.hidden_size)
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(np.empty(shape, dtype=dtype)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def flatten_parameters(self) -> None:
        """Do nothing: torch packs weights for cuDNN here; homeml's are used where they are."""

    @property
    def _state_width(self) -> int:
        return self.proj_size or self.hidden_size

    def _weights(self, layer, suffix):
        """``weight_ih, weight_hh, bias_ih, bias_hh`` of a layer and direction (None if absent)."""
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return [getattr(self, f"{n}_l{layer}{suffix}", None) for n in names]

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        """Run the sequence ``input`` from the initial state ``hx`` (zeros when None).

        Parameters
        ----------
        input : Tensor
            (T, B, input_size), (B, T, input_size) with ``batch_first``, or unbatched
            (T, input_size).
        hx : Tensor or tuple of Tensor, optional
            (num_layers * directions, B, H) (without B for unbatched input); for LSTM a pair
            ``(h0, c0)``.

        Returns
        -------
        output : Tensor
            The last layer's hidden state at every step, (T, B, directions * H) (batch first
            with ``batch_first``); H is ``proj_size`` for a projected LSTM.
        h_n : Tensor or tuple of Tensor
            The last hidden state of every layer and direction (for LSTM ``(h_n, c_n)``, with
            ``c_n`` of width ``hidden_size`` also when projected).
        """
        if not isinstance(input, Tensor) or input.ndim not in (2, 3):
            shape = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
            raise ValueError(
                f"{type(self).__name__} expects input of shape (T, B, {self.input_size}) or "
                f"unbatched (T, {self.input_size}), got {shape}"
            )
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{type(self).__name__} expects input features {self.input_size} in the last "
                f"dimension, got shape {tuple(input.shape)}"
            )
        batched = input.ndim == 3
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)  # (T, B, I)
        if x.shape[0] == 0:
            raise ValueError(f"{type(self).__name__} needs at least one time step, got 0")
        batch, directions = x.shape[1], 2 if self.bidirectional else 1
        lstm = self.mode == "LSTM"
        h0, c0 = self._initial_state(hx, batch, batched, directions, x.dtype, lstm)
        last_h, last_c = [], []
        for layer in range(self.num_layers):
            if layer and self.training and self.dropout:
                x = F.dropout(x, self.dropout)
            outputs = []
            for direction, suffix in enumerate(("", "_reverse")[:directions]):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, suffix)
                steps = x.shape[0]
                gi = F.linear(x.reshape(steps * batch, -1), w_ih, b_ih)  # all steps: one matmul
                gi = gi.reshape(steps, batch, -1)  # (T, B, G*H)
                k = layer * directions + direction
                c_k = c0[k] if lstm else None
                w_hr = getattr(self, f"weight_hr_l{layer}{suffix}") if self.proj_size else None
                seq, h, c = _run(self.mode, gi, h0[k], c_k, w_hh, b_hh, w_hr, bool(direction))
                outputs.append(seq)
                last_h.append(h)
                last_c.append(c)
            x = outputs[0] if directions == 1 else cat(outputs, dim=2)
        output = x.transpose(0, 1) if batched and self.batch_first else x
        h_n = stack(last_h)  # (L*D, B, H)
        state: Any = (h_n, stack(last_c)) if lstm else h_n
        if not batched:
            output = output.squeeze(1)
            state = tuple(s.squeeze(1) for s in state) if lstm else state.squeeze(1)
        return output, state

    def _initial_state(self, hx, batch, batched, directions, dtype, lstm):
        layers = self.num_layers * directions
        lead = (layers, batch) if batched else (layers,)
        expected, expected_c = (*lead, self._state_width), (*lead, self.hidden_size)
        if hx is None:
            zeros = Tensor._make(np.zeros((layers, batch, self._state_width), dtype=dtype))
            if not lstm:
                return zeros, None
            return zeros, Tensor._make(np.zeros((layers, batch, self.hidden_size), dtype=dtype))
        if lstm:
            if not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                raise TypeError(f"LSTM expects hx as a pair (h0, c0), got {type(hx).__name__}")
            h0 = _check_state("h0", hx[0], expected, dtype)
            c0 = _check_state("c0", hx[1], expected_c, dtype)
            return (h0, c0) if batched else (h0.unsqueeze(1), c0.unsqueeze(1))
        h0 = _check_state("hx", hx, expected, dtype)
        return (h0 if batched else h0.unsqueeze(1)), None

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        return text


class RNN(RNNBase):
    """Elman RNN, ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or ReLU).

    Takes ``nonlinearity`` ('tanh' or 'relu') before ``bias``, plus the arguments of
    :class:`RNNBase`, as ``torch.nn.RNN``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: DTypeLike | None = None,
    ):
        if nonlinearity not in _MODE_OF:
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        object.__setattr__(self, "mode", _MODE_OF[nonlinearity])  # read by RNNBase.__init__
        object.__setattr__(self, "nonlinearity", nonlinearity)
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0, dtype
        )


class LSTM(RNNBase):
    """Long short-term memory: gates (i, f, g, o); ``forward`` returns ``output, (h_n, c_n)``.

    ``proj_size=P`` (0 < P < hidden_size) adds torch's projection ``weight_hr_l{k}`` (P, H):
    the carried and returned hidden state is ``(o * tanh(c)) @ weight_hr.T``, of width P.
    """

    mode = "LSTM"


class GRU(RNNBase):
    """Gated recurrent unit: gates (r, z, n), ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``."""

    mode = "GRU"


class RNNCellBase(Module):
    """One time step of a recurrence, with torch's cell parameter names (no layer suffix)."""

    mode = "RNN_TANH"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, dtype: DTypeLike | None = None
    ):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bias
        gates = GATES[self.mode] * self.hidden_size
        dtype = np.dtype(dtype or np.float32)
        self.weight_ih = Parameter(np.empty((gates, self.input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((gates, self.hidden_size), dtype=dtype))
        self.bias_ih = Parameter(np.empty(gates, dtype=dtype)) if bias else None
        self.bias_hh = Parameter(np.empty(gates, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _step(self, input, hx):
        """(h', c') from input (B, I) or (I,) and state(s) (B, H) or (H,)."""
        if not isinstance(input, Tensor) or input.ndim not in (1, 2):
            raise ValueError(
                f"{type(self).__name__} expects input (B, {self.input_size}) or "
                f"({self.input_size},), got {getattr(input, 'shape', type(input).__name__)}"
            )
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{type(self).__name__} expects {self.input_size} input features, got shape "
                f"{tuple(input.shape)}"
            )
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        expected = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        lstm = self.mode == "LSTM"
        if hx is None:
            zeros = Tensor._make(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))
            h, c = zeros, zeros if lstm else None
        else:
            if lstm:
                if not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                    raise TypeError(f"LSTMCell expects hx as a pair (h, c), got {type(hx)}")
                h, c = (_check_state(n, s, expected, x.dtype) for n, s in zip(("h", "c"), hx))
            else:
                h, c = _check_state("hx", hx, expected, x.dtype), None
            if not batched:
                h = h.unsqueeze(0)
                c = c.unsqueeze(0) if c is not None else None
        gi = F.linear(x, self.weight_ih, self.bias_ih).unsqueeze(0)  # (1, B, G*H)
        _, h, c = _run(self.mode, gi, h, c, self.weight_hh, self.bias_hh)
        if not batched:
            h = h.squeeze(0)
            c = c.squeeze(0) if c is not None else None
        return h, c

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    """``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ReLU with ``nonlinearity='relu'``)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: DTypeLike | None = None,
    ):
        if nonlinearity not in _MODE_OF:
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        object.__setattr__(self, "mode", _MODE_OF[nonlinearity])
        object.__setattr__(self, "nonlinearity", nonlinearity)
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state (B, H) (or (H,) for unbatched input)."""
        return self._step(input, hx)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step; ``forward(input, (h, c))`` returns ``(h', c')``."""

    mode = "LSTM"

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Tensor]:
        """The next ``(h, c)``, each (B, H) (or (H,) for unbatched input)."""
        return self._step(input, hx)


class GRUCell(RNNCellBase):
    """One GRU step; ``forward(input, h)`` returns ``h'``."""

    mode = "GRU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state (B, H) (or (H,) for unbatched input)."""
        return self._step(input, hx)[0]
