"""Batch image transforms: ToFloat, Normalize, shifts and rotations (bilinear, vectorised)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import requires_torch, torch

import homeml as hm
from homeml.data import transforms as T


def images(shape, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype) == np.uint8:
        return rng.integers(0, 256, size=shape, dtype=np.uint8)
    return rng.random(shape).astype(dtype)


def blob(size=29, sigma=3.0, centre=None):
    """A smooth bump well inside the image (its mass is not cut off by small rotations)."""
    c = (size - 1) / 2 if centre is None else centre
    yy, xx = np.mgrid[:size, :size]
    return np.exp(-((yy - c) ** 2 + (xx - c) ** 2) / (2 * sigma**2)).astype(np.float64)


# ----------------------------------------------------------------------------- ToFloat, Normalize


@requires_torch
def test_to_float_scales_uint8_like_torch():
    x = images((4, 6, 6), np.uint8)
    out = T.ToFloat()(x)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, (torch.tensor(x).float() / 255).numpy())
    assert out.min() >= 0 and out.max() <= 1


def test_to_float_keeps_tensors_tensors_and_casts_floats():
    out = T.ToFloat()(hm.tensor(np.array([[0, 255]], dtype=np.uint8)))
    assert isinstance(out, hm.Tensor) and out.tolist() == [[0.0, 1.0]]
    doubles = np.array([[0.25, 2.0]])
    np.testing.assert_array_equal(T.ToFloat()(doubles), doubles.astype(np.float32))
    with pytest.raises(ValueError, match="floating point"):
        T.ToFloat(np.int32)


def test_normalize_scalar_equals_formula():
    x = images((5, 7, 7))
    out = T.Normalize(0.1307, 0.3081)(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, (x - np.float32(0.1307)) / np.float32(0.3081), rtol=1e-6)


@requires_torch
def test_normalize_per_channel_matches_torch_formula():
    x = images((3, 3, 4, 5))
    mean, std = [0.1, 0.5, 0.9], [0.2, 0.3, 0.4]
    out = T.Normalize(mean, std)(hm.tensor(x))
    t = torch.tensor(x)
    want = (t - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)
    assert isinstance(out, hm.Tensor)
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-6, atol=1e-7)
    single = T.Normalize(mean, std)(x[0])  # one (C, H, W) image
    np.testing.assert_allclose(single, want[0].numpy(), rtol=1e-6, atol=1e-7)


def test_normalize_rejects_bad_input():
    with pytest.raises(TypeError, match="apply ToFloat first"):
        T.Normalize(0.5, 0.5)(images((2, 3, 3), np.uint8))
    with pytest.raises(ValueError, match=r"C=3, got shape \(2, 4, 3, 3\)"):
        T.Normalize([0.1, 0.2, 0.3], [1, 1, 1])(images((2, 4, 3, 3)))
    with pytest.raises(ValueError, match="non-zero"):
        T.Normalize(0.5, 0.0)


# ----------------------------------------------------------------------------- shift


def reference_shift(img, dy, dx):
    """out[y, x] = img[y - dy, x - dx], zero outside (loop over pixels)."""
    out = np.zeros_like(img)
    h, w = img.shape[-2:]
    for y in range(h):
        for x in range(w):
            if 0 <= y - dy < h and 0 <= x - dx < w:
                out[..., y, x] = img[..., y - dy, x - dx]
    return out


@given(
    shape=st.sampled_from([(6, 5), (3, 6, 5), (2, 3, 4, 6)]),
    seed=st.integers(0, 1000),
)
def test_shift_matches_loop_reference(shape, seed):
    rng = np.random.default_rng(seed)
    x = images(shape, np.uint8, seed)
    n = 1 if len(shape) == 2 else shape[0]
    shifts = rng.integers(-7, 8, size=(n, 2))
    out = T.shift(x, shifts)
    assert out.dtype == np.uint8 and out.shape == x.shape
    batch = x.reshape((n, -1) + shape[-2:])
    want = np.stack([reference_shift(b, dy, dx) for b, (dy, dx) in zip(batch, shifts)])
    np.testing.assert_array_equal(out, want.reshape(shape))


def test_random_shift_moves_a_single_pixel_by_the_drawn_amount():
    n, size, m = 64, 15, 3
    x = np.zeros((n, size, size), dtype=np.uint8)
    x[:, 7, 6] = 200
    out = T.RandomShift(m, generator=hm.Generator(5))(x)
    drawn = T.RandomShift(m, generator=hm.Generator(5)).get_params(n)  # same draws
    assert out.dtype == np.uint8
    assert np.all(out.reshape(n, -1).sum(axis=1) == 200)  # one pixel, value kept, zeros elsewhere
    ys, xs = np.unravel_index(out.reshape(n, -1).argmax(axis=1), (size, size))
    np.testing.assert_array_equal(ys - 7, drawn[:, 0])
    np.testing.assert_array_equal(xs - 6, drawn[:, 1])
    assert np.abs(drawn).max() <= m
    assert len({(a, b) for a, b in drawn}) > 20  # per-sample parameters, all offsets reachable
    assert {a for a, _ in drawn} == set(range(-m, m + 1))


def test_random_shift_moves_channels_together_and_fills_with_zero():
    x = images((8, 3, 6, 6)) + 1  # no zeros in the input
    out = T.RandomShift(2, generator=hm.Generator(0))(hm.tensor(x))
    assert isinstance(out, hm.Tensor) and out.shape == x.shape
    drawn = T.RandomShift(2, generator=hm.Generator(0)).get_params(8)
    for i, (dy, dx) in enumerate(drawn):
        np.testing.assert_array_equal(out.numpy()[i], reference_shift(x[i], dy, dx))
        assert (out.numpy()[i] == 0).sum() == 3 * (36 - (6 - abs(dy)) * (6 - abs(dx)))


def test_random_shift_is_reproducible_and_redraws_each_call():
    x = images((16, 8, 8))
    a, b = T.RandomShift(2, generator=hm.Generator(1)), T.RandomShift(2, generator=hm.Generator(1))
    first = a(x)
    np.testing.assert_array_equal(first, b(x))
    assert not np.array_equal(first, a(x))


def test_shift_rejects_bad_parameters():
    with pytest.raises(ValueError, match=r"shifts shaped \(3, 2\)"):
        T.shift(images((3, 4, 4)), [[1, 1]])
    with pytest.raises(ValueError, match="whole numbers"):
        T.shift(images((4, 4)), [0.5, 0])
    with pytest.raises(ValueError, match="non-negative"):
        T.RandomShift(-1)
    with pytest.raises(ValueError, match=r"\(H, W\), \(N, H, W\) or \(N, C, H, W\)"):
        T.RandomShift(1)(np.zeros(5))
    with pytest.raises(TypeError, match="numpy.ndarray or homeml Tensor"):
        T.RandomShift(1)([[0.0]])


# ----------------------------------------------------------------------------- rotation


@pytest.mark.parametrize("size", [4, 5, 28])
@pytest.mark.parametrize("quarter_turns", [1, 2, 3, -1])
def test_rotation_by_right_angles_equals_rot90(size, quarter_turns):
    x = images((3, 2, size, size))
    out = T.rotate(x, [90 * quarter_turns] * 3)
    np.testing.assert_allclose(out, np.rot90(x, quarter_turns, axes=(2, 3)), atol=1e-5)


def test_rotation_by_180_of_a_non_square_image_flips_both_axes():
    x = images((2, 5, 8), np.uint8)
    np.testing.assert_array_equal(T.rotate(x, [180, -180]), x[:, ::-1, ::-1])


def test_rotation_by_zero_is_identity():
    x = images((4, 3, 7, 9))
    np.testing.assert_allclose(T.rotate(x, np.zeros(4)), x, rtol=1e-6)
    u = images((4, 7, 9), np.uint8)
    np.testing.assert_array_equal(T.RandomRotation((0, 0))(u), u)


@pytest.mark.parametrize("angle", [-15.0, -4.0, 2.5, 10.0, 20.0])
def test_small_rotations_keep_the_mass_and_turn_the_centre_of_mass(angle):
    size = 29
    x = blob(size, 2.5, centre=10.0)  # off-centre: the rotation moves it
    out = T.rotate(x, [angle])
    np.testing.assert_allclose(out.sum(), x.sum(), rtol=1e-2)
    yy, xx = np.mgrid[:size, :size] - (size - 1) / 2

    def centroid(img):
        return np.array([(yy * img).sum(), (xx * img).sum()]) / img.sum()

    (dy, dx), t = centroid(x), np.deg2rad(angle)
    want = [-dx * np.sin(t) + dy * np.cos(t), dx * np.cos(t) + dy * np.sin(t)]
    np.testing.assert_allclose(centroid(out), want, atol=0.05)


def test_rotation_is_counter_clockwise_as_displayed():
    x = np.zeros((9, 9))
    x[4, 8] = 1.0  # right of the centre
    out = T.rotate(x, [90.0])
    assert out[0, 4] == pytest.approx(1.0)  # now above the centre


@requires_torch
@given(seed=st.integers(0, 1000), shape=st.sampled_from([(7, 7), (6, 10), (9, 5)]))
def test_affine_matches_torch_grid_sample(seed, shape):
    """Same inverse map as ``affine_grid``/``grid_sample(align_corners=True, zeros)``."""
    rng = np.random.default_rng(seed)
    n, (h, w) = 4, shape
    x = rng.random((n, 2, h, w))
    angles = rng.uniform(-180, 180, size=n)
    shifts = rng.uniform(-2, 2, size=(n, 2))
    out = T.affine(x, angles, shifts)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    t = np.deg2rad(angles)
    c, s = np.cos(t), np.sin(t)
    ty, tx = shifts[:, 0], shifts[:, 1]
    theta = np.stack(
        [
            np.stack([c, -s * cy / cx, -(c * tx - s * ty) / cx], axis=1),
            np.stack([s * cx / cy, c, -(s * tx + c * ty) / cy], axis=1),
        ],
        axis=1,
    )
    grid = torch.nn.functional.affine_grid(torch.tensor(theta), (n, 2, h, w), align_corners=True)
    want = torch.nn.functional.grid_sample(
        torch.tensor(x), grid, mode="bilinear", padding_mode="zeros", align_corners=True
    )
    np.testing.assert_allclose(out, want.numpy(), atol=1e-9)


def test_uint8_rotation_stays_uint8_and_fill_is_used():
    x = np.full((2, 6, 6), 200, dtype=np.uint8)
    out = T.RandomRotation(45, generator=hm.Generator(0))(x)
    assert out.dtype == np.uint8
    assert out.min() < 200  # corners come from outside the image: filled with 0
    filled = T.RandomRotation(45, generator=hm.Generator(0), fill=200)(x)
    np.testing.assert_array_equal(filled, x)


def test_random_rotation_is_reproducible_and_draws_per_sample_angles():
    x = np.repeat(blob(15, 2.0, centre=5.0)[None], 6, axis=0).astype(np.float32)
    a, b = T.RandomRotation(30, generator=hm.Generator(2)), T.RandomRotation(30, hm.Generator(2))
    out = a(hm.tensor(x))
    assert isinstance(out, hm.Tensor) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), b(hm.tensor(x)).numpy())
    angles = T.RandomRotation(30, generator=hm.Generator(2)).get_params(1000)
    assert angles.min() >= -30 and angles.max() <= 30 and angles.std() > 10
    np.testing.assert_allclose(out.numpy(), T.rotate(x, angles[:6]), rtol=1e-6)
    assert not np.allclose(out.numpy()[0], out.numpy()[1])  # different angle per image


def test_random_affine_with_zero_degrees_shifts_by_whole_pixels():
    x = images((10, 12, 20))
    tf = T.RandomAffine(0, translate=(0.1, 0.25), generator=hm.Generator(4))
    angles, shifts = T.RandomAffine(0, (0.1, 0.25), generator=hm.Generator(4)).get_params(
        10, 12, 20
    )
    out = tf(x)
    assert np.all(angles == 0) and np.all(shifts == np.round(shifts))
    assert np.abs(shifts[:, 0]).max() <= 3 and np.abs(shifts[:, 1]).max() <= 2
    want = T.shift(x, shifts.astype(int))
    np.testing.assert_allclose(out, want, atol=1e-6)


def test_compose_applies_in_order():
    x = images((4, 8, 8), np.uint8)
    pipeline = T.Compose(
        [T.RandomShift(1, generator=hm.Generator(0)), T.ToFloat(), T.Normalize(0.5, 0.25)]
    )
    shifted = T.RandomShift(1, generator=hm.Generator(0))(x)
    want = (shifted.astype(np.float32) / 255 - np.float32(0.5)) / np.float32(0.25)
    np.testing.assert_allclose(pipeline(x), want, rtol=1e-6, atol=1e-6)
    assert "RandomShift" in repr(pipeline)


def test_rotation_rejects_bad_parameters():
    with pytest.raises(ValueError, match="non-negative"):
        T.RandomRotation(-5)
    with pytest.raises(ValueError, match=r"\(min, max\) pair"):
        T.RandomRotation((10, -10))
    with pytest.raises(ValueError, match=r"angles shaped \(2,\)"):
        T.rotate(images((2, 4, 4)), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="translate must be two fractions"):
        T.RandomAffine(0, translate=(0.5, 2))
