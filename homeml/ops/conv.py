"""2-D convolution, transposed convolution and pooling on (N, C, H, W) arrays.

Convolution is im2col: a strided *view* of every receptive field (no Python loop over pixels),
copied once into a matrix so that the whole layer is one BLAS matrix product. Its backward is the
same product transposed plus col2im, which adds each kernel offset's slice back in place
(kh * kw vectorised additions).
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
    """View of shape (N, C, OH, OW, kh, kw): every receptive field of an (N, C, H, W) array."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (w - dw * (kw - 1) - 1) // sw + 1
    s0, s1, s2, s3 = x.strides
    return as_strided(
        x,
        shape=(n, c, oh, ow, kh, kw),
        strides=(s0, s1, s2 * sh, s3 * sw, s2 * dh, s3 * dw),
        writeable=False,
    )


def add_windows(target, window_grads, stride, dilation):
    """col2im: add (kh, kw, N, C, OH, OW) window gradients into the (N, C, H, W) ``target``."""
    kh, kw, _, _, oh, ow = window_grads.shape
    (sh, sw), (dh, dw) = stride, dilation
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            target[:, :, rows, cols] += window_grads[i, j]
    return target


def pad_hw(x, padding, value=0.0):
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def unpad_hw(x, padding):
    ph, pw = padding
    return x[:, :, ph : x.shape[2] - ph, pw : x.shape[3] - pw]


class Conv2d(Function):
    """Cross-correlation of (N, C, H, W) input with (O, C/groups, kh, kw) weight."""

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
        padded = pad_hw(x, padding)
        view = windows(padded, (kh, kw), stride, dilation)  # (N, C, OH, OW, kh, kw)
        oh, ow = view.shape[2:4]
        if oh <= 0 or ow <= 0:
            raise ValueError(f"conv2d: kernel {(kh, kw)} is larger than the padded input")
        g = groups
        # cols: (G, N*OH*OW, C/G*kh*kw), one copy; w2: (G, C/G*kh*kw, O/G)
        cols = view.reshape(n, g, group_channels, oh, ow, kh, kw)
        cols = cols.transpose(1, 0, 3, 4, 2, 5, 6).reshape(g, n * oh * ow, -1)
        w2 = weight.reshape(g, out_channels // g, -1).transpose(0, 2, 1)
        out = np.matmul(cols, w2)  # (G, N*OH*OW, O/G)
        out = out.reshape(g, n, oh, ow, out_channels // g).transpose(1, 0, 4, 2, 3)
        out = out.reshape(n, out_channels, oh, ow)
        if bias is not None:
            out = out + bias.reshape(1, -1, 1, 1)
        self.cols, self.weight, self.has_bias = cols, weight, bias is not None
        self.x_shape, self.padded_shape = x.shape, padded.shape
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        return out

    def backward(self, grad):
        n, c, _, _ = self.x_shape
        weight, g = self.weight, self.groups
        out_channels, group_channels, kh, kw = weight.shape
        oh, ow = grad.shape[2:]
        # (N, O, OH, OW) -> (G, N*OH*OW, O/G)
        g2 = grad.reshape(n, g, out_channels // g, oh, ow).transpose(1, 0, 3, 4, 2)
        g2 = g2.reshape(g, n * oh * ow, out_channels // g)
        grads = [None, None, None]
        if self.needs_input_grad[1]:
            gw = np.matmul(self.cols.transpose(0, 2, 1), g2)  # (G, C/G*kh*kw, O/G)
            grads[1] = gw.transpose(0, 2, 1).reshape(weight.shape)
        if self.has_bias and self.needs_input_grad[2]:
            grads[2] = grad.sum(axis=(0, 2, 3))
        if self.needs_input_grad[0]:
            w2 = weight.reshape(g, out_channels // g, -1)
            gcols = np.matmul(g2, w2)  # (G, N*OH*OW, C/G*kh*kw)
            gcols = gcols.reshape(g, n, oh, ow, group_channels, kh, kw)
            # -> (kh, kw, N, G, C/G, OH, OW) contiguous, so that col2im reads whole blocks
            gcols = np.ascontiguousarray(gcols.transpose(5, 6, 1, 0, 4, 2, 3))
            gcols = gcols.reshape(kh, kw, n, c, oh, ow)
            gx = np.zeros(self.padded_shape, dtype=grad.dtype)
            add_windows(gx, gcols, self.stride, self.dilation)
            grads[0] = unpad_hw(gx, self.padding)
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
        full_h = (h - 1) * sh + dh * (kh - 1) + 1 + output_padding[0]
        full_w = (w - 1) * sw + dw * (kw - 1) + 1 + output_padding[1]
        # every input pixel scatters weight-scaled kernels: cols = x^T W, then col2im
        xg = x.reshape(n, g, c // g, h, w).transpose(1, 0, 3, 4, 2).reshape(g, n * h * w, c // g)
        wg = weight.reshape(g, c // g, group_out * kh * kw)
        cols = np.matmul(xg, wg).reshape(g, n, h, w, group_out, kh, kw)
        cols = np.ascontiguousarray(cols.transpose(5, 6, 1, 0, 4, 2, 3))
        cols = cols.reshape(kh, kw, n, g * group_out, h, w)
        full = np.zeros((n, g * group_out, full_h, full_w), dtype=np.result_type(x, weight))
        add_windows(full, cols, stride, dilation)
        out = full[:, :, padding[0] : full_h - padding[0], padding[1] : full_w - padding[1]]
        if bias is not None:
            out = out + bias.reshape(1, -1, 1, 1)
        self.x, self.weight, self.has_bias = x, weight, bias is not None
        self.full_shape = full.shape
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        return out

    def backward(self, grad):
        x, weight, g = self.x, self.weight, self.groups
        in_channels, group_out, kh, kw = weight.shape
        n, c, h, w = x.shape
        full = np.zeros(self.full_shape, dtype=grad.dtype)
        ph, pw = self.padding
        full[:, :, ph : self.full_shape[2] - ph, pw : self.full_shape[3] - pw] = grad
        view = windows(full, (kh, kw), self.stride, self.dilation)[:, :, :h, :w]
        # (G, N*H*W, O/G*kh*kw)
        cols = view.reshape(n, g, group_out, h, w, kh, kw).transpose(1, 0, 3, 4, 2, 5, 6)
        cols = cols.reshape(g, n * h * w, group_out * kh * kw)
        grads = [None, None, None]
        if self.needs_input_grad[0]:
            wg = weight.reshape(g, c // g, group_out * kh * kw).transpose(0, 2, 1)
            gx = np.matmul(cols, wg).reshape(g, n, h, w, c // g)
            grads[0] = gx.transpose(1, 0, 4, 2, 3).reshape(x.shape)
        if self.needs_input_grad[1]:
            xg = x.reshape(n, g, c // g, h, w).transpose(1, 2, 0, 3, 4).reshape(g, c // g, -1)
            grads[1] = np.matmul(xg, cols).reshape(weight.shape)
        if self.has_bias and self.needs_input_grad[2]:
            grads[2] = grad.sum(axis=(0, 2, 3))
        return tuple(grads)


class MaxPool2d(Function):
    """Max over each window; the gradient goes to the (first) maximum, as in PyTorch."""

    def forward(self, x, kernel, stride, padding, dilation):
        padded = pad_hw(x, padding, value=-np.inf)
        view = windows(padded, kernel, stride, dilation)
        n, c, oh, ow, kh, kw = view.shape
        flat = view.reshape(n, c, oh, ow, kh * kw)
        self.argmax = argmax = flat.argmax(axis=-1)[..., None]
        self.shape, self.padded_shape = x.shape, padded.shape
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        return np.take_along_axis(flat, argmax, axis=-1)[..., 0]

    def backward(self, grad):
        n, c, oh, ow = grad.shape
        kh, kw = self.kernel
        hits = np.zeros((n, c, oh, ow, kh * kw), dtype=grad.dtype)
        np.put_along_axis(hits, self.argmax, grad[..., None], axis=-1)
        window_grads = hits.reshape(n, c, oh, ow, kh, kw).transpose(4, 5, 0, 1, 2, 3)
        gx = np.zeros(self.padded_shape, dtype=grad.dtype)
        if self.stride == self.kernel and self.dilation == (1, 1):
            # non-overlapping windows: one reshape puts every gradient in place
            tiles = hits.reshape(n, c, oh, ow, kh, kw).transpose(0, 1, 2, 4, 3, 5)
            gx[:, :, : oh * kh, : ow * kw] = tiles.reshape(n, c, oh * kh, ow * kw)
        else:
            add_windows(gx, np.ascontiguousarray(window_grads), self.stride, self.dilation)
        return unpad_hw(gx, self.padding)


class AvgPool2d(Function):
    def forward(self, x, kernel, stride, padding, count_include_pad=True):
        padded = pad_hw(x, padding)
        view = windows(padded, kernel, stride, (1, 1))
        if count_include_pad or padding == (0, 0):
            self.divisor = kernel[0] * kernel[1]
        else:  # count only real pixels in each window
            ones = pad_hw(np.ones((1, 1) + x.shape[2:], dtype=x.dtype), padding)
            self.divisor = windows(ones, kernel, stride, (1, 1)).sum(axis=(-1, -2))
        self.shape, self.padded_shape = x.shape, padded.shape
        self.kernel, self.stride, self.padding = kernel, stride, padding
        return view.sum(axis=(-1, -2)) / self.divisor

    def backward(self, grad):
        kh, kw = self.kernel
        share = grad / self.divisor
        window_grads = np.broadcast_to(share, (kh, kw) + share.shape)
        gx = np.zeros(self.padded_shape, dtype=grad.dtype)
        add_windows(gx, window_grads, self.stride, (1, 1))
        return unpad_hw(gx, self.padding)
