"""2-D max and average pooling on (N, C, H, W) arrays.

Pools share the convolutions' window helpers and their batch-innermost (C, H, W, N) layout (see
``conv.py``), so a pool between two convolutions copies no data into another layout.
"""

from __future__ import annotations

import numpy as np

from homeml.ops.conv import add_windows, batch_first, batch_last, pad_hw, unpad_hw, windows
from homeml.tensor import Function


class MaxPool2d(Function):
    """Max over each window; the gradient goes to the first maximum in scan order (PyTorch's
    choice, which matters after ReLU where whole windows tie at zero).

    Pools work on the batch-innermost (C, H, W, N) view, like Conv2d, to keep its layout.
    """

    def forward(self, x, kernel, stride, padding, dilation):
        xc = batch_last(x)
        self.shape = xc.shape
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.tiled = stride == kernel and padding == (0, 0) and dilation == (1, 1)
        if self.tiled:  # non-overlapping windows: a reshape, no window copies
            (kh, kw), (c, h, w, n) = kernel, xc.shape
            oh, ow = h // kh, w // kw
            self.tiles = tiles = xc[:, : oh * kh, : ow * kw].reshape(c, oh, kh, ow, kw, n)
            out = tiles[:, :, 0, :, 0].copy()
            for i in range(kh):  # kh*kw elementwise maxima beat a strided max-reduction
                for j in range(kw):
                    np.maximum(out, tiles[:, :, i, :, j], out=out)
            self.out = out
            return batch_first(out)
        padded = pad_hw(xc, padding, value=-np.inf)
        view = windows(padded, kernel, stride, dilation)  # (C, kh, kw, OH, OW, N)
        c, kh, kw, oh, ow, n = view.shape
        flat = view.transpose(0, 3, 4, 5, 1, 2).reshape(c, oh, ow, n, kh * kw)
        self.argmax = argmax = flat.argmax(axis=-1)[..., None]
        self.padded_shape = padded.shape
        return batch_first(np.take_along_axis(flat, argmax, axis=-1)[..., 0])

    def backward(self, grad):
        grad = batch_last(grad)  # (C, OH, OW, N)
        kh, kw = self.kernel
        if self.tiled:
            tiles, out = self.tiles, self.out
            gx = np.zeros(self.shape, dtype=grad.dtype)
            c, oh, _, ow, _, n = tiles.shape
            g_tiles = gx[:, : oh * kh, : ow * kw].reshape(c, oh, kh, ow, kw, n)  # a view
            taken = np.zeros(out.shape, dtype=bool)
            has_nan = np.isnan(out).any()  # a NaN window's gradient goes to its first NaN
            for i in range(kh):
                for j in range(kw):
                    tile = tiles[:, :, i, :, j]
                    hit = (tile == out) | np.isnan(tile) if has_nan else tile == out
                    hit &= ~taken
                    taken |= hit
                    np.multiply(grad, hit, out=g_tiles[:, :, i, :, j])
            return batch_first(gx)
        c, oh, ow, n = grad.shape
        hits = np.zeros((c, oh, ow, n, kh * kw), dtype=grad.dtype)
        np.put_along_axis(hits, self.argmax, grad[..., None], axis=-1)
        window_grads = hits.reshape(c, oh, ow, n, kh, kw).transpose(0, 4, 5, 1, 2, 3)
        gx = np.zeros(self.padded_shape, dtype=grad.dtype)
        add_windows(gx, window_grads, self.stride, self.dilation)
        return batch_first(unpad_hw(gx, self.padding))


class AvgPool2d(Function):
    def forward(self, x, kernel, stride, padding, count_include_pad=True):
        xc = batch_last(x)  # batch-innermost, as MaxPool2d
        padded = pad_hw(xc, padding)
        view = windows(padded, kernel, stride, (1, 1))  # (C, kh, kw, OH, OW, N)
        if count_include_pad or padding == (0, 0):
            self.divisor = kernel[0] * kernel[1]
        else:  # count only real pixels in each window
            ones = pad_hw(np.ones((1,) + xc.shape[1:3] + (1,), dtype=x.dtype), padding)
            self.divisor = windows(ones, kernel, stride, (1, 1)).sum(axis=(1, 2))
        self.padded_shape = padded.shape
        self.kernel, self.stride, self.padding = kernel, stride, padding
        return batch_first(view.sum(axis=(1, 2)) / self.divisor)

    def backward(self, grad):
        share = batch_last(grad) / self.divisor  # (C, OH, OW, N)
        c, oh, ow, n = share.shape
        window_grads = np.broadcast_to(share[:, None, None], (c, *self.kernel, oh, ow, n))
        gx = np.zeros(self.padded_shape, dtype=grad.dtype)
        add_windows(gx, window_grads, self.stride, (1, 1))
        return batch_first(unpad_hw(gx, self.padding))
