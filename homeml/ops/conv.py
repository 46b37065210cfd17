"""2-D convolution and transposed convolution on (N, C, H, W) arrays (pooling: ``pool.py``).

Convolution is im2col: a strided *view* of every receptive field (no Python loop over pixels),
copied once into a matrix so that the whole layer is one BLAS matrix product. Its backward is the
same product transposed plus col2im, which adds each kernel offset's slice back in place
(kh * kw vectorised additions). Convolutions and pools keep their arrays batch-innermost,
(C, H, W, N) in memory, behind the (N, C, H, W) shape the caller sees (see ``Conv2d``).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from homeml.tensor import Function


def pair(value) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"expected an int or a pair of ints, got {value!r}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


def output_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def windows(x, kernel, stride, dilation):
    """View (C, kh, kw, OH, OW, N) of every receptive field of a (C, H, W, N) array.

    ``view[c, i, j, y, x, n]`` is ``x[c, y*sh + i*dh, x*sw + j*dw, n]``.
    """
    c, h, w, n = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (w - dw * (kw - 1) - 1) // sw + 1
    s0, s1, s2, s3 = x.strides
    return as_strided(
        x,
        shape=(c, kh, kw, oh, ow, n),
        strides=(s0, s1 * dh, s2 * dw, s1 * sh, s2 * sw, s3),
        writeable=False,
    )


def add_windows(target, window_grads, stride, dilation):
    """col2im: add (C, kh, kw, OH, OW, N) window gradients into the (C, H, W, N) ``target``."""
    _, kh, kw, oh, ow, _ = window_grads.shape
    (sh, sw), (dh, dw) = stride, dilation
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            target[:, rows, cols] += window_grads[:, i, j]
    return target


def pad_hw(x, padding, value=0.0):
    """Pad the H and W axes of a (C, H, W, N) array."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)), constant_values=value)


def unpad_hw(x, padding):
    ph, pw = padding
    return x[:, ph : x.shape[1] - ph, pw : x.shape[2] - pw]


def batch_last(x):
    """(N, C, H, W) -> (C, H, W, N) view: the layout convolutions and pools work in."""
    return x.transpose(1, 2, 3, 0)


def batch_first(x):
    """(C, H, W, N) -> (N, C, H, W) view: what the caller sees."""
    return x.transpose(3, 0, 1, 2)


class Conv2d(Function):
    """Cross-correlation of (N, C, H, W) input with (O, C/groups, kh, kw) weight.

    Internally batch-innermost: the input is read as (C, H, W, N) and the output is produced as
    an (O, OH, OW, N) array returned as an (N, O, OH, OW) view, so a following conv, pool or
    elementwise op keeps that layout without copying. With the batch innermost, one row of a
    receptive field across the batch, ``x[c, y + i, j : j + OW, :]``, is a single contiguous run
    of OW*N values, so im2col and col2im move long runs instead of many short rows of OW values
    (where NumPy spends its time on small images), and BLAS's output needs no transposing copy.
    """

    def forward(
        self, x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1
    ):
        if x.ndim != 4:
            raise ValueError(f"conv2d expects input of shape (N, C, H, W), got {x.shape}")
        out_channels, group_channels, kh, kw = weight.shape
        n, c = x.shape[:2]
        if c != group_channels * groups:
            raise ValueError(
                f"conv2d: input has {c} channels but weight {weight.shape} with groups={groups} "
                f"expects {group_channels * groups}"
            )
        padded_hw = (x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1])
        reach = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
        if reach[0] > padded_hw[0] or reach[1] > padded_hw[1]:  # before windows() sees it
            raise ValueError(
                f"conv2d: kernel {(kh, kw)} with dilation {dilation} spans {reach}, larger than "
                f"the padded input {padded_hw}"
            )
        self.weight, self.has_bias = weight, bias is not None
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        padded = pad_hw(batch_last(x), padding)  # (C, Hp, Wp, N)
        self.padded_shape = padded.shape
        view = windows(padded, (kh, kw), stride, dilation)  # (C, kh, kw, OH, OW, N)
        self.oh, self.ow = view.shape[3:5]
        # (G, C/G*kh*kw, OH*OW*N): the one copy of every receptive field
        self.cols = cols = view.reshape(groups, -1, self.oh * self.ow * n)
        w2 = weight.reshape(groups, out_channels // groups, -1)  # (G, O/G, C/G*kh*kw)
        out = np.matmul(w2, cols).reshape(out_channels, self.oh, self.ow, n)
        if bias is not None:
            out += bias.reshape(-1, 1, 1, 1)
        return batch_first(out)

    def backward(self, grad):
        weight, g = self.weight, self.groups
        out_channels, _, kh, kw = weight.shape
        # (G, O/G, OH*OW*N); no copy when grad kept the layout of forward's output
        g2 = batch_last(grad).reshape(g, out_channels // g, -1)
        grads = [None, None, None]
        if self.needs_input_grad[1]:
            # cols @ g2^T, transposed: OpenBLAS is much faster this way round for the long,
            # thin products of small convolutions than g2 @ cols^T
            gw = np.matmul(self.cols, g2.transpose(0, 2, 1)).transpose(0, 2, 1)
            grads[1] = gw.reshape(weight.shape)
        if self.has_bias and self.needs_input_grad[2]:
            grads[2] = grad.sum(axis=(0, 2, 3))
        if self.needs_input_grad[0]:
            w2t = weight.reshape(g, out_channels // g, -1).transpose(0, 2, 1)
            gcols = np.matmul(w2t, g2)  # (G, C/G*kh*kw, OH*OW*N), im2col's order
            c, _, _, n = self.padded_shape
            window_grads = gcols.reshape(c, kh, kw, self.oh, self.ow, n)
            gx = np.zeros(self.padded_shape, dtype=grad.dtype)
            add_windows(gx, window_grads, self.stride, self.dilation)
            grads[0] = batch_first(unpad_hw(gx, self.padding))
        return tuple(grads)


class ConvTranspose2d(Function):
    """Conv2d's input gradient used as a layer; weight shaped (C, O/G, kh, kw)."""

    def forward(
        self,
        x,
        weight,
        bias=None,
        stride=(1, 1),
        padding=(0, 0),
        output_padding=(0, 0),
        dilation=(1, 1),
        groups=1,
    ):
        if x.ndim != 4:
            raise ValueError(f"conv_transpose2d expects (N, C, H, W) input, got {x.shape}")
        in_channels, group_out, kh, kw = weight.shape
        n, c, h, w = x.shape
        if c != in_channels:
            raise ValueError(
                f"conv_transpose2d: input has {c} channels, weight expects {in_channels}"
            )
        g = groups
        (sh, sw), (dh, dw) = stride, dilation
        if any(op >= max(s, d) for op, s, d in zip(output_padding, stride, dilation)):
            raise ValueError(
                f"conv_transpose2d: output_padding {output_padding} must be smaller than either "
                f"stride {stride} or dilation {dilation}"
            )
        full_h = (h - 1) * sh + dh * (kh - 1) + 1 + output_padding[0]
        full_w = (w - 1) * sw + dw * (kw - 1) + 1 + output_padding[1]
        out_hw = (full_h - 2 * padding[0], full_w - 2 * padding[1])
        if min(out_hw) <= 0:
            raise ValueError(
                f"conv_transpose2d: input size {(h, w)} gives output size {out_hw}; "
                f"padding {padding} is too large"
            )
        # every input pixel scatters weight-scaled kernels: cols = W^T x, then col2im
        self.xg = xg = batch_last(x).reshape(g, c // g, h * w * n)
        wg = weight.reshape(g, c // g, group_out * kh * kw)
        cols = np.matmul(wg.transpose(0, 2, 1), xg)  # (G, O/G*kh*kw, H*W*N)
        full = np.zeros((g * group_out, full_h, full_w, n), dtype=np.result_type(x, weight))
        add_windows(full, cols.reshape(g * group_out, kh, kw, h, w, n), stride, dilation)
        out = batch_first(unpad_hw(full, padding))
        if bias is not None:
            out = out + bias.reshape(1, -1, 1, 1)
        self.weight, self.has_bias, self.full_shape = weight, bias is not None, full.shape
        self.input_shape = x.shape
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        return out

    def backward(self, grad):
        weight, g = self.weight, self.groups
        in_channels, group_out, kh, kw = weight.shape
        n, c, h, w = self.input_shape
        full = np.zeros(self.full_shape, dtype=grad.dtype)  # (O, full_h, full_w, N)
        ph, pw = self.padding
        full[:, ph : self.full_shape[1] - ph, pw : self.full_shape[2] - pw] = batch_last(grad)
        view = windows(full, (kh, kw), self.stride, self.dilation)[:, :, :, :h, :w]
        cols = view.reshape(g, group_out * kh * kw, h * w * n)
        grads = [None, None, None]
        if self.needs_input_grad[0]:
            wg = weight.reshape(g, c // g, group_out * kh * kw)
            grads[0] = batch_first(np.matmul(wg, cols).reshape(c, h, w, n))
        if self.needs_input_grad[1]:
            gw = np.matmul(self.xg, cols.transpose(0, 2, 1))  # (G, C/G, O/G*kh*kw)
            grads[1] = gw.reshape(weight.shape)
        if self.has_bias and self.needs_input_grad[2]:
            grads[2] = grad.sum(axis=(0, 2, 3))
        return tuple(grads)
