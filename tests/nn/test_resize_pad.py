"""F.interpolate / nn.Upsample (nearest, linear, bilinear; size or scale_factor; align_corners)
and nn.utils.rnn.pad_sequence against torch: values and input gradients; finite differences."""

import numpy as np
import pytest
from support import check_against_torch, check_gradients, requires_torch, torch

import homeml as hm
import homeml.nn.functional as F
from homeml import nn
from homeml.nn.utils.rnn import pad_sequence

pytestmark = requires_torch

DTYPES = [np.float64, np.float32]
TF = torch.nn.functional if torch is not None else None


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


RESIZES = [
    dict(size=(7, 5)),
    dict(size=3),
    dict(size=(10, 13)),
    dict(scale_factor=2),
    dict(scale_factor=(1.5, 0.5)),
    dict(scale_factor=1.7),
    dict(scale_factor=2.3, recompute_scale_factor=True),
    dict(size=(1, 1)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", RESIZES)
@pytest.mark.parametrize(
    "mode,align_corners", [("nearest", None), ("bilinear", False), ("bilinear", True)]
)
def test_interpolate_2d_matches_torch(dtype, options, mode, align_corners):
    x = randn(2, 3, 4, 6, dtype=dtype)
    kwargs = dict(options, mode=mode, align_corners=align_corners)
    check_against_torch(
        lambda t: F.interpolate(t, **kwargs), lambda t: TF.interpolate(t, **kwargs), x
    )


@pytest.mark.parametrize(
    "mode,align_corners", [("nearest", None), ("linear", False), ("linear", True)]
)
@pytest.mark.parametrize("options", [dict(size=9), dict(scale_factor=0.6), dict(scale_factor=3)])
def test_interpolate_1d_matches_torch(mode, align_corners, options):
    x = randn(2, 3, 5)
    kwargs = dict(options, mode=mode, align_corners=align_corners)
    check_against_torch(
        lambda t: F.interpolate(t, **kwargs), lambda t: TF.interpolate(t, **kwargs), x
    )


def test_interpolate_gradients_by_finite_differences():
    x = randn(1, 2, 3, 4)
    check_gradients(lambda t: F.interpolate(t, size=(5, 7), mode="bilinear"), x)
    check_gradients(lambda t: F.interpolate(t, scale_factor=1.5, mode="nearest"), x)


@pytest.mark.parametrize(
    "options",
    [
        dict(scale_factor=2),
        dict(size=(5, 3), mode="bilinear"),
        dict(scale_factor=1.5, mode="bilinear", align_corners=True),
    ],
)
def test_upsample_matches_torch(options):
    ours, theirs = nn.Upsample(**options), torch.nn.Upsample(**options)
    assert repr(ours) == repr(theirs)
    check_against_torch(ours, theirs, randn(2, 3, 4, 4, dtype=np.float32))


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda x: F.interpolate(x), ValueError, "exactly one of size and scale_factor"),
        (lambda x: F.interpolate(x, 3, 2.0), ValueError, "exactly one"),
        (lambda x: F.interpolate(x, 3, mode="bicubic"), NotImplementedError, "'bicubic'"),
        (lambda x: F.interpolate(x, 3, mode="linear"), ValueError, r"expects \(N, C, L\)"),
        (lambda x: F.interpolate(x, 3, align_corners=True), ValueError, "align_corners"),
        (lambda x: F.interpolate(x, (2, 3, 4)), ValueError, "size needs 2 values"),
        (lambda x: F.interpolate(x, scale_factor=0.1), ValueError, "must be positive"),
    ],
)
def test_interpolate_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call(hm.tensor(randn(1, 1, 4, 4)))


# ----------------------------------------------------------------------------- pad_sequence


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(dtype, batch_first, padding_side):
    seqs = [
        randn(3, 2, dtype=dtype, seed=0),
        randn(5, 2, dtype=dtype, seed=1),
        randn(1, 2, dtype=dtype, seed=2),
    ]
    kwargs = dict(batch_first=batch_first, padding_value=-1.5, padding_side=padding_side)
    check_against_torch(
        lambda *s: pad_sequence(list(s), **kwargs),
        lambda *s: torch.nn.utils.rnn.pad_sequence(list(s), **kwargs),
        *seqs,
    )
    assert hm.nn.utils.rnn.pad_sequence is pad_sequence


def test_pad_sequence_of_token_indices_and_gradients():
    tokens = [np.array([4, 2, 7]), np.array([1])]
    ours = pad_sequence([hm.tensor(t) for t in tokens], batch_first=True)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(t) for t in tokens], batch_first=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == np.int64
    check_gradients(lambda a, b: pad_sequence([a, b]), randn(2, 3), randn(4, 3, seed=1))


def test_pad_sequence_bad_input_is_named():
    with pytest.raises(ValueError, match=r"\(L_i, 3\) like the first, got shape \(2, 4\)"):
        pad_sequence([hm.zeros(2, 3), hm.zeros(2, 4)])
    with pytest.raises(ValueError, match="non-empty"):
        pad_sequence([])
    with pytest.raises(ValueError, match="'right' or 'left', got 'top'"):
        pad_sequence([hm.zeros(2)], padding_side="top")
