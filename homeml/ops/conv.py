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
    """View (A, B, OH, OW, kh, kw) of every receptive field of an (A, B, H, W) array."""
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
    """col2im: add (kh, kw, A, B, OH, OW) window gradients into the (A, B, H, W) ``target``."""
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
    """Cross-correlation of (N, C, H, W) input with (O, C/groups, kh, kw) weight.

    Internally channel-major: the input is read as (C, N, H, W) and the output is produced as an
    (O, N, OH, OW) array returned as an (N, O, OH, OW) view. A following conv, pool or elementwise
    op then keeps that layout, so im2col's copies read long contiguous runs and BLAS's output
    needs no transposing copy.

    Stride 1 (the common case) uses "wide rows": each padded (H, W) plane is read as one flat
    row, and every output position is computed for all Wp columns of the padded width, the
    columns past OW being discarded. A window offset is then a single shift of the flat row, so
    im2col and col2im move long contiguous runs (OH*Wp values) instead of OH*kh*kw short rows of
    OW values, which is where NumPy spends its time on small images. The price is Wp/OW times
    more columns in the matrix products.
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
        # wide rows pay off in col2im; for a first layer (no input gradient) the bigger weight-
        # gradient product and the padded copy of the output gradient cost more than they save
        needs = getattr(self, "needs_input_grad", None)  # None: not recorded (inference)
        self.wide = stride == (1, 1) and (needs is None or needs[0])
        xc = x.transpose(1, 0, 2, 3)  # (C, N, H, W)
        cols = self._im2col_wide(xc) if self.wide else self._im2col(xc)
        self.cols = cols  # (G, C/G*kh*kw, N*OH*cols_width)
        w2 = weight.reshape(groups, out_channels // groups, -1)  # (G, O/G, C/G*kh*kw)
        out = np.matmul(w2, cols).reshape(out_channels, n, self.oh, -1)
        if bias is not None:
            out += bias.reshape(-1, 1, 1, 1)
        return out[..., : self.ow].transpose(1, 0, 2, 3)

    def _im2col(self, xc):
        """(G, C/G*kh*kw, N*OH*OW): every receptive field copied once, from a strided view."""
        padded = pad_hw(xc, self.padding)  # (C, N, Hp, Wp)
        kernel = self.weight.shape[2:]
        view = windows(padded, kernel, self.stride, self.dilation)  # (C, N, OH, OW, kh, kw)
        self.padded_shape = padded.shape
        self.oh, self.ow = view.shape[2:4]
        positions = padded.shape[1] * self.oh * self.ow
        return view.transpose(0, 4, 5, 1, 2, 3).reshape(self.groups, -1, positions)

    def _im2col_wide(self, xc):
        """(G, C/G*kh*kw, N*OH*Wp): stride-1 windows as shifts of each flat padded plane."""
        c, n, h, w = xc.shape
        (ph, pw), (dh, dw) = self.padding, self.dilation
        kh, kw = self.weight.shape[2:]
        hp, wp = h + 2 * ph, w + 2 * pw
        self.oh, self.ow = hp - dh * (kh - 1), wp - dw * (kw - 1)
        # one spare zero row: the shifted reads of the last kernel column run past row Hp
        padded = np.zeros((c, n, hp + 1, wp), dtype=xc.dtype)
        padded[:, :, ph : ph + h, pw : pw + w] = xc
        self.padded_shape = padded.shape
        flat = padded.reshape(c, n, -1)
        size = flat.itemsize
        view = as_strided(
            flat,
            shape=(c, kh, kw, n, self.oh * wp),
            strides=(flat.strides[0], dh * wp * size, dw * size, flat.strides[1], size),
            writeable=False,
        )
        return view.reshape(self.groups, -1, n * self.oh * wp)

    def backward(self, grad):
        weight, g = self.weight, self.groups
        out_channels, group_channels, kh, kw = weight.shape
        c, n, _, wp = self.padded_shape
        oh, ow = self.oh, self.ow
        if self.wide:  # the discarded columns get zero gradient, as if never computed
            grad_c = np.zeros((out_channels, n, oh, wp), dtype=grad.dtype)
            grad_c[..., :ow] = grad.transpose(1, 0, 2, 3)
        else:
            grad_c = grad.transpose(1, 0, 2, 3)
        g2 = grad_c.reshape(g, out_channels // g, -1)  # (G, O/G, N*OH*width)
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
            gcols = np.matmul(w2t, g2)  # (G, C/G*kh*kw, N*OH*width), col2im's order
            if self.wide:
                gx = self._col2im_wide(gcols.reshape(c, kh, kw, n, oh * wp))[:, :, :-1]
            else:
                gx = np.zeros(self.padded_shape, dtype=grad.dtype)  # (C, N, Hp, Wp)
                window_grads = gcols.reshape(c, kh, kw, n, oh, ow).transpose(1, 2, 0, 3, 4, 5)
                add_windows(gx, window_grads, self.stride, self.dilation)
            grads[0] = unpad_hw(gx, self.padding).transpose(1, 0, 2, 3)
        return tuple(grads)

    def _col2im_wide(self, gcols):
        """Add (C, kh, kw, N, OH*Wp) window gradients back into the flat padded planes."""
        c, kh, kw, n, length = gcols.shape
        _, _, hp, wp = self.padded_shape
        dh, dw = self.dilation
        gx = np.zeros((c, n, hp * wp), dtype=gcols.dtype)
        for i in range(kh):
            for j in range(kw):
                shift = i * dh * wp + j * dw
                gx[:, :, shift : shift + length] += gcols[:, i, j]
        return gx.reshape(c, n, hp, wp)


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
    """Max over each window; the gradient goes to the first maximum in scan order (PyTorch's
    choice, which matters after ReLU where whole windows tie at zero).

    Pools work on the channel-major (C, N, H, W) view, like Conv2d, to keep its layout.
    """

    def forward(self, x, kernel, stride, padding, dilation):
        xc = x.transpose(1, 0, 2, 3)
        self.shape = xc.shape
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.tiled = stride == kernel and padding == (0, 0) and dilation == (1, 1)
        if self.tiled:  # non-overlapping windows: a reshape, no window copies
            (kh, kw), (c, n, h, w) = kernel, xc.shape
            oh, ow = h // kh, w // kw
            self.tiles = tiles = xc[:, :, : oh * kh, : ow * kw].reshape(c, n, oh, kh, ow, kw)
            out = tiles[:, :, :, 0, :, 0].copy()
            for i in range(kh):  # kh*kw elementwise maxima beat a strided max-reduction
                for j in range(kw):
                    np.maximum(out, tiles[:, :, :, i, :, j], out=out)
            self.out = out
            return out.transpose(1, 0, 2, 3)
        padded = pad_hw(xc, padding, value=-np.inf)
        view = windows(padded, kernel, stride, dilation)
        c, n, oh, ow, kh, kw = view.shape
        flat = view.reshape(c, n, oh, ow, kh * kw)
        self.argmax = argmax = flat.argmax(axis=-1)[..., None]
        self.padded_shape = padded.shape
        return np.take_along_axis(flat, argmax, axis=-1)[..., 0].transpose(1, 0, 2, 3)

    def backward(self, grad):
        grad = grad.transpose(1, 0, 2, 3)
        kh, kw = self.kernel
        if self.tiled:
            tiles, out = self.tiles, self.out
            gx = np.zeros(self.shape, dtype=grad.dtype)
            c, n, oh, _, ow, _ = tiles.shape
            g_tiles = gx[:, :, : oh * kh, : ow * kw].reshape(c, n, oh, kh, ow, kw)  # a view
            taken = np.zeros(out.shape, dtype=bool)
            has_nan = np.isnan(out).any()  # a NaN window's gradient goes to its first NaN
            for i in range(kh):
                for j in range(kw):
                    tile = tiles[:, :, :, i, :, j]
                    hit = (tile == out) | np.isnan(tile) if has_nan else tile == out
                    hit &= ~taken
                    taken |= hit
                    np.multiply(grad, hit, out=g_tiles[:, :, :, i, :, j])
            return gx.transpose(1, 0, 2, 3)
        c, n, oh, ow = grad.shape
        hits = np.zeros((c, n, oh, ow, kh * kw), dtype=grad.dtype)
        np.put_along_axis(hits, self.argmax, grad[..., None], axis=-1)
        window_grads = hits.reshape(c, n, oh, ow, kh, kw).transpose(4, 5, 0, 1, 2, 3)
        gx = np.zeros(self.padded_shape, dtype=grad.dtype)
        add_windows(gx, window_grads, self.stride, self.dilation)
        return unpad_hw(gx, self.padding).transpose(1, 0, 2, 3)


class AvgPool2d(Function):
    def forward(self, x, kernel, stride, padding, count_include_pad=True):
        x = x.transpose(1, 0, 2, 3)  # channel-major, as MaxPool2d
        padded = pad_hw(x, padding)
        view = windows(padded, kernel, stride, (1, 1))
        if count_include_pad or padding == (0, 0):
            self.divisor = kernel[0] * kernel[1]
        else:  # count only real pixels in each window
            ones = pad_hw(np.ones((1, 1) + x.shape[2:], dtype=x.dtype), padding)
            self.divisor = windows(ones, kernel, stride, (1, 1)).sum(axis=(-1, -2))
        self.shape, self.padded_shape = x.shape, padded.shape
        self.kernel, self.stride, self.padding = kernel, stride, padding
        return (view.sum(axis=(-1, -2)) / self.divisor).transpose(1, 0, 2, 3)

    def backward(self, grad):
        grad = grad.transpose(1, 0, 2, 3)
        kh, kw = self.kernel
        share = grad / self.divisor
        window_grads = np.broadcast_to(share, (kh, kw) + share.shape)
        gx = np.zeros(self.padded_shape, dtype=grad.dtype)
        add_windows(gx, window_grads, self.stride, (1, 1))
        return unpad_hw(gx, self.padding).transpose(1, 0, 2, 3)
