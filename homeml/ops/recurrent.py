"""Fused recurrences: a whole RNN/LSTM/GRU layer (one direction) as one graph node.

The input projections of every time step, ``gi = x @ W_ih.T + b_ih`` (T, B, G*H), are computed
before, in one matmul by ordinary ops. :class:`Recurrence` then runs the time loop in NumPy:
each step adds ``gh = h @ W_hh.T + b_hh`` (B, G*H) and applies the cell. Its backward runs the
loop the other way (backpropagation through time as a plain loop: no recursion, no per-step graph
nodes) and forms the gradient of ``W_hh`` in one matmul over all steps.

Gate layouts follow PyTorch: LSTM rows (i, f, g, o), GRU rows (r, z, n) with
``n = tanh(gi_n + r * (h @ W_hn.T + b_hn))``. An LSTM with a projection (torch's ``proj_size``)
carries ``h = (o * tanh(c)) @ W_hr.T`` of width P < H from step to step.
"""

from __future__ import annotations

import numpy as np

from homeml.tensor import Function

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _sigmoid_(x):
    """Sigmoid in place, through tanh: no overflow for large |x|, no temporary arrays."""
    x *= 0.5
    np.tanh(x, out=x)
    x *= 0.5
    x += 0.5


class Recurrence(Function):
    """Run one direction of one recurrent layer over a sequence.

    Inputs: ``gi`` (T, B, G*H), ``h0`` (B, H), ``c0`` (B, H) for LSTM else None, ``w_hh``
    (G*H, H), ``b_hh`` (G*H,) or None, and for a projected LSTM ``w_hr`` (P, H) (then ``h0`` is
    (B, P) and ``w_hh`` (4H, P)). Options: ``mode`` (one of :data:`MODES`), ``reverse`` (walk
    t = T-1 .. 0). Output: the hidden state of every step (T, B, H), in input order; for LSTM one
    more row holds the last cell state: (T + 1, B, H). With a projection the hidden states fill
    the first P columns of the first T rows (the rest are zeros).
    """

    def forward(self, gi, h0, c0, w_hh, b_hh, w_hr=None, mode="RNN_TANH", reverse=False):
        steps, batch, _ = gi.shape
        hidden = w_hh.shape[0] // GATES[mode]
        width = w_hh.shape[1]  # of the carried state h: H, or P with a projection
        self.mode, self.reverse, self.w_hh, self.w_hr = mode, reverse, w_hh, w_hr
        lstm = mode == "LSTM"
        dtype = np.result_type(gi, w_hh)
        out = (np.zeros if w_hr is not None else np.empty)((steps + lstm, batch, hidden), dtype)
        # what backward needs, by time step: the state before the step, the activated gates
        self.h_prev = np.empty((steps, batch, width), dtype=dtype)
        self.gates = np.empty(gi.shape, dtype=dtype)
        if lstm:
            self.c_prev = np.empty((steps, batch, hidden), dtype=dtype)
            self.c_tanh = np.empty((steps, batch, hidden), dtype=dtype)
        if w_hr is not None:  # o * tanh(c) before the projection, by step
            self.h_full = np.empty((steps, batch, hidden), dtype=dtype)
            w_hr_t = np.ascontiguousarray(w_hr.T)
        if mode == "GRU":
            self.gh_n = np.empty((steps, batch, hidden), dtype=dtype)
        w_t = np.ascontiguousarray(w_hh.T)  # a transposed view would take BLAS off matmul(out=)
        if lstm:  # 0.5 on the sigmoid gates (i, f, o), 1 and 0 on g: see _lstm_step
            half = np.full(w_hh.shape[0], 0.5, dtype=dtype)
            half[2 * hidden : 3 * hidden] = 1
            shift = half.copy()
            shift[2 * hidden : 3 * hidden] = 0
        h, c = h0, c0
        for t in range(steps - 1, -1, -1) if reverse else range(steps):
            self.h_prev[t] = h
            gates = self.gates[t]
            np.matmul(h, w_t, out=gates)  # (B, G*H)
            if b_hh is not None:
                gates += b_hh
            if mode == "GRU":
                H2 = 2 * hidden
                self.gh_n[t] = gates[:, H2:]
                gates[:, :H2] += gi[t, :, :H2]
                _sigmoid_(gates[:, :H2])
                r, z = gates[:, :hidden], gates[:, hidden:H2]
                gates[:, H2:] = np.tanh(gi[t, :, H2:] + r * self.gh_n[t])
                h = (1.0 - z) * gates[:, H2:] + z * h
            elif lstm and w_hr is not None:
                gates += gi[t]
                h_full, c = self._lstm_step(t, gates, c, self.h_full[t], half, shift)
                h = np.matmul(h_full, w_hr_t, out=out[t, :, :width])
            elif lstm:
                gates += gi[t]
                h, c = self._lstm_step(t, gates, c, out[t], half, shift)
            else:
                gates += gi[t]
                if mode == "RNN_TANH":
                    np.tanh(gates, out=gates)
                else:
                    np.maximum(gates, 0, out=gates)
                h = gates
            if not lstm:  # _lstm_step wrote it there
                out[t] = h
        if lstm:
            out[steps] = c
        return out

    def _lstm_step(self, t, gates, c, h_out, half, shift):
        """Activate the LSTM gates (B, 4H) in place; write h into ``h_out``; return (h, c).

        sigmoid(x) = 0.5 tanh(0.5 x) + 0.5 (as :func:`_sigmoid_`) and g = tanh(x), so one tanh
        over all four contiguous gates, scaled by ``half`` (0.5 or 1 per column) before and
        after, then ``shift`` (0.5 on the sigmoid gates, 0 on g) added, gives the same numbers as
        activating each strided gate block apart, in four ops instead of nine.
        """
        hidden = h_out.shape[-1]
        H2, H3 = 2 * hidden, 3 * hidden
        gates *= half
        np.tanh(gates, out=gates)
        gates *= half
        gates += shift
        i, f, g, o = gates[:, :hidden], gates[:, hidden:H2], gates[:, H2:H3], gates[:, H3:]
        self.c_prev[t] = c
        c = f * c
        c += i * g
        np.tanh(c, out=self.c_tanh[t])
        return np.multiply(o, self.c_tanh[t], out=h_out), c

    def _lstm_local_grads(self, d_pre):
        """Fill ``d_pre`` (T, B, 4H) with each gate's d c_t / d pre-activation (d h_t for o).

        Computed for all steps at once, outside the time loop, which then only multiplies by dc
        and dh. Returns d h_t / d c_t = o (1 - tanh(c)^2) (T, B, H) and the forget gate
        (T, B, H), the factor that carries dc one step back.
        """
        steps, batch, _ = self.gates.shape
        gates = self.gates.reshape(steps, batch, 4, -1)
        i, f, g, o = (gates[:, :, k] for k in range(4))
        local = d_pre.reshape(gates.shape)
        tc = self.c_tanh
        np.multiply(g, i * (1.0 - i), out=local[:, :, 0])  # sigmoid' = s (1 - s)
        np.multiply(self.c_prev, f * (1.0 - f), out=local[:, :, 1])
        np.multiply(i, 1.0 - g * g, out=local[:, :, 2])  # tanh' = 1 - tanh^2
        np.multiply(tc, o * (1.0 - o), out=local[:, :, 3])
        o_dtc = tc * tc  # not in place: a retained graph may run backward again
        np.subtract(1.0, o_dtc, out=o_dtc)
        o_dtc *= o
        return o_dtc, f

    def backward(self, grad):
        mode, w_hh, w_hr = self.mode, self.w_hh, self.w_hr
        hidden, width = w_hh.shape[0] // GATES[mode], w_hh.shape[1]
        steps = self.gates.shape[0]
        if w_hr is not None:
            dh_proj = np.empty_like(self.h_prev)  # d loss / d projected h, by step
        d_pre = np.empty_like(self.gates)  # d loss / d pre-activation of gi, by step
        d_gh = np.empty_like(self.gates) if mode == "GRU" else d_pre  # same for gh (differs: GRU)
        dh = np.zeros_like(self.h_prev[0])
        dc = grad[steps].astype(dh.dtype) if mode == "LSTM" else None
        H2 = 2 * hidden
        batch = dh.shape[0]
        if mode == "LSTM":
            o_dtc, forget = self._lstm_local_grads(d_pre)
        for t in range(steps) if self.reverse else range(steps - 1, -1, -1):
            dh = dh + grad[t, :, :width]
            g = self.gates[t]
            d = d_pre[t]
            if mode == "GRU":
                r, z, n = g[:, :hidden], g[:, hidden:H2], g[:, H2:]
                h_prev = self.h_prev[t]
                dn = dh * (1.0 - z) * (1.0 - n * n)  # through tanh
                d[:, H2:] = dn
                d[:, :hidden] = dn * self.gh_n[t] * r * (1.0 - r)
                d[:, hidden:H2] = dh * (h_prev - n) * z * (1.0 - z)
                d_gh[t, :, :H2] = d[:, :H2]
                d_gh[t, :, H2:] = dn * r
                dh = dh * z + d_gh[t] @ w_hh
            elif mode == "LSTM":
                if w_hr is not None:
                    dh_proj[t] = dh
                    dh = dh @ w_hr  # (B, P) @ (P, H): back through the projection
                dc += dh * o_dtc[t]
                d4 = d.reshape(batch, 4, hidden)  # a view of d_pre[t]
                d4[:, :3] *= dc[:, None, :]  # i, f, g gates: through c
                d4[:, 3] *= dh  # o gate
                dc *= forget[t]
                dh = d @ w_hh
            else:
                d[...] = dh * (1.0 - g * g) if mode == "RNN_TANH" else dh * (g > 0)
                dh = d @ w_hh
        needs = self.needs_input_grad
        flat = d_gh.reshape(-1, d_gh.shape[-1])  # (T*B, G*H)
        gw = flat.T @ self.h_prev.reshape(-1, width) if needs[3] else None
        gb = flat.sum(axis=0) if len(needs) > 4 and needs[4] else None
        if w_hr is None:
            return d_pre, dh, dc, gw, gb
        needs_r = len(needs) > 5 and needs[5]
        g_hr = dh_proj.reshape(-1, width).T @ self.h_full.reshape(-1, hidden) if needs_r else None
        return d_pre, dh, dc, gw, gb, g_hr
